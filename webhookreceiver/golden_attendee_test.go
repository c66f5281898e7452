package webhookreceiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// attendeeSecret is the secret of the Attendee test vectors, with which
// testdata/attendee/generate.py signed every delivery.
const attendeeSecret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

var attendeeDir = filepath.Join("..", "testdata", "attendee")

func attendeeConfig() map[string]any {
	return map[string]any{"attendee": map[string]any{"secrets": []any{attendeeSecret}}}
}

// attendeeDelivery is one file of testdata/attendee with the signature that
// Python's sign_payload gave it.
type attendeeDelivery struct {
	name string
	body []byte
	sig  string
}

func loadAttendee(t *testing.T, sub string) []attendeeDelivery {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(attendeeDir, "signatures.json"))
	require.NoError(t, err)
	var sigs map[string]string
	require.NoError(t, json.Unmarshal(raw, &sigs))
	var out []attendeeDelivery
	for name, sig := range sigs {
		if !strings.HasPrefix(name, sub+"/") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(attendeeDir, name))
		require.NoError(t, err)
		out = append(out, attendeeDelivery{name, body, sig})
	}
	slices.SortFunc(out, func(a, b attendeeDelivery) int { return strings.Compare(a.name, b.name) })
	require.NotEmpty(t, out)
	return out
}

// post is the delivery as a client sends it to url.
func (d attendeeDelivery) post(t *testing.T, url string) *http.Request {
	req := newRequest(t, http.MethodPost, url, string(d.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Webhook-Signature", d.sig)
	return req
}

func (d attendeeDelivery) request() *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/attendee", strings.NewReader(string(d.body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Attendee-Webhook/1.0")
	req.Header.Set("X-Webhook-Signature", d.sig)
	return req
}

func TestGoldenAttendeeTriggers(t *testing.T) {
	for _, d := range loadAttendee(t, "triggers") {
		t.Run(d.name, func(t *testing.T) {
			g := newGoldenReceiver(t, attendeeConfig(), goldenClock)
			g.send(t, d.request())
			require.Len(t, g.logs.AllLogs(), 1)
			compareLogsGolden(t, filepath.Join(attendeeDir, strings.TrimSuffix(d.name, ".json")+".logs.yaml"), g.logs.AllLogs()[0])
		})
	}
}

// lifeClock is when the bot-life deliveries arrive: during the meeting.
var lifeClock = time.Date(2025, 7, 15, 14, 51, 0, 0, time.UTC)

func TestGoldenAttendeeBotLife(t *testing.T) {
	deliveries := loadAttendee(t, "bot_life")
	g := newGoldenReceiver(t, attendeeConfig(), lifeClock)
	for _, d := range deliveries {
		g.send(t, d.request())
	}
	compareTracesGolden(t, filepath.Join(attendeeDir, "bot_life.traces.yaml"), g.traces.AllTraces())

	// One trace: the root lasts from the first state change to "ended", and
	// every record of the bot is linked to it.
	all := flattenSpans(g.traces.AllTraces())
	traceID, rootID := traceids.Root("attendee/bot/bot_3hfP0PXEsNinIZmh")
	var roots []ptrace.Span
	spans := all.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		s := spans.At(i)
		require.Equal(t, traceID, s.TraceID(), s.Name())
		if s.ParentSpanID().IsEmpty() {
			roots = append(roots, s)
		} else {
			require.Equal(t, rootID, s.ParentSpanID(), s.Name())
		}
	}
	require.Len(t, roots, 1)
	require.Equal(t, rootID, roots[0].SpanID())
	require.Equal(t, time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC), roots[0].StartTimestamp().AsTime())
	require.Equal(t, time.Date(2025, 7, 15, 14, 52, 0, 0, time.UTC), roots[0].EndTimestamp().AsTime())
	require.Equal(t, len(deliveries), g.logs.LogRecordCount())
	for _, ld := range g.logs.AllLogs() {
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		require.Equal(t, traceID, lr.TraceID())
		require.Equal(t, rootID, lr.SpanID())
	}

	// Attendee's retries of all of it emit nothing.
	spanCount := g.traces.SpanCount()
	for _, d := range deliveries {
		g.send(t, d.request())
	}
	require.Equal(t, spanCount, g.traces.SpanCount())
	require.Equal(t, len(deliveries), g.logs.LogRecordCount())
}

// Deliveries arriving in any order before the bot ends give the same trace:
// spans are built from the events' own times.
func TestGoldenAttendeeBotLifeOutOfOrder(t *testing.T) {
	deliveries := loadAttendee(t, "bot_life")
	last := deliveries[len(deliveries)-1] // "ended"
	rest := slices.Clone(deliveries[:len(deliveries)-1])
	// The asynchronous transcription has no time of its own: it keeps its
	// place, so that its span is the same.
	var async []attendeeDelivery
	rest = slices.DeleteFunc(rest, func(d attendeeDelivery) bool {
		if strings.Contains(d.name, "async_transcription") {
			async = append(async, d)
			return true
		}
		return false
	})
	for seed := range uint64(5) {
		shuffled := slices.Clone(rest)
		rand.New(rand.NewPCG(seed, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		g := newGoldenReceiver(t, attendeeConfig(), lifeClock)
		// The clock moves per delivery: give the timeless deliveries the
		// same arrival times as in order (the 15th and 16th).
		for _, d := range shuffled {
			g.send(t, d.request())
		}
		for _, d := range async {
			g.send(t, d.request())
		}
		g.send(t, last.request())
		compareTracesGolden(t, filepath.Join(attendeeDir, "bot_life.traces.yaml"), g.traces.AllTraces())
	}
}

func TestGoldenAttendeeFailedJoin(t *testing.T) {
	g := newGoldenReceiver(t, attendeeConfig(), goldenClock)
	for _, d := range loadAttendee(t, "failed_join") {
		g.send(t, d.request())
	}
	compareTracesGolden(t, filepath.Join(attendeeDir, "failed_join.traces.yaml"), g.traces.AllTraces())
}

// A delivery as Attendee sends it, with non-ASCII, <>&, U+2028, 1.0 and
// integers beyond 2^64 in its metadata, is accepted with the signature
// Attendee made; the same delivery signed over its raw body is refused.
func TestAttendeeSignedAsAttendeeDoes(t *testing.T) {
	var d attendeeDelivery
	for _, c := range loadAttendee(t, "triggers") {
		if c.name == "triggers/bot.state_change.metadata.json" {
			d = c
		}
	}
	require.Contains(t, string(d.body), `\u2028`)
	require.Contains(t, string(d.body), `1180591620717411303424`)

	g := newGoldenReceiver(t, attendeeConfig(), goldenClock)
	key, err := base64.StdEncoding.DecodeString(attendeeSecret)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write(d.body)
	raw := d
	raw.sig = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	rec := httptest.NewRecorder()
	g.r.ServeHTTP(rec, raw.request())
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Equal(t, 0, g.logs.LogRecordCount())

	g.send(t, d.request())
	require.Equal(t, 1, g.logs.LogRecordCount())
}
