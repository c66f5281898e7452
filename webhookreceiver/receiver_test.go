package webhookreceiver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadatatest"
)

// testReceiver is a receiver started on a loopback port.
type testReceiver struct {
	url    string
	logs   *consumertest.LogsSink
	traces *consumertest.TracesSink
	tel    *componenttest.Telemetry
}

// gate is a consumer whose answer a test sets: nil accepts into the sink.
type gate struct {
	mu  sync.Mutex
	err error
}

func (g *gate) set(err error) { g.mu.Lock(); g.err = err; g.mu.Unlock() }
func (g *gate) get() error    { g.mu.Lock(); defer g.mu.Unlock(); return g.err }

func startReceiver(t *testing.T, cfg *Config, logsGate, tracesGate *gate) *testReceiver {
	t.Helper()
	return startReceiverOn(t, cfg, componenttest.NewNopHost(), logsGate, tracesGate)
}

// startReceiverOn starts the receiver on host, which offers it extensions.
func startReceiverOn(t *testing.T, cfg *Config, host component.Host, logsGate, tracesGate *gate) *testReceiver {
	t.Helper()
	return startReceiverOnClock(t, cfg, host, logsGate, tracesGate, nil)
}

// startReceiverOnClock is startReceiverOn with the receiver's clock set to
// now, unless nil.
func startReceiverOnClock(t *testing.T, cfg *Config, host component.Host, logsGate, tracesGate *gate, now func() time.Time) *testReceiver {
	t.Helper()
	tr := &testReceiver{logs: new(consumertest.LogsSink), traces: new(consumertest.TracesSink), tel: componenttest.NewTelemetry()}
	t.Cleanup(func() { require.NoError(t, tr.tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tr.tel)
	logs, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		if logsGate != nil {
			if err := logsGate.get(); err != nil {
				return err
			}
		}
		return tr.logs.ConsumeLogs(ctx, ld)
	})
	require.NoError(t, err)
	traces, err := consumer.NewTraces(func(ctx context.Context, td ptrace.Traces) error {
		if tracesGate != nil {
			if err := tracesGate.get(); err != nil {
				return err
			}
		}
		return tr.traces.ConsumeTraces(ctx, td)
	})
	require.NoError(t, err)

	f := NewFactory()
	lr, err := f.CreateLogs(context.Background(), set, cfg, logs)
	require.NoError(t, err)
	trr, err := f.CreateTraces(context.Background(), set, cfg, traces)
	require.NoError(t, err)
	require.Same(t, lr, trr, "one receiver, and one server, for both signals of a component")
	if now != nil {
		lr.(*webhookReceiver).now = now // before Start: its goroutines see it
	}
	require.NoError(t, lr.Start(context.Background(), host))
	require.NoError(t, trr.Start(context.Background(), host))
	t.Cleanup(func() {
		require.NoError(t, lr.Shutdown(context.Background()))
		require.NoError(t, trr.Shutdown(context.Background()))
	})
	tr.url = "http://" + lr.(*webhookReceiver).listenAddr.String()
	return tr
}

// testConfig is the default configuration on a spare port, but for
// lifecycle.grace: 0 emits a closed lifecycle's spans with the delivery that
// closed it, so that a test sees them at once (grace_test.go tests the grace).
func testConfig(platforms map[string]any) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.HealthPath = "/health"
	cfg.Lifecycle.Grace = 0
	cfg.Platforms = platforms
	return cfg
}

func eventsAirConfig() map[string]any {
	return map[string]any{"eventsair": map[string]any{"secrets": []any{testSecret}}}
}

// signedEventsAir builds an EventsAir delivery signed as the Standard
// Webhooks specification says, with the code under test nowhere involved.
func signedEventsAir(t *testing.T, url, id, body string) *http.Request {
	t.Helper()
	return signedEventsAirAt(t, url, id, body, time.Now(), testSecret)
}

func signedEventsAirAt(t *testing.T, url, id, body string, at time.Time, secret string) *http.Request {
	t.Helper()
	ts := at.Unix()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", standardWebhooksSignature(secret, id, ts, body))
	return req
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	return req
}

const registration = `{"type":"Event.Registration.Created","data":{"eventId":"e1","registrationId":"r1","timestamp":"2025-03-04T05:06:07Z","correlationId":"c1"}}`

