package webhookreceiver

import (
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
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
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

// A request the budget cannot take now is answered 503 with Retry-After,
// unread, and counted as over_budget; what requests hold is visible.
func TestBodyBudget(t *testing.T) {
	cfg := testConfig(attendeeConfig())
	cfg.MaxRequestBodySize = 1 << 20 // Attendee's own limit
	cfg.MaxBodyBytesInFlight = 1 << 20
	require.NoError(t, cfg.Validate())
	r := startReceiver(t, cfg, nil, nil)

	// A forged upload of almost the whole budget, sent slowly, holds it.
	const held = 1<<20 - 100
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /attendee HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: %s\r\nContent-Length: %d\r\n\r\n{", forgedSignature, held)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		m, err := r.tel.GetMetric("otelcol_receiver_webhook_body_bytes_in_flight")
		return err == nil && m.Data.(metricdata.Sum[int64]).DataPoints[0].Value == held
	}, 5*time.Second, 5*time.Millisecond, "the upload's length is held")

	d := loadAttendee(t, "triggers")[0]
	resp := do(t, d.post(t, r.url+"/attendee"))
	require.Equal(t, http.StatusServiceUnavailable, resp.status)
	require.Equal(t, retryAfter, resp.header.Get("Retry-After"))
	require.Contains(t, resp.body, "in flight")
	require.Equal(t, map[string]int64{"over_budget": 1}, deliveriesByOutcome(t, r.tel, "attendee"))

	// Once the upload is over, the budget is whole again and the retry
	// is accepted.
	conn.Close()
	require.Eventually(t, func() bool { return do(t, d.post(t, r.url+"/attendee")).status == http.StatusOK }, 5*time.Second, 10*time.Millisecond)
	metadatatest.AssertEqualReceiverWebhookBodyBytesInFlight(t, r.tel, []metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
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
	r.dedup = dedup.NewStorage(client, time.Hour, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.remember(ctx, []string{"eventsair/msg_1"}, dedup.Logs)
	seen, err := r.dedup.Seen(context.Background(), "eventsair/msg_1")
	require.NoError(t, err)
	require.Equal(t, dedup.Logs, seen)
}
