package webhookreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
)

// startWith starts a receiver with its logs going to an observer at debug
// level and the given logs consumer, and returns its base URL.
func startWith(t *testing.T, cfg *Config, next consumer.Logs) (string, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return "http://" + rcv.(*webhookReceiver).listenAddr.String(), logs
}

func allPlatforms() map[string]any {
	m := eventsAirConfig()
	for k, v := range attendeeConfig() {
		m[k] = v
	}
	for k, v := range iotumConfig() {
		m[k] = v
	}
	for k, v := range airmeetConfig() {
		m[k] = v
	}
	m["standardwebhooks"] = standardWebhooksSenders["meetbot"]
	for k, v := range zoomConfig() {
		m[k] = v
	}
	return m
}

// Rejected deliveries are answered with their reason, and the logs, at debug
// level, hold neither a secret nor the rejected body.
func TestLogsHoldNoSecretNorRejectedBody(t *testing.T) {
	base, logs := startWith(t, testConfig(allPlatforms()), consumertest.NewNop())
	secretBody := `{"type":"Event.Created","data":{"eventId":"SECRET-BODY-MARKER"}}`
	requests := []*http.Request{
		newRequest(t, http.MethodPost, base+"/eventsair", secretBody),
		signedEventsAirAt(t, base+"/eventsair", "m1", secretBody, time.Now().Add(-time.Hour), testSecret),
		signedEventsAir(t, base+"/eventsair", "m2", `SECRET-BODY-MARKER not json`),
		newRequest(t, http.MethodPost, base+"/attendee", secretBody),
		newRequest(t, http.MethodPost, base+"/iotum", secretBody),
		newRequest(t, http.MethodPost, base+"/airmeet/trigger.airmeet.created?token=wrong-token-0000000000", secretBody),
		newRequest(t, http.MethodGet, base+"/eventsair", ""),
		newRequest(t, http.MethodPost, base+"/nowhere", secretBody),
	}
	requests[3].Header.Set("X-Webhook-Signature", "AAAA")
	requests[4].Header.Set("x-signing-token", iotumToken+"x")
	for _, req := range requests {
		resp := do(t, req)
		require.NotEqual(t, http.StatusOK, resp.status)
	}
	require.NotZero(t, logs.Len(), "rejections are logged, at debug level")
	for _, entry := range logs.All() {
		text := entry.Message + fmt.Sprint(entry.ContextMap())
		for _, secret := range []string{testSecret, testSecret[len("whsec_"):], attendeeSecret, iotumToken, airmeetToken, "SECRET-BODY-MARKER"} {
			require.NotContains(t, text, secret)
		}
	}
}

// Hostile input: each gets a clear status, and the receiver goes on.
func TestHostileInput(t *testing.T) {
	cfg := testConfig(allPlatforms())
	cfg.MaxRequestBodySize = 64 << 10
	cfg.CompressionAlgorithms = []string{"gzip"} // off by default: the bomb would be 415, unread
	base, _ := startWith(t, cfg, consumertest.NewNop())
	ea := base + "/eventsair"

	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 10<<20)) // 10 MiB of zeros, 10 KiB compressed
	require.NoError(t, zw.Close())
	gz := signedEventsAir(t, ea, "gzip", bomb.String())
	gz.Header.Set("Content-Encoding", "gzip")

	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	longNumber := `{"type":"Event.Created","data":{"eventId":"e","n":` + strings.Repeat("7", 10000) + `}}`
	dupTokens := newRequest(t, http.MethodPost, base+"/iotum", `{"event":"conference_start"}`)
	dupTokens.Header.Add("x-signing-token", "wrong")
	dupTokens.Header.Add("x-signing-token", iotumToken)

	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"gzip bomb", gz, http.StatusRequestEntityTooLarge},
		{"JSON nested 10,000 deep", signedEventsAir(t, ea, "deep", `{"type":"x","data":{"a":`+deep+`}}`), http.StatusBadRequest},
		{"number of 10,000 digits, kept as text", signedEventsAir(t, ea, "long", longNumber), http.StatusOK},
		{"invalid UTF-8, replaced", signedEventsAir(t, ea, "utf8", "{\"type\":\"Event.Created\",\"data\":{\"eventId\":\"\xff\xfe\"}}"), http.StatusOK},
		{"duplicate keys, last wins", signedEventsAir(t, ea, "dup", `{"type":"a","type":"Event.Created","data":{}}`), http.StatusOK},
		{"valid JSON of the wrong shape", signedEventsAir(t, ea, "shape", `{"kind":"Event.Created"}`), http.StatusBadRequest},
		{"repeated token header: the first counts", dupTokens, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, tt.req)
			require.Equal(t, tt.status, resp.status, resp.body)
		})
	}
}

// A client that sends its request one byte per second is cut off by
// read_header_timeout instead of holding a connection for ever.
func TestSlowClientIsCutOff(t *testing.T) {
	cfg := testConfig(eventsAirConfig())
	cfg.ReadHeaderTimeout = 300 * time.Millisecond
	base, _ := startWith(t, cfg, consumertest.NewNop())
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	start := time.Now()
	closed := false
	for _, b := range []byte("POST /eventsair HTTP/1.1\r\nHost: x\r\n") {
		if _, err := conn.Write([]byte{b}); err != nil {
			closed = true
			break
		}
		time.Sleep(100 * time.Millisecond)
		if time.Since(start) > 2*time.Second {
			break
		}
	}
	if !closed {
		// The server has closed its side, after a 408 or without a word:
		// reading ends at once, not at our own deadline.
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
		_, err = io.ReadAll(conn)
		require.NoError(t, err, "the server kept the connection open")
	}
	require.Less(t, time.Since(start), 5*time.Second)
}

