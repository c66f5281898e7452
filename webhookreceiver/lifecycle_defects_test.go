package webhookreceiver

// Defects of the lifecycle engine that the rules rewrite (rules.go) fixed,
// each shown through the receiver as a collector runs it: signed deliveries
// to its handler, sweeps of its expiry, spans read from the traces sink.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/lifecycle"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// testClock is a receiver's clock that moves only when the test sets it;
// guarded, as a sweep and a delivery may read it at once.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// clockedReceiver is a receiver made by the factory for both signals, not
// started (no background sweeps: the test runs them), on a testClock, with
// a gate on its traces pipeline and, when set, a hook called first by every
// call to it.
type clockedReceiver struct {
	r          *webhookReceiver
	clock      *testClock
	logs       *consumertest.LogsSink
	traces     *consumertest.TracesSink
	tracesGate *gate
}

func newClockedReceiver(t *testing.T, cfg *Config, start time.Time, hook func(context.Context) error) *clockedReceiver {
	t.Helper()
	c := &clockedReceiver{clock: &testClock{t: start}, logs: new(consumertest.LogsSink), traces: new(consumertest.TracesSink), tracesGate: &gate{}}
	traces, err := consumer.NewTraces(func(ctx context.Context, td ptrace.Traces) error {
		if hook != nil {
			if err := hook(ctx); err != nil {
				return err
			}
		}
		if err := c.tracesGate.get(); err != nil {
			return err
		}
		return c.traces.ConsumeTraces(ctx, td)
	})
	require.NoError(t, err)
	f, set := NewFactory(), receivertest.NewNopSettings(metadata.Type)
	lr, err := f.CreateLogs(context.Background(), set, cfg, c.logs)
	require.NoError(t, err)
	_, err = f.CreateTraces(context.Background(), set, cfg, traces)
	require.NoError(t, err)
	c.r = lr.(*webhookReceiver)
	c.r.now = c.clock.now
	t.Cleanup(func() { require.NoError(t, c.r.Shutdown(context.Background())) })
	return c
}

// deliver sends req at the clock's time at, and wants it accepted.
func (c *clockedReceiver) deliver(t *testing.T, at time.Time, req *http.Request) {
	t.Helper()
	c.clock.set(at)
	rec := httptest.NewRecorder()
	c.r.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// sweep runs one expiry sweep at the clock's time at.
func (c *clockedReceiver) sweep(at time.Time) {
	c.clock.set(at)
	c.r.expire()
}

// seenSpan is what the tests compare of an emitted span; its times in RFC
// 3339, for failures that read.
type seenSpan struct {
	name       string
	start, end string
	incomplete bool
}

func seen(name string, start, end time.Time, incomplete bool) seenSpan {
	return seenSpan{name, start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano), incomplete}
}

// spansByID is every span the traces sink took, by span ID: an ID emitted
// twice has two entries.
func (c *clockedReceiver) spansByID() map[pcommon.SpanID][]seenSpan {
	out := map[pcommon.SpanID][]seenSpan{}
	for _, td := range c.traces.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					_, incomplete := s.Attributes().Get(lifecycle.AttrIncomplete)
					out[s.SpanID()] = append(out[s.SpanID()], seen(s.Name(), s.StartTimestamp().AsTime(), s.EndTimestamp().AsTime(), incomplete))
				}
			}
		}
	}
	return out
}

// requireOncePerID fails when a span ID was emitted more than once.
func requireOncePerID(t *testing.T, spans map[pcommon.SpanID][]seenSpan) {
	t.Helper()
	for id, s := range spans {
		require.Len(t, s, 1, "span %s (%s) emitted more than once: %+v", id, s[0].name, s)
	}
}

func rootID(key string) pcommon.SpanID { _, id := traceids.Root(key); return id }

// stayID is the span ID of the stay of a per-start key that started at start.
func stayID(key string, start time.Time) pcommon.SpanID {
	return traceids.Child(key + "/" + start.UTC().Format(time.RFC3339Nano))
}

// iotumEvent is an iotum delivery of event about a conference and (unless
// "") a participant, at at, signed with the configured token.
func iotumEvent(t *testing.T, event, conference, participant string, at time.Time) *http.Request {
	t.Helper()
	payload := map[string]any{"host_id": 40217, "conference_id": json.Number(conference)}
	if participant != "" {
		payload["participant_id"] = json.Number(participant)
	}
	p, err := json.Marshal(payload)
	require.NoError(t, err)
	body, err := json.Marshal(map[string]string{"event": event, "payload": string(p), "timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z")})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/iotum", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signing-Token", iotumToken)
	return req
}

