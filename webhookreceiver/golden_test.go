package webhookreceiver

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
)

// -update rewrites the expected files from what the receiver emits; they are
// then reviewed by reading them before they are committed.
var update = flag.Bool("update", false, "rewrite the golden files under ../testdata")

// goldenClock is when every golden delivery arrives.
var goldenClock = time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)

// TestGoldenEventsAir sends every delivery in testdata/eventsair/*.json,
// signed, and compares the log records with <name>.logs.yaml.
func TestGoldenEventsAir(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "eventsair", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			require.NoError(t, err)
			g := newGoldenReceiver(t, eventsAirConfig(), goldenClock)
			id := "msg_" + strings.ToLower(strings.ReplaceAll(name, ".", "_"))
			req := httptest.NewRequest(http.MethodPost, "/eventsair", strings.NewReader(string(body)))
			req.Header.Set("webhook-id", id)
			req.Header.Set("webhook-timestamp", strconv.FormatInt(goldenClock.Unix(), 10))
			req.Header.Set("webhook-signature", standardWebhooksSignature(testSecret, id, goldenClock.Unix(), string(body)))
			g.send(t, req)
			require.Len(t, g.logs.AllLogs(), 1)
			compareLogsGolden(t, strings.TrimSuffix(file, ".json")+".logs.yaml", g.logs.AllLogs()[0])
		})
	}
}

// TestEventsAirSvixHeaders: a delivery carrying only the svix-* headers
// (EventsAir delivers through Svix) is verified, gives the same record as
// with the webhook-* ones but for its delivery ID, and its resend is
// recognised by svix-id.
func TestEventsAirSvixHeaders(t *testing.T) {
	file := filepath.Join("..", "testdata", "eventsair", "Event.Registration.Created.json")
	body, err := os.ReadFile(file)
	require.NoError(t, err)
	g := newGoldenReceiver(t, eventsAirConfig(), goldenClock)
	id := "msg_event_registration_created"
	for range 2 {
		req := httptest.NewRequest(http.MethodPost, "/eventsair", strings.NewReader(string(body)))
		req.Header.Set("svix-id", id)
		req.Header.Set("svix-timestamp", strconv.FormatInt(goldenClock.Unix(), 10))
		req.Header.Set("svix-signature", standardWebhooksSignature(testSecret, id, goldenClock.Unix(), string(body)))
		g.send(t, req)
	}
	require.Len(t, g.logs.AllLogs(), 1, "the resend is a duplicate by its svix-id")
	compareLogsGolden(t, strings.TrimSuffix(file, ".json")+".logs.yaml", g.logs.AllLogs()[0])

	req := httptest.NewRequest(http.MethodPost, "/eventsair", strings.NewReader(string(body)))
	req.Header.Set("svix-id", id)
	req.Header.Set("svix-timestamp", strconv.FormatInt(goldenClock.Unix(), 10))
	req.Header.Set("svix-signature", standardWebhooksSignature(testSecret, "msg_other", goldenClock.Unix(), string(body)))
	rec := httptest.NewRecorder()
	g.r.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}

// goldenReceiver is a receiver driven through its handler, on a clock that
// starts at start and moves one second per delivery.
type goldenReceiver struct {
	r      *webhookReceiver
	logs   *consumertest.LogsSink
	traces *consumertest.TracesSink
}

func newGoldenReceiver(t *testing.T, platforms map[string]any, start time.Time) *goldenReceiver {
	t.Helper()
	r, err := newReceiver(testConfig(platforms), receivertest.NewNopSettings(metadata.Type), func() {})
	require.NoError(t, err)
	g := &goldenReceiver{r: r, logs: new(consumertest.LogsSink), traces: new(consumertest.TracesSink)}
	r.logs, r.traces = g.logs, g.traces
	clock := start
	r.now = func() time.Time {
		now := clock
		clock = clock.Add(time.Second)
		return now
	}
	return g
}

func (g *goldenReceiver) send(t *testing.T, req *http.Request) {
	t.Helper()
	rec := httptest.NewRecorder()
	g.r.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func compareLogsGolden(t *testing.T, file string, actual plog.Logs) {
	t.Helper()
	if *update {
		require.NoError(t, golden.WriteLogs(t, file, actual))
	}
	expected, err := golden.ReadLogs(file)
	require.NoError(t, err)
	require.NoError(t, plogtest.CompareLogs(expected, actual))
}

// compareTracesGolden compares all spans emitted, whatever the deliveries
// that emitted them, in one list ordered by start time and span ID.
func compareTracesGolden(t *testing.T, file string, emitted []ptrace.Traces) {
	t.Helper()
	actual := flattenSpans(emitted)
	if *update {
		require.NoError(t, golden.WriteTraces(t, file, actual))
	}
	expected, err := golden.ReadTraces(file)
	require.NoError(t, err)
	require.NoError(t, ptracetest.CompareTraces(expected, actual))
}

func flattenSpans(emitted []ptrace.Traces) ptrace.Traces {
	out := ptrace.NewTraces()
	rs := out.ResourceSpans().AppendEmpty()
	ss := rs.ScopeSpans().AppendEmpty()
	tmp := ptrace.NewSpanSlice()
	for _, td := range emitted {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			td.ResourceSpans().At(i).Resource().CopyTo(rs.Resource())
			scopes := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < scopes.Len(); j++ {
				scopes.At(j).Scope().CopyTo(ss.Scope())
				scopes.At(j).Spans().CopyTo(tmp)
				tmp.MoveAndAppendTo(ss.Spans())
			}
		}
	}
	ss.Spans().Sort(func(a, b ptrace.Span) bool {
		if a.StartTimestamp() != b.StartTimestamp() {
			return a.StartTimestamp() < b.StartTimestamp()
		}
		return a.SpanID().String() < b.SpanID().String()
	})
	return out
}
