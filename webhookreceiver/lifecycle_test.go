package webhookreceiver

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadatatest"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// demo is a test-only platform with lifecycles, so that the receiver's
// traces path is tested before the real platforms bring theirs.
type demoConfig struct {
	provider.Common `mapstructure:",squash"`
}

func (c *demoConfig) Validate() error { return c.ValidatePath() }

type demo struct{}

func (demo) Verify(d *provider.Delivery) error {
	if d.Header.Get("X-Demo") != "ok" {
		return errors.New("missing X-Demo")
	}
	return nil
}

func (demo) Decode(d *provider.Delivery) ([]provider.Event, error) {
	var raw struct {
		ID    string     `json:"id"`
		Key   string     `json:"key"`
		Start *time.Time `json:"start"`
		End   *time.Time `json:"end"`
	}
	if err := json.Unmarshal(d.Body, &raw); err != nil {
		return nil, err
	}
	tr := &provider.Transition{Key: raw.Key, Name: "demo.thing"}
	if raw.Start != nil {
		tr.Start = *raw.Start
	}
	if raw.End != nil {
		tr.End = *raw.End
	}
	return []provider.Event{{Type: "thing", DeliveryKey: raw.ID, Attributes: pcommon.NewMap(), Body: pcommon.NewValueStr(string(d.Body)), Trace: raw.Key, Transitions: []provider.Transition{*tr}}}, nil
}

func withDemoPlatform(t *testing.T) { withTestPlatform(t, "demo", demo{}) }

// withTestPlatform adds, for the test, a platform at /key served by p.
func withTestPlatform(t *testing.T, key string, p provider.Provider) {
	saved := factories
	factories = append(append([]provider.Factory{}, factories...), provider.Factory{
		Key:       key,
		NewConfig: func() provider.Config { return &demoConfig{Common: provider.Common{Path: "/" + key}} },
		New:       func(provider.Config, provider.Settings) (provider.Provider, error) { return p, nil },
	})
	t.Cleanup(func() { factories = saved })
}

func demoRequest(t *testing.T, url, body string) *http.Request {
	req := newRequest(t, http.MethodPost, url+"/demo", body)
	req.Header.Set("X-Demo", "ok")
	return req
}

func TestLifecycleBecomesASpanLinkedToItsLogs(t *testing.T) {
	withDemoPlatform(t)
	r := startReceiver(t, testConfig(map[string]any{"demo": nil}), nil, nil)

	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, `{"id":"1","key":"demo/thing/a","start":"2025-01-01T10:00:00Z"}`)).status)
	require.Equal(t, 0, r.traces.SpanCount(), "nothing closed yet")
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, `{"id":"2","key":"demo/thing/a","end":"2025-01-01T11:00:00Z"}`)).status)
	require.Equal(t, 1, r.traces.SpanCount())

	span := r.traces.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	traceID, spanID := traceids.Root("demo/thing/a")
	require.Equal(t, traceID, span.TraceID())
	require.Equal(t, spanID, span.SpanID())
	require.Equal(t, time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC), span.StartTimestamp().AsTime())
	require.Equal(t, time.Date(2025, 1, 1, 11, 0, 0, 0, time.UTC), span.EndTimestamp().AsTime())

	require.Equal(t, 2, r.logs.LogRecordCount())
	for _, ld := range r.logs.AllLogs() {
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		require.Equal(t, traceID, lr.TraceID())
		require.Equal(t, spanID, lr.SpanID())
	}
}

// When the logs pipeline accepts and the traces pipeline refuses, the
// platform's retry feeds the traces pipeline only: nothing is emitted twice
// and nothing is lost.
func TestOneSignalRefusedRetryFeedsOnlyIt(t *testing.T) {
	withDemoPlatform(t)
	tracesGate := &gate{}
	r := startReceiver(t, testConfig(map[string]any{"demo": nil}), nil, tracesGate)
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, `{"id":"1","key":"demo/thing/b","start":"2025-01-01T10:00:00Z"}`)).status)

	tracesGate.set(errors.New("queue is full"))
	end := `{"id":"2","key":"demo/thing/b","end":"2025-01-01T11:00:00Z"}`
	resp := do(t, demoRequest(t, r.url, end))
	require.Equal(t, http.StatusServiceUnavailable, resp.status)
	require.Equal(t, 2, r.logs.LogRecordCount(), "the logs pipeline took it")
	require.Equal(t, 0, r.traces.SpanCount())

	tracesGate.set(nil)
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, end)).status)
	require.Equal(t, 2, r.logs.LogRecordCount(), "no second log record")
	require.Equal(t, 1, r.traces.SpanCount(), "the span closes on the retry, complete")
	span := r.traces.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	_, incomplete := span.Attributes().Get("webhook.lifecycle.incomplete")
	require.False(t, incomplete)
	require.Equal(t, time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC), span.StartTimestamp().AsTime())

	resp = do(t, demoRequest(t, r.url, end))
	require.Contains(t, resp.body, "duplicate")
	require.Equal(t, 1, r.traces.SpanCount())
}

func TestOpenLifecyclesAreCounted(t *testing.T) {
	withDemoPlatform(t)
	r := startReceiver(t, testConfig(map[string]any{"demo": nil}), nil, nil)
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, `{"id":"1","key":"demo/thing/c","start":"2025-01-01T10:00:00Z"}`)).status)
	metadatatest.AssertEqualReceiverWebhookOpenLifecycles(t, r.tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, `{"id":"2","key":"demo/thing/c","end":"2025-01-01T10:30:00Z"}`)).status)
	metadatatest.AssertEqualReceiverWebhookOpenLifecycles(t, r.tel, []metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
}

func TestLifecycleOpenPastTimeoutIsEmittedIncomplete(t *testing.T) {
	withDemoPlatform(t)
	cfg := testConfig(map[string]any{"demo": nil})
	cfg.Lifecycle.Timeout = 50 * time.Millisecond // checked every 5ms
	r := startReceiver(t, cfg, nil, nil)
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, r.url, `{"id":"1","key":"demo/thing/d","start":"2025-01-01T10:00:00Z"}`)).status)
	require.Eventually(t, func() bool { return r.traces.SpanCount() == 1 }, 5*time.Second, 5*time.Millisecond)
	span := r.traces.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	require.Equal(t, map[string]any{"webhook.lifecycle.incomplete": "true"}, span.Attributes().AsRaw())
	require.Equal(t, time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC), span.StartTimestamp().AsTime())
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, 1, r.traces.SpanCount(), "emitted once")
}
