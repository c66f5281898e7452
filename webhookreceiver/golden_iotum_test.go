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

const iotumToken = "c2b1f0e4-token-from-the-admin-ui-7d9a"

var iotumDir = filepath.Join("..", "testdata", "iotum")

func iotumConfig() map[string]any {
	return map[string]any{"iotum": map[string]any{"signing_tokens": []any{iotumToken}}}
}

func iotumRequest(t *testing.T, file string) *http.Request {
	t.Helper()
	body, err := os.ReadFile(file)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/iotum", strings.NewReader(string(body)))
	req.Header.Set("content-type", "application/json")
	req.Header.Set("x-signing-token", iotumToken)
	return req
}

func iotumFiles(t *testing.T, sub string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(iotumDir, sub, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func TestGoldenIotumEvents(t *testing.T) {
	for _, file := range iotumFiles(t, "events") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			g := newGoldenReceiver(t, iotumConfig(), goldenClock)
			g.send(t, iotumRequest(t, file))
			require.Len(t, g.logs.AllLogs(), 1)
			compareLogsGolden(t, strings.TrimSuffix(file, ".json")+".logs.yaml", g.logs.AllLogs()[0])
		})
	}
}

// A conference sent as deliveries is one trace: the root from
// conference_start to conference_end, participants, the recording and its
// processing as children, every log linked.
func TestGoldenIotumConference(t *testing.T) {
	files := iotumFiles(t, "conference")
	g := newGoldenReceiver(t, iotumConfig(), goldenClock)
	for _, file := range files {
		g.send(t, iotumRequest(t, file))
	}
	compareTracesGolden(t, filepath.Join(iotumDir, "conference.traces.yaml"), g.traces.AllTraces())

	traceID, rootID := traceids.Root("iotum/conference/1258835")
	all := flattenSpans(g.traces.AllTraces())
	spans := all.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	roots := 0
	for _, s := range spans.All() {
		require.Equal(t, traceID, s.TraceID())
		if s.SpanID() == rootID {
			roots++
			require.Equal(t, time.Date(2022, 8, 24, 20, 0, 0, 0, time.UTC), s.StartTimestamp().AsTime())
			require.Equal(t, time.Date(2022, 8, 24, 20, 56, 55, 0, time.UTC), s.EndTimestamp().AsTime())
		} else {
			require.Equal(t, rootID, s.ParentSpanID())
		}
		_, incomplete := s.Attributes().Get("webhook.lifecycle.incomplete")
		require.False(t, incomplete, s.Name())
	}
	require.Equal(t, 1, roots)
	for _, ld := range g.logs.AllLogs() {
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		require.Equal(t, traceID, lr.TraceID())
	}

	// iotum's retries emit nothing more.
	n := g.traces.SpanCount()
	for _, file := range files {
		g.send(t, iotumRequest(t, file))
	}
	require.Equal(t, n, g.traces.SpanCount())
	require.Equal(t, len(files), g.logs.LogRecordCount())
}

func TestIotumTokens(t *testing.T) {
	file := filepath.Join(iotumDir, "events", "conference_start.json")
	for name, tok := range map[string]string{
		"missing":           "",
		"wrong":             "nope",
		"one character off": iotumToken[:len(iotumToken)-1] + "b",
		"different length":  iotumToken + "0",
	} {
		g := newGoldenReceiver(t, iotumConfig(), goldenClock)
		req := iotumRequest(t, file)
		req.Header.Set("x-signing-token", tok)
		rec := httptest.NewRecorder()
		g.r.ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnauthorized, rec.Code, name)
		require.Equal(t, 0, g.logs.LogRecordCount(), name)
		require.Equal(t, 0, g.traces.SpanCount(), name)
	}
}
