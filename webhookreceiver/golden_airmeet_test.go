package webhookreceiver

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
