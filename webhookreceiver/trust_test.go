package webhookreceiver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadatatest"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// forgedSignature has the form of Attendee's signature header, and is no
// one's.
const forgedSignature = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// handlerOf builds the receiver's handler, unstarted, with both pipelines
// (nop), for requests served in the test's own goroutine.
func handlerOf(t *testing.T, cfg *Config) *webhookReceiver {
	t.Helper()
	f, set := NewFactory(), receivertest.NewNopSettings(metadata.Type)
	rcv, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	_, err = f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return rcv.(*webhookReceiver)
}

// What a request's headers and URL already refuse is answered 401 before a
// byte of its body is read, and its connection is closed.
func TestRefusedBeforeTheBodyIsRead(t *testing.T) {
	h := handlerOf(t, testConfig(allPlatforms()))
	badSignature := http.Header{"X-Webhook-Signature": {"not base64 of an HMAC"}}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	for _, tc := range []struct {
		name, target string
		header       http.Header
	}{
		{"iotum without a token", "/iotum", nil},
		{"iotum with a wrong token", "/iotum", http.Header{"X-Signing-Token": {iotumToken + "x"}}},
		{"airmeet without a token", "/airmeet/trigger.airmeet.created", nil},
		{"airmeet with a wrong token", "/airmeet/trigger.airmeet.created?token=wrong-token-0000000000", nil},
		{"attendee without a signature", "/attendee", nil},
		{"attendee with a signature of the wrong form", "/attendee", badSignature},
		{"eventsair without headers", "/eventsair", nil},
		{"eventsair with a stale timestamp", "/eventsair", http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1000000000"}, "Webhook-Signature": {standardWebhooksSignature(testSecret, "msg_1", 1000000000, "")}}},
		{"eventsair through Svix with only a v1a signature", "/eventsair", http.Header{"Svix-Id": {"msg_1"}, "Svix-Timestamp": {now}, "Svix-Signature": {"v1a,AAAA"}}},
		{"a standard webhooks sender with a timestamp not in seconds", "/meetbot", http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"2025-09-30T12:00:00Z"}, "Webhook-Signature": {standardWebhooksSignature(testSecret, "msg_1", 0, "")}}},
		{"a standard webhooks sender without an id", "/meetbot", http.Header{"Webhook-Timestamp": {now}, "Webhook-Signature": {standardWebhooksSignature(testSecret, "msg_1", 0, "")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &countingReader{}
			req := httptest.NewRequest(http.MethodPost, tc.target, body)
			req.ContentLength = 5_000_000
			for k, v := range tc.header {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			require.Zero(t, body.n, "not a byte of the body read")
			require.Equal(t, "close", w.Header().Get("Connection"))
		})
	}
}

// loadgenReceiver starts a receiver with every platform on, configured as
// the load generator signs (internal/loadgen), after change.
func loadgenReceiver(t *testing.T, change func(*Config)) (*testReceiver, map[string]loadgen.Platform) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, confmap.NewFromStringMap(loadgen.Config("127.0.0.1:0")).Unmarshal(cfg))
	change(cfg)
	require.NoError(t, cfg.Validate())
	platforms := map[string]loadgen.Platform{}
	for _, p := range loadgen.Platforms() {
		platforms[p.Name] = p
	}
	return startReceiver(t, cfg, nil, nil), platforms
}

// hostileUpload opens a connection and sends the head of a forged Attendee
// upload declaring length, then body; it is left open.
func hostileUpload(t *testing.T, base string, length int, body []byte) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "POST /attendee HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: %s\r\nContent-Length: %d\r\n\r\n", forgedSignature, length)
	require.NoError(t, err)
	_, err = conn.Write(body)
	require.NoError(t, err)
	return conn
}

// bodyBytesInFlight reads the budget's gauge.
func bodyBytesInFlight(t *testing.T, r *testReceiver) int64 {
	m, err := r.tel.GetMetric("otelcol_receiver_webhook_body_bytes_in_flight")
	if err != nil {
		return -1
	}
	return m.Data.(metricdata.Sum[int64]).DataPoints[0].Value
}