func iotumConferenceKey(conference string) string { return "iotum/conference/" + conference }

func iotumParticipantKey(conference, participant string) string {
	return iotumConferenceKey(conference) + "/participant/" + participant
}

// attendeeStateChange is a bot.state_change of bot from old to new at at,
// signed as Attendee signs.
func attendeeStateChange(t *testing.T, idem, bot, oldState, newState string, at time.Time) *http.Request {
	t.Helper()
	body := fmt.Sprintf(`{"idempotency_key": %q, "bot_id": %q, "bot_metadata": null, "trigger": "bot.state_change", "data": {"new_state": %q, "old_state": %q, "created_at": %q, "event_type": "x", "event_sub_type": null, "event_metadata": null}}`,
		idem, bot, newState, oldState, at.UTC().Format("2006-01-02T15:04:05.000000+00:00"))
	req := httptest.NewRequest(http.MethodPost, "/attendee", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	key, err := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	require.NoError(t, err)
	require.NoError(t, loadgen.SignAttendee(req, key, body))
	return req
}

var defectDay = time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)

// hms is a time of defectDay.
func hms(hour, minute, second int) time.Time {
	return defectDay.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute + time.Duration(second)*time.Second)
}

// A bot open longer than the timeout comes out incomplete at the timeout;
// its real end, arriving later, is a log record only: the root's span ID
// never comes out a second time.
func TestDefectTimedOutRootNotEmittedAgainOnItsEnd(t *testing.T) {
	cfg := testConfig(attendeeConfig())
	cfg.Lifecycle.Timeout = time.Hour
	c := newClockedReceiver(t, cfg, hms(14, 0, 0), nil)
	bot := "bot_defect_timeout"
	id := rootID("attendee/bot/" + bot)

	c.deliver(t, hms(14, 0, 0), attendeeStateChange(t, "idem-1", bot, "ready", "joining", hms(14, 0, 0)))
	c.sweep(hms(15, 0, 1))
	require.Equal(t, []seenSpan{seen("attendee.bot", hms(14, 0, 0), hms(15, 0, 1), true)}, c.spansByID()[id], "closed by the timeout")

	c.deliver(t, hms(15, 30, 0), attendeeStateChange(t, "idem-2", bot, "post_processing", "ended", hms(15, 30, 0)))
	c.sweep(hms(16, 30, 2)) // past the timeout again: whatever the end left open comes out
	require.Len(t, c.spansByID()[id], 1, "the bot's span ID emitted again: %+v", c.spansByID()[id])
	require.Equal(t, 2, c.logs.LogRecordCount(), "the late end is a log record")
}

// A root evicted beyond max_open comes out incomplete; its real end,
// arriving later, never makes a second span of its ID.
func TestDefectEvictedRootNotEmittedAgainOnItsEnd(t *testing.T) {
	cfg := testConfig(iotumConfig())
	cfg.Lifecycle.MaxOpen = 2
	c := newClockedReceiver(t, cfg, hms(14, 0, 0), nil)
	for i, conf := range []string{"701", "702", "703"} {
		c.deliver(t, hms(14, i, 0), iotumEvent(t, "conference_start", conf, "", hms(14, i, 0)))
	}
	c.sweep(hms(14, 3, 0))
	evicted := rootID(iotumConferenceKey("701"))
	require.Equal(t, []seenSpan{seen("iotum.conference", hms(14, 0, 0), hms(14, 3, 0), true)}, c.spansByID()[evicted], "the oldest, evicted")
	require.LessOrEqual(t, c.r.lifecycle.Open(), 2)

	for _, conf := range []string{"701", "702", "703"} {
		c.deliver(t, hms(15, 0, 0), iotumEvent(t, "conference_end", conf, "", hms(15, 0, 0)))
	}
	c.sweep(hms(15, 0, 0).Add(cfg.Lifecycle.Timeout + time.Minute)) // whatever the late end left open comes out
	spans := c.spansByID()
	requireOncePerID(t, spans)
	require.Equal(t, []seenSpan{seen("iotum.conference", hms(14, 1, 0), hms(15, 0, 0), false)}, spans[rootID(iotumConferenceKey("702"))])
	require.Equal(t, []seenSpan{seen("iotum.conference", hms(14, 2, 0), hms(15, 0, 0), false)}, spans[rootID(iotumConferenceKey("703"))])
}