func TestHTTPContract(t *testing.T) {
	cfg := testConfig(eventsAirConfig())
	cfg.MaxRequestBodySize = 1024
	r := startReceiver(t, cfg, nil, nil)
	ea := r.url + "/eventsair"

	badSig := signedEventsAir(t, ea, "msg_bad", registration)
	badSig.Header.Set("webhook-signature", "v1,"+strings.Repeat("A", 43)+"=")
	chunked := signedEventsAir(t, ea, "msg_chunked", `{"type":"x","pad":"`+strings.Repeat("a", 2000)+`"}`)
	chunked.ContentLength = -1 // sent chunked, with no Content-Length to reject early
	chunked.Body = io.NopCloser(strings.NewReader(`{"type":"x","pad":"` + strings.Repeat("a", 2000) + `"}`))

	tests := []struct {
		name   string
		req    *http.Request
		status int
		header map[string]string
		body   string
	}{
		{"unknown path", newRequest(t, http.MethodPost, r.url+"/nope", registration), http.StatusNotFound, nil, "no platform"},
		{"below a platform without subpaths", newRequest(t, http.MethodPost, ea+"/x", registration), http.StatusNotFound, nil, ""},
		{"GET a platform", newRequest(t, http.MethodGet, ea, ""), http.StatusMethodNotAllowed, map[string]string{"Allow": "POST"}, ""},
		{"PUT a platform", newRequest(t, http.MethodPut, ea, registration), http.StatusMethodNotAllowed, map[string]string{"Allow": "POST"}, ""},
		{"too large, with Content-Length", signedEventsAir(t, ea, "msg_big", `{"type":"x","pad":"`+strings.Repeat("a", 2000)+`"}`), http.StatusRequestEntityTooLarge, nil, "max_request_body_size"},
		{"too large, chunked", chunked, http.StatusRequestEntityTooLarge, nil, ""},
		{"unsigned", newRequest(t, http.MethodPost, ea, registration), http.StatusUnauthorized, nil, "eventsair: missing Webhook-Id"},
		{"bad signature", badSig, http.StatusUnauthorized, nil, "does not match"},
		{"stale", signedEventsAirAt(t, ea, "msg_stale", registration, time.Now().Add(-6*time.Minute), testSecret), http.StatusUnauthorized, nil, "tolerance"},
		{"future", signedEventsAirAt(t, ea, "msg_future", registration, time.Now().Add(6*time.Minute), testSecret), http.StatusUnauthorized, nil, "tolerance"},
		{"wrong secret", signedEventsAirAt(t, ea, "msg_other", registration, time.Now(), "whsec_"+base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))), http.StatusUnauthorized, nil, "does not match"},
		{"signed, not JSON", signedEventsAir(t, ea, "msg_garbage", "registration!"), http.StatusBadRequest, nil, "eventsair: "},
		{"signed, wrong shape", signedEventsAir(t, ea, "msg_shape", `{"data":{}}`), http.StatusBadRequest, nil, `"type"`},
		{"health", newRequest(t, http.MethodGet, r.url+"/health", ""), http.StatusOK, nil, "OK"},
		{"health POST", newRequest(t, http.MethodPost, r.url+"/health", ""), http.StatusMethodNotAllowed, map[string]string{"Allow": "GET, HEAD"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, tt.req)
			require.Equal(t, tt.status, resp.status, resp.body)
			for k, v := range tt.header {
				require.Equal(t, v, resp.header.Get(k))
			}
			require.Contains(t, resp.body, tt.body)
			require.NotContains(t, resp.body, testSecret[len("whsec_"):])
		})
	}
	require.Equal(t, 0, r.logs.LogRecordCount(), "nothing rejected is emitted")

	// Accepted, then the platform's retry of it.
	// The ordinary success is an empty 200; a repeat says what it was.
	resp := do(t, signedEventsAir(t, ea, "msg_ok", registration))
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	require.Empty(t, resp.body)
	require.Equal(t, "0", resp.header.Get("Content-Length"))
	require.Equal(t, 1, r.logs.LogRecordCount())
	resp = do(t, signedEventsAir(t, ea, "msg_ok", registration))
	require.Equal(t, http.StatusOK, resp.status)
	require.Equal(t, "duplicate of an accepted delivery\n", resp.body)
	require.Equal(t, 1, r.logs.LogRecordCount(), "a repeat emits nothing")

	require.Equal(t, map[string]int64{
		"too_large":    2,
		"unauthorized": 5,
		"bad_request":  2,
		"accepted":     1,
		"duplicate":    1,
	}, deliveriesByOutcome(t, r.tel, "eventsair"))
}