// A claimed length holds nothing: an upload that declares the whole budget
// and stalls holds its first read alone, and the platforms' deliveries go
// on beside it.
func TestClaimedLengthHoldsNoBudget(t *testing.T) {
	r, platforms := loadgenReceiver(t, func(cfg *Config) {
		cfg.MaxRequestBodySize = 1 << 20
		cfg.MaxBodyBytesInFlight = 1 << 20
	})
	hostileUpload(t, r.url, 1<<20, []byte("{"))
	require.Eventually(t, func() bool { return bodyBytesInFlight(t, r) == firstRead }, 5*time.Second, 5*time.Millisecond)
	for i, name := range []string{"attendee", "iotum", "eventsair", "airmeet"} {
		resp := do(t, platforms[name].Next(r.url, uint64(i)))
		require.Equal(t, http.StatusOK, resp.status, "%s: %s", name, resp.body)
	}
}

// Strangers' bodies hold at most half the budget: when forged uploads that
// really send fill it, Attendee's deliveries (whose headers show only a
// signature's form) are told to retry, and iotum's and Airmeet's (whose
// tokens are checked first) are accepted. Once the uploads end, all are.
func TestStrangersHoldHalfTheBudget(t *testing.T) {
	r, platforms := loadgenReceiver(t, func(cfg *Config) {
		cfg.MaxRequestBodySize = 1 << 20
		cfg.MaxBodyBytesInFlight = 2 << 20
	})
	const sent = 1<<20 - 10_000 // nearly the half, sent at once, then stalled
	conn := hostileUpload(t, r.url, 1<<20, append([]byte("{"), bytes.Repeat([]byte(" "), sent-1)...))
	require.Eventually(t, func() bool { return bodyBytesInFlight(t, r) >= sent }, 5*time.Second, 5*time.Millisecond, "the upload holds what it sent")

	resp := do(t, platforms["attendee"].Next(r.url, 1))
	require.Equal(t, http.StatusServiceUnavailable, resp.status, resp.body)
	require.Equal(t, retryAfter, resp.header.Get("Retry-After"))
	require.Contains(t, resp.body, "in flight")
	require.Equal(t, map[string]int64{"over_budget": 1}, deliveriesByOutcome(t, r.tel, "attendee"))
	for i, name := range []string{"iotum", "airmeet"} {
		resp := do(t, platforms[name].Next(r.url, uint64(i)))
		require.Equal(t, http.StatusOK, resp.status, "%s: %s", name, resp.body)
	}

	conn.Close()
	require.Eventually(t, func() bool { return do(t, platforms["attendee"].Next(r.url, 1)).status == http.StatusOK }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return bodyBytesInFlight(t, r) == 0 }, 5*time.Second, 5*time.Millisecond)
}