// Airmeet's trigger.airmeet.finished carries the event's schedule, start
// and end: it makes the span on its own. The started that Airmeet retries
// after it (its first attempt answered 503 before it reached the
// lifecycles) is that span's start again, not a second root.
func TestDefectAirmeetFinishedBeforeStartedIsOneRoot(t *testing.T) {
	c := newClockedReceiver(t, testConfig(airmeetConfig()), time.Date(2025, 3, 1, 17, 0, 5, 0, time.UTC), nil)
	read := func(trigger string) string {
		b, err := os.ReadFile(filepath.Join(airmeetDir, trigger+".json"))
		require.NoError(t, err)
		return string(b)
	}
	finished := time.Date(2025, 3, 1, 17, 0, 5, 0, time.UTC)
	c.deliver(t, finished, airmeetRequest("trigger.airmeet.finished", airmeetToken, read("trigger.airmeet.finished")))
	c.deliver(t, finished.Add(time.Minute), airmeetRequest("trigger.airmeet.started", airmeetToken, read("trigger.airmeet.started")))
	c.sweep(finished.Add(cfgTimeout(c) + time.Hour)) // past the timeout: whatever the started left open comes out

	root := rootID("airmeet/airmeet/5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80")
	require.Equal(t, []seenSpan{seen("airmeet.airmeet", time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2025, 3, 1, 17, 0, 0, 0, time.UTC), false)},
		c.spansByID()[root], "one span for the event, as its schedule says")
	requireOncePerID(t, c.spansByID())
}

func cfgTimeout(c *clockedReceiver) time.Duration { return c.r.cfg.Lifecycle.Timeout }

// stayMove is a participant's enter or leave, at its event time.
type stayMove struct {
	event string
	at    time.Time
}

// participantStays runs conference from 13:55 to 15:00 with who's moves
// delivered late (from 14:31) in the order given, then sweeps past the
// timeout, so that whatever stayed open comes out too; it returns every
// span emitted, by ID.
func participantStays(t *testing.T, conf, who string, moves ...stayMove) map[pcommon.SpanID][]seenSpan {
	t.Helper()
	c := newClockedReceiver(t, testConfig(iotumConfig()), hms(13, 55, 0), nil)
	c.deliver(t, hms(13, 55, 0), iotumEvent(t, "conference_start", conf, "", hms(13, 55, 0)))
	for i, m := range moves {
		c.deliver(t, hms(14, 31, i), iotumEvent(t, m.event, conf, who, m.at))
	}
	c.deliver(t, hms(15, 0, 0), iotumEvent(t, "conference_end", conf, "", hms(15, 0, 0)))
	c.sweep(hms(15, 0, 0).Add(cfgTimeout(c) + time.Hour))
	spans := c.spansByID()
	require.Equal(t, []seenSpan{seen("iotum.conference", hms(13, 55, 0), hms(15, 0, 0), false)}, spans[rootID(iotumConferenceKey(conf))])
	return spans
}

// A participant who leaves and comes back has two stays, whatever the
// order their joins and leaves arrive in: each leave belongs to the latest
// join before it.
func TestDefectStaysOutOfOrderArePaired(t *testing.T) {
	conf, who := "801", "5001"
	spans := participantStays(t, conf, who,
		stayMove{"enter_conference", hms(14, 20, 0)},
		stayMove{"enter_conference", hms(14, 0, 0)},
		stayMove{"leave_conference", hms(14, 10, 0)},
		stayMove{"leave_conference", hms(14, 30, 0)},
	)
	requireTwoStays(t, spans, iotumParticipantKey(conf, who), hms(14, 0, 0), hms(14, 10, 0), hms(14, 20, 0), hms(14, 30, 0))
}

// requireTwoStays wants the conference and two complete stays of key, from
// in1 to out1 and from in2 to out2, and nothing more.
func requireTwoStays(t *testing.T, spans map[pcommon.SpanID][]seenSpan, key string, in1, out1, in2, out2 time.Time) {
	t.Helper()
	require.Equal(t, []seenSpan{seen("iotum.participant", in1, out1, false)}, spans[stayID(key, in1)], "the first stay")
	require.Equal(t, []seenSpan{seen("iotum.participant", in2, out2, false)}, spans[stayID(key, in2)], "the second stay")
	require.Len(t, spans, 3, "the conference and the two stays, no more: %+v", spans)
}

