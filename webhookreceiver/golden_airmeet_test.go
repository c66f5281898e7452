package webhookreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

const airmeetToken = "3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11"

var airmeetDir = filepath.Join("..", "testdata", "airmeet")

func airmeetConfig() map[string]any {
	return map[string]any{"airmeet": map[string]any{"tokens": []any{airmeetToken}}}
}

func airmeetRequest(trigger, token, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/airmeet/"+trigger+"?token="+token, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// TestGoldenAirmeetTriggers sends every trigger's delivery to
// /airmeet/<trigger>?token=... and compares what comes out with
// <trigger>.logs.yaml: batches make one record per person.
func TestGoldenAirmeetTriggers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(airmeetDir, "trigger.*.json"))
	require.NoError(t, err)
	require.Len(t, files, 23)
	for _, file := range files {
		trigger := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(trigger, func(t *testing.T) {
			body, err := os.ReadFile(file)
			require.NoError(t, err)
			g := newGoldenReceiver(t, airmeetConfig(), goldenClock)
			g.send(t, airmeetRequest(trigger, airmeetToken, string(body)))
			require.Len(t, g.logs.AllLogs(), 1)
			compareLogsGolden(t, strings.TrimSuffix(file, ".json")+".logs.yaml", g.logs.AllLogs()[0])
		})
	}
}

func TestAirmeetTokenAndPath(t *testing.T) {
	g := newGoldenReceiver(t, airmeetConfig(), goldenClock)
	for name, c := range map[string]struct {
		path   string
		status int
	}{
		"wrong token":   {"/airmeet/trigger.airmeet.created?token=" + strings.Repeat("0", 32), http.StatusUnauthorized},
		"missing token": {"/airmeet/trigger.airmeet.created", http.StatusUnauthorized},
		"no trigger":    {"/airmeet?token=" + airmeetToken, http.StatusBadRequest},
		"other path":    {"/airmeetx/trigger.airmeet.created?token=" + airmeetToken, http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		g.r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(`{"airmeetId":"a"}`)))
		require.Equal(t, c.status, rec.Code, name)
	}
	require.Equal(t, 0, g.logs.LogRecordCount())
}

// An Airmeet event: started and finished make its span, the finished
// payload's sessions are children, and a replay viewing (start, then 90 %)
// is one more.
func TestGoldenAirmeetEvent(t *testing.T) {
	read := func(trigger string) string {
		b, err := os.ReadFile(filepath.Join(airmeetDir, trigger+".json"))
		require.NoError(t, err)
		return string(b)
	}
	g := newGoldenReceiver(t, airmeetConfig(), time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	replay := read("trigger.attendee.ondemand_session_attendance")
	for _, d := range []struct{ trigger, body string }{
		{"trigger.airmeet.started", read("trigger.airmeet.started")},
		{"trigger.attendee.ondemand_session_attendance", replay},
		{"trigger.attendee.ondemand_session_attendance", strings.Replace(strings.Replace(replay, `"percentage": 0`, `"percentage": 90`, 1), "1741000000000", "1741003600000", 1)},
		{"trigger.airmeet.finished", read("trigger.airmeet.finished")},
	} {
		g.send(t, airmeetRequest(d.trigger, airmeetToken, d.body))
	}
	compareTracesGolden(t, filepath.Join(airmeetDir, "event.traces.yaml"), g.traces.AllTraces())

	traceID, rootID := traceids.Root("airmeet/airmeet/5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80")
	all := flattenSpans(g.traces.AllTraces())
	spans := all.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	require.Equal(t, 3, spans.Len(), "the event, its session, the replay")
	for _, s := range spans.All() {
		require.Equal(t, traceID, s.TraceID())
		if s.SpanID() == rootID {
			require.Equal(t, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), s.StartTimestamp().AsTime())
			require.Equal(t, time.Date(2025, 3, 1, 17, 0, 0, 0, time.UTC), s.EndTimestamp().AsTime())
		}
	}
	for _, ld := range g.logs.AllLogs() {
		for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
			require.Equal(t, traceID, lr.TraceID())
		}
	}
}

// statusHost records the component status the receiver reports.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *statusHost) recoverable() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []error
	for _, ev := range h.events {
		if ev.Status() == componentstatus.StatusRecoverableError {
			out = append(out, ev.Err())
		}
	}
	return out
}

// Registration failing never stops deliveries: the failure is reported as
// the component's status, and deliveries are accepted all along.
func TestAirmeetRegistrationFailureDoesNotStopDeliveries(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusBadGateway)
	}))
	defer api.Close()
	cfg := testConfig(map[string]any{"airmeet": map[string]any{
		"tokens": []any{airmeetToken},
		"register": map[string]any{
			"api_url": api.URL + "/prod", "access_key": "ak", "secret_key": "sk",
			"public_url": "https://hooks.example.com/airmeet", "triggers": []any{"trigger.airmeet.created"},
		},
	}})
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	host := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, rcv.Start(context.Background(), host))
	defer func() { require.NoError(t, rcv.Shutdown(context.Background())) }()

	require.Eventually(t, func() bool { return len(host.recoverable()) > 0 }, 10*time.Second, 10*time.Millisecond)
	require.ErrorContains(t, host.recoverable()[0], "502")

	url := "http://" + rcv.(*webhookReceiver).listenAddr.String() + "/airmeet/trigger.airmeet.created?token=" + airmeetToken
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"airmeet_id":"a1"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 1, sink.LogRecordCount())
}

func TestAirmeetAtTheRootPath(t *testing.T) {
	g := newGoldenReceiver(t, map[string]any{"airmeet": map[string]any{"path": "/", "tokens": []any{airmeetToken}}}, goldenClock)
	g.send(t, httptest.NewRequest(http.MethodPost, "/trigger.airmeet.created?token="+airmeetToken, strings.NewReader(`{"airmeet_id":"a2"}`)))
	require.Equal(t, 1, g.logs.LogRecordCount())
}