// An upload that stops sending is answered 408 and closed once body_timeout
// has passed beyond what it sent at min_body_rate, whatever it claimed;
// one that keeps the pace is read.
func TestStalledUploadIsClosed(t *testing.T) {
	r, _ := loadgenReceiver(t, func(cfg *Config) {
		cfg.BodyTimeout = 300 * time.Millisecond
		cfg.MinBodyRate = 1 << 20
	})
	start := time.Now()
	conn := hostileUpload(t, r.url, 1<<20, []byte("{"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	took := time.Since(start)
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	require.True(t, resp.Close, "the connection is closed")
	require.Less(t, took, 10*time.Second, "closed after body_timeout, not read_timeout")
	require.Equal(t, map[string]int64{"too_slow": 1}, deliveriesByOutcome(t, r.tel, "attendee"))

	// 200 KB at 1 MB/s (1 ms per 1,000 bytes allowed, after 300 ms): sent
	// in 20 steps of 10 KB every 5 ms, it keeps the pace and is verified.
	conn = hostileUpload(t, r.url, 200_000, []byte("{"))
	for range 20 {
		time.Sleep(5 * time.Millisecond)
		_, err := conn.Write(bytes.Repeat([]byte(" "), 10_000))
		if err != nil {
			break
		}
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "read to its end, then refused for its forged signature")
}

// Past max_connections, a connection is answered 503 with Retry-After and
// closed, and counted; once one closes, the next is served.
func TestConnectionLimit(t *testing.T) {
	r, platforms := loadgenReceiver(t, func(cfg *Config) { cfg.MaxConnections = 3 })
	addr := strings.TrimPrefix(r.url, "http://")
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		held = append(held, c)
	}
	require.Eventually(t, func() bool {
		m, err := r.tel.GetMetric("otelcol_receiver_webhook_connections")
		return err == nil && m.Data.(metricdata.Sum[int64]).DataPoints[0].Value == 3
	}, 5*time.Second, 5*time.Millisecond)

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, _ = fmt.Fprintf(c, "POST /iotum HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, retryAfter, resp.Header.Get("Retry-After"))
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, "too many connections open, retry later\n", string(body))
	metadatatest.AssertEqualReceiverWebhookConnectionsRefused(t, r.tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	held[0].Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	require.Eventually(t, func() bool {
		resp, err := client.Do(platforms["iotum"].Next(r.url, 1))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 10*time.Millisecond)
}

// A declared length over the platform's own limit is refused unread, with
// the limit named; the limit is the platform's, not the server's.
func TestPlatformBodyLimits(t *testing.T) {
	h := handlerOf(t, testConfig(allPlatforms()))
	for _, tc := range []struct {
		target string
		header http.Header
		limit  int64
	}{
		{"/iotum", http.Header{"X-Signing-Token": {iotumToken}}, 256 << 10},
		{"/airmeet/trigger.airmeet.created?token=" + airmeetToken, nil, 5 << 20},
		{"/attendee", http.Header{"X-Webhook-Signature": {forgedSignature}}, 1 << 20},
		{"/eventsair", standardWebhooksHeaders(), 256 << 10},
		{"/meetbot", standardWebhooksHeaders(), 1 << 20},
	} {
		for _, length := range []int64{tc.limit, tc.limit + 1} {
			body := &countingReader{}
			req := httptest.NewRequest(http.MethodPost, tc.target, io.LimitReader(body, length))
			req.ContentLength = length
			for k, v := range tc.header {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if length > tc.limit {
				require.Equal(t, http.StatusRequestEntityTooLarge, w.Code, tc.target)
				require.Contains(t, w.Body.String(), fmt.Sprintf("max_request_body_size (%d bytes", tc.limit))
				require.Zero(t, body.n, "not read")
			} else {
				require.NotEqual(t, http.StatusRequestEntityTooLarge, w.Code, "%s at its limit: %s", tc.target, w.Body.String())
			}
		}
	}
}

// standardWebhooksHeaders are well-formed Standard Webhooks headers of now,
// whose signature matches no body.
func standardWebhooksHeaders() http.Header {
	now := time.Now().Unix()
	return http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(now, 10)},
		"Webhook-Signature": {standardWebhooksSignature(testSecret, "msg_1", now, "")}}
}

// cancelAware is a storage that refuses a call whose context is done, as
// go-redis does.
type cancelAware struct{ *storagetest.MapClient }

func (c cancelAware) Set(ctx context.Context, k string, v []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.MapClient.Set(ctx, k, v)
}

func (c cancelAware) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.MapClient.Batch(ctx, ops...)
}

// A delivery the pipelines took is remembered even when its request was
// cancelled meanwhile (the platform stopped waiting): its retry is then a
// duplicate, not emitted again.
func TestRememberedAfterThePlatformStoppedWaiting(t *testing.T) {
	r := handlerOf(t, testConfig(eventsAirConfig()))
	client := cancelAware{storagetest.NewMapClient()}
	r.storage = client
	r.gate.store, r.gate.durable = dedup.NewStorage(client, time.Hour, time.Now), true
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.gate.remember(ctx, []string{"eventsair/msg_1"}, dedup.Logs)
	seen, err := r.gate.store.Seen(context.Background(), "eventsair/msg_1")
	require.NoError(t, err)
	require.Equal(t, dedup.Logs, seen)
}