// deliveriesByOutcome reads receiver_webhook_deliveries for one provider.
func deliveriesByOutcome(t *testing.T, tel *componenttest.Telemetry, provider string) map[string]int64 {
	t.Helper()
	m, err := tel.GetMetric("otelcol_receiver_webhook_deliveries")
	require.NoError(t, err)
	out := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if p, _ := dp.Attributes.Value("provider"); p.AsString() == provider {
			o, _ := dp.Attributes.Value("outcome")
			out[o.AsString()] += dp.Value
		}
	}
	return out
}

func TestRetryableConsumerErrorThenRetry(t *testing.T) {
	logsGate := &gate{}
	r := startReceiver(t, testConfig(eventsAirConfig()), logsGate, nil)
	ea := r.url + "/eventsair"

	logsGate.set(errors.New("memory_limiter: data refused due to high memory usage"))
	resp := do(t, signedEventsAir(t, ea, "msg_1", registration))
	require.Equal(t, http.StatusServiceUnavailable, resp.status)
	require.Equal(t, retryAfter, resp.header.Get("Retry-After"))
	require.Equal(t, 0, r.logs.LogRecordCount())

	logsGate.set(nil)
	resp = do(t, signedEventsAir(t, ea, "msg_1", registration))
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	resp = do(t, signedEventsAir(t, ea, "msg_1", registration))
	require.Equal(t, http.StatusOK, resp.status)
	require.Equal(t, 1, r.logs.LogRecordCount(), "the retry is emitted exactly once")
}

func TestPermanentConsumerError(t *testing.T) {
	logsGate := &gate{}
	r := startReceiver(t, testConfig(eventsAirConfig()), logsGate, nil)
	logsGate.set(consumererror.NewPermanent(errors.New("exporter rejected the data")))
	resp := do(t, signedEventsAir(t, r.url+"/eventsair", "msg_1", registration))
	require.Equal(t, http.StatusInternalServerError, resp.status)
	require.Empty(t, resp.header.Get("Retry-After"))
	require.Equal(t, 0, r.logs.LogRecordCount())
}

func TestLogRecordOfADelivery(t *testing.T) {
	r := startReceiver(t, testConfig(eventsAirConfig()), nil, nil)
	before := time.Now()
	resp := do(t, signedEventsAir(t, r.url+"/eventsair", "msg_42", registration))
	require.Equal(t, http.StatusOK, resp.status, resp.body)

	ld := r.logs.AllLogs()[0]
	rl := ld.ResourceLogs().At(0)
	require.Equal(t, map[string]any{"service.name": "eventsair", "webhook.provider": "eventsair"}, rl.Resource().Attributes().AsRaw())
	require.Equal(t, metadata.ScopeName, rl.ScopeLogs().At(0).Scope().Name())
	lr := rl.ScopeLogs().At(0).LogRecords().At(0)
	require.Equal(t, "eventsair.Event.Registration.Created", lr.EventName())
	require.Equal(t, time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), lr.Timestamp().AsTime())
	require.False(t, lr.ObservedTimestamp().AsTime().Before(before.Truncate(time.Second)))
	require.Equal(t, plog.SeverityNumberInfo, lr.SeverityNumber())
	require.Equal(t, "INFO", lr.SeverityText())
	require.Equal(t, map[string]any{
		"eventsair.event.id":        "e1",
		"eventsair.registration.id": "r1",
		"eventsair.correlation.id":  "c1",
		"webhook.event_type":        "Event.Registration.Created",
		"webhook.delivery_id":       "msg_42",
	}, lr.Attributes().AsRaw())
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(registration), &want))
	require.Equal(t, want, lr.Body().Map().AsRaw(), "the whole delivery, nothing dropped")
	require.True(t, lr.TraceID().IsEmpty(), "EventsAir has no lifecycles")
}

func TestOnlyLogsPipeline(t *testing.T) {
	cfg := testConfig(eventsAirConfig())
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, rcv.Shutdown(context.Background())) }()
	url := "http://" + rcv.(*webhookReceiver).listenAddr.String() + "/eventsair"
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "m", registration)).status)
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "m", registration)).status)
	require.Equal(t, 1, sink.LogRecordCount())
}

func TestStartFailsOnBusyPort(t *testing.T) {
	r := startReceiver(t, testConfig(eventsAirConfig()), nil, nil)
	cfg := testConfig(eventsAirConfig())
	cfg.NetAddr.Endpoint = strings.TrimPrefix(r.url, "http://")
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.ErrorContains(t, rcv.Start(context.Background(), componenttest.NewNopHost()), "listen on")
	require.NoError(t, rcv.Shutdown(context.Background()))
}