// A thousand clients at once: every delivery is answered 200 and emitted.
func TestThousandConcurrentConnections(t *testing.T) {
	sink := new(consumertest.LogsSink)
	base, _ := startWith(t, testConfig(eventsAirConfig()), sink)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1000, MaxIdleConnsPerHost: 1000}, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	statuses := make(chan int, 1000)
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Do(signedEventsAir(t, base+"/eventsair", fmt.Sprint("c", i), registration))
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		require.Equal(t, http.StatusOK, s)
	}
	require.Equal(t, 1000, sink.LogRecordCount())
}

// The consume contract, as the collector's receivertest states it, with a
// generator that behaves like a platform: it retries a 5xx other than 500
// with backoff. Every delivery refused with a retryable error is emitted
// exactly once in the end; one refused permanently is answered 500 and
// never emitted.
func TestBackpressureContract(t *testing.T) {
	for _, mode := range []string{"always succeed", "random retryable errors", "random permanent errors", "mixed"} {
		t.Run(mode, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(mode))))
			var mu sync.Mutex
			emitted := map[string]int{}
			next := decidingLogs(func(ld plog.Logs) error {
				mu.Lock()
				defer mu.Unlock()
				r := rng.Float64()
				switch {
				case (mode == "random retryable errors" || mode == "mixed") && r < 0.3:
					return errors.New("queue is full")
				case (mode == "random permanent errors" || mode == "mixed") && r > 0.85:
					return consumererror.NewPermanent(errors.New("cannot export this"))
				}
				for _, rl := range ld.ResourceLogs().All() {
					for _, sl := range rl.ScopeLogs().All() {
						for _, lr := range sl.LogRecords().All() {
							id, _ := lr.Attributes().Get("webhook.delivery_id")
							emitted[id.Str()]++
						}
					}
				}
				return nil
			})
			base, _ := startWith(t, testConfig(eventsAirConfig()), next)
			final := map[string]int{}
			var fmu sync.Mutex
			var wg sync.WaitGroup
			for i := range 200 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprint("bp-", i)
					status := 0
					for attempt := range 50 {
						status = do(t, signedEventsAir(t, base+"/eventsair", id, registration)).status
						if status != http.StatusServiceUnavailable {
							break
						}
						time.Sleep(time.Duration(attempt+1) * time.Millisecond)
					}
					fmu.Lock()
					final[id] = status
					fmu.Unlock()
				}()
			}
			wg.Wait()
			for id, status := range final {
				switch status {
				case http.StatusOK:
					require.Equal(t, 1, emitted[id], id)
				case http.StatusInternalServerError:
					require.Zero(t, emitted[id], id)
				default:
					t.Fatalf("%s ended with %d", id, status)
				}
			}
			if mode == "always succeed" {
				require.Len(t, emitted, 200)
			}
		})
	}
}

// decidingLogs is a logs consumer that answers what its function says.
type decidingLogs func(plog.Logs) error

func (decidingLogs) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (d decidingLogs) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	return d(ld)
}

// A platform that timed out retries while its first copy is still being
// handled: the copy is refused for now, and the delivery is emitted once.
func TestCopyOfADeliveryInFlight(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	var mu sync.Mutex
	emitted := 0
	blocking := decidingLogs(func(ld plog.Logs) error {
		entered <- struct{}{}
		<-release
		mu.Lock()
		emitted += ld.LogRecordCount()
		mu.Unlock()
		return nil
	})
	base, _ := startWith(t, testConfig(eventsAirConfig()), blocking)
	t.Cleanup(unblock) // runs before the receiver's shutdown, registered earlier
	first := make(chan int, 1)
	go func() { first <- do(t, signedEventsAir(t, base+"/eventsair", "slow", registration)).status }()
	select {
	case <-entered: // the first copy is in the pipeline
	case <-time.After(10 * time.Second):
		t.Fatal("the first copy never reached the pipeline")
	}
	resp := do(t, signedEventsAir(t, base+"/eventsair", "slow", registration))
	require.Equal(t, http.StatusServiceUnavailable, resp.status)
	require.Contains(t, resp.body, "being handled")
	unblock()
	require.Equal(t, http.StatusOK, <-first)
	resp = do(t, signedEventsAir(t, base+"/eventsair", "slow", registration))
	require.Contains(t, resp.body, "duplicate")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, emitted)
}

func TestConsumeAnswer(t *testing.T) {
	permanent := consumererror.NewPermanent(errors.New("bad data"))
	retryable := errors.New("queue is full")
	require.Equal(t, http.StatusOK, consumeAnswer(nil, nil).status)
	require.Equal(t, http.StatusInternalServerError, consumeAnswer(permanent, nil).status)
	require.Equal(t, http.StatusServiceUnavailable, consumeAnswer(nil, retryable).status)
	require.Equal(t, http.StatusServiceUnavailable, consumeAnswer(permanent, retryable).status,
		"a retry may still save what the retryable pipeline refused")
}