// A participant who leaves and rejoins in the same second (iotum's times
// are whole seconds): the leave at that instant ends the first stay, not
// the second, whatever the order the deliveries arrive in.
func TestDefectRejoinInTheSameSecond(t *testing.T) {
	conf, who := "802", "5002"
	spans := participantStays(t, conf, who,
		stayMove{"enter_conference", hms(14, 0, 0)},
		stayMove{"enter_conference", hms(14, 10, 0)},
		stayMove{"leave_conference", hms(14, 30, 0)},
		stayMove{"leave_conference", hms(14, 10, 0)}, // retried late
	)
	requireTwoStays(t, spans, iotumParticipantKey(conf, who), hms(14, 0, 0), hms(14, 10, 0), hms(14, 10, 0), hms(14, 30, 0))
}

// While the traces pipeline refuses for now (memory_limiter's plain
// error), sweeps still keep max_open: what they evict waits, closed, and
// is not counted open. Once the pipeline accepts, each evicted span comes
// out once.
func TestDefectMaxOpenKeptWhileTracesRefuse(t *testing.T) {
	cfg := testConfig(iotumConfig())
	cfg.Lifecycle.MaxOpen = 2
	c := newClockedReceiver(t, cfg, hms(14, 0, 0), nil)
	confs := []string{"901", "902", "903", "904", "905", "906"}
	for i, conf := range confs {
		c.deliver(t, hms(14, i, 0), iotumEvent(t, "conference_start", conf, "", hms(14, i, 0)))
	}

	c.tracesGate.set(errors.New("data refused due to high memory usage")) // not permanent
	for i := range 3 {
		c.sweep(hms(14, 10, i))
		require.LessOrEqual(t, c.r.lifecycle.Open(), cfg.Lifecycle.MaxOpen, "sweep %d: max_open not kept while the pipeline refuses", i)
	}
	require.Zero(t, c.traces.SpanCount())

	c.tracesGate.set(nil)
	c.sweep(hms(14, 11, 0))
	c.sweep(hms(14, 11, 1))
	spans := c.spansByID()
	requireOncePerID(t, spans)
	for _, conf := range confs[:4] { // the oldest, evicted
		require.Len(t, spans[rootID(iotumConferenceKey(conf))], 1, "conference %s, evicted, never came out", conf)
		require.True(t, spans[rootID(iotumConferenceKey(conf))][0].incomplete)
	}
	require.Len(t, spans, 4, "the two newest stay open")
	require.LessOrEqual(t, c.r.lifecycle.Open(), cfg.Lifecycle.MaxOpen)
}

// A participant's leave retried after the conference's end, within the
// grace, still counts: the stay comes out with its real end, complete, and
// every span once.
func TestDefectChildEndWithinGraceCompletesIt(t *testing.T) {
	cfg := testConfig(iotumConfig())
	cfg.Lifecycle.Grace = 30 * time.Second
	c := newClockedReceiver(t, cfg, hms(14, 0, 0), nil)
	conf, who := "811", "5011"
	c.deliver(t, hms(14, 0, 0), iotumEvent(t, "conference_start", conf, "", hms(14, 0, 0)))
	c.deliver(t, hms(14, 1, 0), iotumEvent(t, "enter_conference", conf, who, hms(14, 1, 0)))
	c.deliver(t, hms(15, 0, 0), iotumEvent(t, "conference_end", conf, "", hms(15, 0, 0)))
	c.sweep(hms(15, 0, 5))                                                                     // a sweep within the grace leaves the conference's spans waiting
	c.deliver(t, hms(15, 0, 10), iotumEvent(t, "leave_conference", conf, who, hms(14, 59, 0))) // retried, within the grace
	c.sweep(hms(15, 0, 31))                                                                    // the grace is over
	c.sweep(hms(15, 0, 0).Add(cfg.Lifecycle.Timeout + time.Hour))

	spans := c.spansByID()
	require.Equal(t, []seenSpan{seen("iotum.participant", hms(14, 1, 0), hms(14, 59, 0), false)}, spans[stayID(iotumParticipantKey(conf, who), hms(14, 1, 0))], "the stay, with its real end")
	require.Equal(t, []seenSpan{seen("iotum.conference", hms(14, 0, 0), hms(15, 0, 0), false)}, spans[rootID(iotumConferenceKey(conf))])
	require.Len(t, spans, 2, "%+v", spans)
}

// A sweep hands spans to the traces pipeline with no root's lock held: a
// delivery to the same root is answered while the sweep's call to a
// blocking pipeline (a full queue told to block) waits.
func TestDefectSweepHoldsNoLockAcrossTheConsumer(t *testing.T) {
	cfg := testConfig(iotumConfig())
	cfg.Lifecycle.Timeout = time.Hour
	entered, release := make(chan struct{}), make(chan struct{})
	var first sync.Once
	hook := func(ctx context.Context) error {
		blocks := false
		first.Do(func() { blocks = true }) // the sweep's call only
		if !blocks {
			return nil
		}
		close(entered)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c := newClockedReceiver(t, cfg, hms(14, 0, 0), hook)
	conf := "821"
	c.deliver(t, hms(14, 0, 0), iotumEvent(t, "conference_start", conf, "", hms(14, 0, 0)))

	c.clock.set(hms(15, 0, 1)) // past the timeout: the sweep closes the conference
	swept, delivered := make(chan struct{}), make(chan int, 1)
	go func() { defer close(swept); c.r.expire() }()
	sent, releaseOnce := false, sync.Once{}
	t.Cleanup(func() { // before the receiver's shutdown: let both goroutines end
		releaseOnce.Do(func() { close(release) })
		select {
		case <-swept:
		case <-time.After(10 * time.Second):
			t.Error("the sweep did not end once released")
		}
		if !sent {
			return
		}
		select {
		case <-delivered:
		case <-time.After(10 * time.Second):
			t.Error("the delivery did not end once the sweep was released")
		}
	})
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the sweep never called the traces pipeline")
	}

	req := iotumEvent(t, "conference_end", conf, "", hms(15, 0, 5))
	sent = true
	go func() {
		rec := httptest.NewRecorder()
		c.r.ServeHTTP(rec, req)
		delivered <- rec.Code
	}()
	select {
	case code := <-delivered:
		require.Equal(t, http.StatusOK, code)
		delivered <- code // for the cleanup
	case <-time.After(3 * time.Second):
		t.Fatal("the delivery waited for the sweep's call to the traces pipeline: the root's lock is held across it")
	}

	// Released, the sweep's spans are taken; the end that arrived meanwhile
	// makes no second span, now or at a later sweep.
	releaseOnce.Do(func() { close(release) })
	select {
	case <-swept:
	case <-time.After(5 * time.Second):
		t.Fatal("the sweep did not end once released")
	}
	c.sweep(hms(15, 0, 5).Add(cfg.Lifecycle.Timeout + time.Minute))
	require.Equal(t, []seenSpan{seen("iotum.conference", hms(14, 0, 0), hms(15, 0, 1), true)}, c.spansByID()[rootID(iotumConferenceKey(conf))])
}

// An Attendee bot's life (its golden deliveries, the two timeless async
// transcription ones aside), each delivery in turn retried late, arriving
// after any later one within the grace: the spans are those of the order
// it was sent in.
func TestDefectEveryRetryOfABotGivesItsSpans(t *testing.T) {
	var life []attendeeDelivery
	for _, d := range loadAttendee(t, "bot_life") {
		if !strings.Contains(d.name, "async_transcription") {
			life = append(life, d)
		}
	}
	play := func(order []attendeeDelivery) map[pcommon.SpanID][]seenSpan {
		cfg := testConfig(attendeeConfig())
		cfg.Lifecycle.Grace = 30 * time.Second
		c := newClockedReceiver(t, cfg, lifeClock, nil)
		at := lifeClock
		for _, d := range order {
			at = at.Add(time.Second) // a delivery a second, a retry within the grace
			c.sweep(at)
			c.deliver(t, at, d.request())
		}
		c.sweep(at.Add(time.Minute))
		spans := c.spansByID()
		requireOncePerID(t, spans)
		return spans
	}
	want := play(life)
	require.Len(t, want, 13, "the bot, its eight phases, two participants, a speech, an utterance")
	for i := range life {
		for j := i + 1; j < len(life); j++ {
			order := slices.Concat(life[:i], life[i+1:j+1], life[i:i+1], life[j+1:])
			require.Equal(t, want, play(order), "%s retried after %s", life[i].name, life[j].name)
		}
	}
}
