package lifecycle

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

var (
	src = translate.Source{Provider: "demo", ServiceName: "demo", ScopeName: "scope", ScopeVersion: "v"}
	t0  = time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC)
)

// errLook refuses what a test only looks at.
var errLook = errors.New("looked at, not taken")

// plan returns the spans that events close at t0, without changing
// anything (the pipeline refuses them); commit applies them, the pipeline
// taking them: Apply refused, then retried.
func (t *Tracker) plan(src translate.Source, events []provider.Event) (spans ptrace.Traces, commit func()) {
	spans = ptrace.NewTraces()
	err := t.Apply(src, events, t0, func(td ptrace.Traces) error { td.CopyTo(spans); return errLook })
	if err != nil && !errors.Is(err, errLook) {
		panic(err) // the tests that plan use no storage, or one that answers
	}
	return spans, func() {
		if err := t.Apply(src, events, t0, func(ptrace.Traces) error { return nil }); err != nil {
			panic(err)
		}
	}
}

// expire is what Expire at now emits, the pipeline refusing it; commit
// expires again, the pipeline taking it.
func (t *Tracker) expire(now time.Time) (spans ptrace.Traces, commit func()) {
	spans = ptrace.NewTraces()
	_, err := t.Expire(now, func(td ptrace.Traces) error { td.CopyTo(spans); return errLook })
	if err != nil && !errors.Is(err, errLook) {
		panic(err)
	}
	return spans, func() {
		if _, err := t.Expire(now, func(ptrace.Traces) error { return nil }); err != nil {
			panic(err)
		}
	}
}

const root = "demo/thing/1"

func ev(tr ...provider.Transition) provider.Event { return provider.Event{Transitions: tr} }

func only(t *testing.T, td ptrace.Traces) ptrace.Span {
	t.Helper()
	require.Equal(t, 1, td.SpanCount())
	rs := td.ResourceSpans().At(0)
	require.Equal(t, map[string]any{"service.name": "demo", "webhook.provider": "demo"}, rs.Resource().Attributes().AsRaw())
	require.Equal(t, "scope", rs.ScopeSpans().At(0).Scope().Name())
	return rs.ScopeSpans().At(0).Spans().At(0)
}

func TestStartThenEnd(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "demo.thing", Start: t0, Attributes: map[string]string{"a": "1"}})})
	require.Equal(t, 0, spans.SpanCount())
	commit()
	require.Equal(t, 1, tr.Open())

	spans, commit = tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "demo.thing", End: t0.Add(time.Minute), Failed: true, Message: "boom", Attributes: map[string]string{"b": "2"}})})
	s := only(t, spans)
	traceID, spanID := traceids.Root(root)
	require.Equal(t, traceID, s.TraceID())
	require.Equal(t, spanID, s.SpanID())
	require.True(t, s.ParentSpanID().IsEmpty())
	require.Equal(t, "demo.thing", s.Name())
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.StartTimestamp())
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Minute)), s.EndTimestamp())
	require.Equal(t, map[string]any{"a": "1", "b": "2"}, s.Attributes().AsRaw())
	require.Equal(t, ptrace.StatusCodeError, s.Status().Code())
	require.Equal(t, "boom", s.Status().Message())
	require.Zero(t, tr.Open(), "closed: refused, its span waits for the retry or the next check")
	commit()
	require.Equal(t, 0, tr.Open())
}

func TestChildSpan(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	key := root + "/part/7"
	spans, _ := tr.plan(src, []provider.Event{
		ev(provider.Transition{Key: key, Root: root, Name: "demo.part", Start: t0}),
		ev(provider.Transition{Key: key, Root: root, Name: "demo.part", End: t0.Add(time.Second)}),
	})
	s := only(t, spans)
	traceID, rootID := traceids.Root(root)
	require.Equal(t, traceID, s.TraceID())
	require.Equal(t, rootID, s.ParentSpanID())
	require.Equal(t, traceids.Child(key), s.SpanID())
}

func TestLateStartMovesStartEarlier(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	_, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0.Add(time.Minute)})})
	commit()
	_, commit = tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0})})
	commit()
	spans, _ := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0.Add(time.Hour)})})
	require.Equal(t, pcommon.NewTimestampFromTime(t0), only(t, spans).StartTimestamp())
}

// An end that arrives before its start waits for it: the pair is one
// complete span, built from the events' times.
func TestEndBeforeStartWaitsForIt(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0.Add(time.Minute), Failed: true, Message: "m"})})
	require.Equal(t, 0, spans.SpanCount())
	commit()
	require.Equal(t, 1, tr.Open())
	spans, commit = tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0, Attributes: map[string]string{"a": "1"}})})
	s := only(t, spans)
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.StartTimestamp())
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Minute)), s.EndTimestamp())
	require.Equal(t, map[string]any{"a": "1"}, s.Attributes().AsRaw())
	require.Equal(t, ptrace.StatusCodeError, s.Status().Code())
	commit()
	require.Equal(t, 0, tr.Open())
}

// An end whose start never comes is emitted at the timeout, marked.
func TestEndWithoutStartIsIncompleteAtTimeout(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	_, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0})})
	commit()
	spans, _ := tr.expire(t0.Add(30 * time.Minute))
	require.Equal(t, 0, spans.SpanCount(), "not yet")
	spans, commit = tr.expire(t0.Add(time.Hour + time.Second))
	s := only(t, spans)
	require.Equal(t, "true", s.Attributes().AsRaw()[AttrIncomplete])
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.StartTimestamp())
	require.Equal(t, s.StartTimestamp(), s.EndTimestamp())
	commit()
	require.Equal(t, 0, tr.Open())
}

// A waiting end followed by a start after it (a span of one key has one
// ID, so no second span): one span, of no length, at the end.
func TestWaitingEndThenLaterStart(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	_, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0})})
	commit()
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0.Add(time.Minute)})})
	s := only(t, spans)
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.StartTimestamp())
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.EndTimestamp())
	commit()
	require.Zero(t, tr.Open())
}

func TestExpire(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	_, commit := tr.plan(src, []provider.Event{
		ev(provider.Transition{Key: root, Name: "n", Start: t0}),
		ev(provider.Transition{Key: "demo/thing/2", Name: "n", Start: t0.Add(30 * time.Minute)}),
	})
	commit()
	spans, commit := tr.expire(t0.Add(time.Hour + time.Second))
	s := only(t, spans)
	traceID, _ := traceids.Root(root)
	require.Equal(t, traceID, s.TraceID())
	require.Equal(t, "true", s.Attributes().AsRaw()[AttrIncomplete])
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Hour+time.Second)), s.EndTimestamp())
	require.Equal(t, 1, tr.Open(), "closed, refused or not: it waits to be emitted, not open")
	commit()
	require.Equal(t, 1, tr.Open())
	again, _ := tr.expire(t0.Add(time.Hour + time.Second))
	require.Zero(t, again.SpanCount(), "emitted once")
}

// Apply and Expire keep what they change whatever emit answers (in memory;
// a storage keeps what it had when a delivery is refused, storage_test.go):
// refused spans are emitted by the retry or the next check, once; emit is
// not called when nothing closes.
func TestApplyAndExpireCommitWhatWasAccepted(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	var emitted []int
	refuse := errors.New("refused")
	emit := func(err error) Emit {
		return func(spans ptrace.Traces) error {
			emitted = append(emitted, spans.SpanCount())
			return err
		}
	}
	start := []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0})}
	end := []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0.Add(time.Minute)})}

	require.NoError(t, tr.Apply(src, start, t0, emit(refuse)))
	require.Empty(t, emitted, "a start closes nothing: nothing to emit")
	require.Equal(t, 1, tr.Open())
	require.ErrorIs(t, tr.Apply(src, end, t0, emit(refuse)), refuse)
	require.Zero(t, tr.Open(), "in memory, the refused end is kept: its span waits for the retry, a copy")
	require.NoError(t, tr.Apply(src, end, t0, emit(nil)))
	require.Equal(t, 0, tr.Open())
	require.Equal(t, []int{1, 1}, emitted)

	again := []provider.Event{ev(provider.Transition{Key: "demo/thing/2", Name: "n", Start: t0.Add(2 * time.Minute)})}
	require.NoError(t, tr.Apply(src, again, t0, emit(nil)))
	require.Equal(t, 1, tr.Open())
	late := t0.Add(3 * time.Hour)
	require.ErrorIs(t, expireErr(tr, late, emit(refuse)), refuse)
	require.Zero(t, tr.Open(), "closed, refused or not: max_open holds whatever the pipeline answers")
	require.NoError(t, expireErr(tr, late, emit(nil)), "the refused span, emitted by the next sweep")
	require.Equal(t, 0, tr.Open())
	require.NoError(t, expireErr(tr, late, emit(refuse)), "nothing left to expire: emit is not called")
	require.Equal(t, []int{1, 1, 1, 1}, emitted)
}

func TestEventsWithoutLifecycle(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	spans, commit := tr.plan(src, []provider.Event{{Type: "x"}})
	require.Equal(t, 0, spans.SpanCount())
	commit()
	require.Equal(t, 0, tr.Open())
}

func spansByName(td ptrace.Traces) map[string][]ptrace.Span {
	out := map[string][]ptrace.Span{}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		ss := td.ResourceSpans().At(i).ScopeSpans().At(0).Spans()
		for j := 0; j < ss.Len(); j++ {
			out[ss.At(j).Name()] = append(out[ss.At(j).Name()], ss.At(j))
		}
	}
	return out
}

func TestPerStartStaysAreSeparateSpans(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	slot := root + "/presence/p1"
	in := func(at time.Time) provider.Transition {
		return provider.Transition{Key: slot, Root: root, Name: "presence", Start: at, PerStart: true}
	}
	out := func(at time.Time) provider.Transition {
		return provider.Transition{Key: slot, Root: root, Name: "presence", End: at, PerStart: true}
	}
	spans, _ := tr.plan(src, []provider.Event{ev(in(t0)), ev(out(t0.Add(time.Minute))), ev(in(t0.Add(2 * time.Minute))), ev(out(t0.Add(3 * time.Minute)))})
	got := spansByName(spans)["presence"]
	require.Len(t, got, 2)
	require.Equal(t, traceids.Child(slot+"/"+t0.Format(time.RFC3339Nano)), got[0].SpanID())
	require.Equal(t, traceids.Child(slot+"/"+t0.Add(2*time.Minute).Format(time.RFC3339Nano)), got[1].SpanID())
	require.NotEqual(t, got[0].SpanID(), got[1].SpanID())
}

// A stay whose end never came, followed by another of the same key, ends,
// incomplete, where the next one starts, once its root ends (or at the
// timeout): a leave retried late still completes it until then.
func TestPerStartRejoinWithoutLeaveClosesTheFirstIncomplete(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	in := func(at time.Time) provider.Transition {
		return provider.Transition{Key: root + "/presence/p1", Root: root, Name: "presence", Start: at, PerStart: true, EndsWithRoot: true}
	}
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0}), ev(in(t0)), ev(in(t0.Add(time.Minute)))})
	require.Zero(t, spans.SpanCount())
	commit()
	require.Equal(t, 3, tr.Open())
	spans, commit = tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0.Add(time.Hour)})})
	commit()
	stays := spansByName(spans)["presence"]
	require.Len(t, stays, 2)
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Minute)), stays[0].EndTimestamp(), "the first, where the second starts")
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Hour)), stays[1].EndTimestamp(), "the second, with its root")
	for _, s := range stays {
		require.Equal(t, "true", s.Attributes().AsRaw()[AttrIncomplete])
	}
}

// An end older than the open start of a span of one key: the span ends at
// its start, once.
func TestEndOlderThanTheOpenStart(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	_, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0})})
	commit()
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0.Add(-time.Minute)})})
	s := only(t, spans)
	require.Equal(t, s.StartTimestamp(), s.EndTimestamp())
	commit()
	require.Zero(t, tr.Open())
}

// A root's timeline: phases arrive out of order and are emitted, in time
// order, each ending where the next starts, when the root ends.
func TestStepsBecomePhasesWhenTheRootEnds(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	rootStart := func(at time.Time) provider.Transition {
		return provider.Transition{Key: root, Name: "thing", Start: at}
	}
	phase := func(at time.Time, state string) provider.Transition {
		return provider.Transition{Key: root + "/state", Root: root, Name: "thing.state", Step: at, Attributes: map[string]string{"state": state}}
	}
	deliveries := [][]provider.Transition{
		{rootStart(t0.Add(2 * time.Minute)), phase(t0.Add(2*time.Minute), "recording")},
		{rootStart(t0), phase(t0, "joining")}, // late
		{rootStart(t0.Add(time.Minute)), phase(t0.Add(time.Minute), "waiting")},
	}
	for _, d := range deliveries {
		spans, commit := tr.plan(src, []provider.Event{ev(d...)})
		require.Equal(t, 0, spans.SpanCount())
		commit()
	}
	require.Equal(t, 1, tr.Open(), "phases live inside their root")
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", End: t0.Add(10 * time.Minute)})})
	commit()
	byName := spansByName(spans)
	rootSpan := byName["thing"][0]
	require.Equal(t, pcommon.NewTimestampFromTime(t0), rootSpan.StartTimestamp())
	phases := byName["thing.state"]
	require.Len(t, phases, 3)
	wantStates := []string{"joining", "waiting", "recording"}
	wantEnds := []time.Time{t0.Add(time.Minute), t0.Add(2 * time.Minute), t0.Add(10 * time.Minute)}
	for i, ph := range phases {
		require.Equal(t, wantStates[i], ph.Attributes().AsRaw()["state"])
		require.Equal(t, pcommon.NewTimestampFromTime(wantEnds[i]), ph.EndTimestamp())
		require.Equal(t, rootSpan.SpanID(), ph.ParentSpanID())
		require.Equal(t, rootSpan.TraceID(), ph.TraceID())
	}
	require.Equal(t, 0, tr.Open())
}

func TestStepWithoutOpenRootChangesNothing(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root + "/state", Root: root, Name: "s", Step: t0})})
	commit()
	require.Equal(t, 0, spans.SpanCount())
	require.Equal(t, 0, tr.Open())
}

func TestRootEndClosesOpenChildren(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	child := provider.Transition{Key: root + "/presence/p1", Root: root, Name: "presence", Start: t0.Add(time.Minute), PerStart: true, EndsWithRoot: true}
	after := provider.Transition{Key: root + "/processing", Root: root, Name: "processing", Start: t0.Add(time.Minute)}
	other := provider.Transition{Key: "demo/thing/2/presence/p1", Root: "demo/thing/2", Name: "presence", Start: t0, EndsWithRoot: true}
	_, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", Start: t0}, child, after, other)})
	commit()
	spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", End: t0.Add(time.Hour)})})
	commit()
	byName := spansByName(spans)
	require.Len(t, byName["thing"], 1)
	require.Len(t, byName["presence"], 1)
	p := byName["presence"][0]
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Hour)), p.EndTimestamp())
	require.Equal(t, "true", p.Attributes().AsRaw()[AttrIncomplete])
	require.Equal(t, 2, tr.Open(), "work that outlives the root, and another root's child, stay open")
}

// Deliveries of a bot arriving newest first: the end, then earlier and
// earlier starts. The first start makes the span; later ones, past changing
// it, do not open a second span with the same ID.
func TestLateStartsAfterTheSpanWasEmitted(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	deliveries := []provider.Transition{
		{Key: root, Name: "n", End: t0.Add(3 * time.Minute)},
		{Key: root, Name: "n", Start: t0.Add(2 * time.Minute)},
		{Key: root, Name: "n", Start: t0.Add(time.Minute)},
		{Key: root, Name: "n", Start: t0},
	}
	total := 0
	for _, d := range deliveries {
		spans, commit := tr.plan(src, []provider.Event{ev(d)})
		total += spans.SpanCount()
		commit()
	}
	require.Equal(t, 1, total)
	require.Equal(t, 0, tr.Open())
	spans, commit := tr.expire(t0.Add(2 * time.Hour))
	require.Equal(t, 0, spans.SpanCount(), "nothing reopened to expire")
	commit()
	require.Zero(t, tr.groupsHeld(), "what was closed is forgotten after the timeout")
}

// A later stay of a per-start slot after its last one closed is a new span.
func TestNewStayAfterAClosedOne(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1000)
	slot := provider.Transition{Key: root + "/p/1", Root: root, Name: "p", PerStart: true}
	in, out := slot, slot
	in.Start, out.End = t0, t0.Add(time.Minute)
	spans, commit := tr.plan(src, []provider.Event{ev(in), ev(out)})
	commit()
	require.Equal(t, 1, spans.SpanCount())
	again := slot
	again.Start = t0.Add(2 * time.Minute)
	_, commit = tr.plan(src, []provider.Event{ev(again)})
	commit()
	require.Equal(t, 1, tr.Open())
}

// Beyond maxOpen, the next check closes the oldest as incomplete, whatever
// their age: memory stays bounded whatever the traffic.
func TestMaxOpenEvictsTheOldest(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 2)
	for i := range 4 {
		_, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: fmt.Sprint("demo/thing/", i), Name: "n", Start: t0.Add(time.Duration(i) * time.Minute)})})
		commit()
	}
	spans, commit := tr.expire(t0.Add(5 * time.Minute)) // none is past the timeout
	require.Equal(t, 2, spans.SpanCount())
	commit()
	require.Equal(t, 2, tr.Open())
	for _, s := range spansByName(spans)["n"] {
		require.Equal(t, "true", s.Attributes().AsRaw()[AttrIncomplete])
		require.Less(t, s.StartTimestamp().AsTime(), t0.Add(2*time.Minute), "the oldest went")
	}
}

// A span that starts and ends in one transition (an utterance) leaves a
// tombstone like any close, and tombstones are bounded: by the timeout, and
// beyond as many as max_open, the oldest go at the next check.
func TestStateStaysBounded(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 3)
	for i := range 10 {
		k := fmt.Sprint("demo/thing/", i)
		spans, commit := tr.plan(src, []provider.Event{ev(provider.Transition{Key: k + "/utterance/1", Root: k, Name: "u", Start: t0, End: t0.Add(time.Duration(i) * time.Second)})})
		require.Equal(t, 1, spans.SpanCount())
		commit()
	}
	require.Zero(t, tr.Open())
	require.Equal(t, 10, tr.tombstones())
	_, commit := tr.expire(t0.Add(time.Minute))
	commit()
	require.Equal(t, 3, tr.tombstones(), "bounded by max_open")
	require.Equal(t, 3, tr.groupsHeld())
	for i := range 7 {
		_, ok := tr.index.shard(fmt.Sprint("demo/thing/", i)).lives[fmt.Sprint("demo/thing/", i)]
		require.False(t, ok, "the oldest went")
	}
	_, commit = tr.expire(t0.Add(2 * time.Hour))
	commit()
	require.Zero(t, tr.tombstones(), "and all after the timeout")
	require.Zero(t, tr.groupsHeld())
}

func (t *Tracker) tombstones() int {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	return t.nKept
}

// describeRec writes all that a rec holds, times in UTC.
func describeRec(r rec) string {
	var steps []string
	for _, s := range r.steps {
		steps = append(steps, fmt.Sprintf("%s %s %s %v", s.slot, s.name, s.at.UTC().Format(time.RFC3339Nano), s.attrs.asMap()))
	}
	return fmt.Sprintf("%s root=%q %s [%s, %s] ps=%v wr=%v %v failed=%v %q state=%d by=%d at=%s steps=%v", r.key, r.root, r.name,
		r.start.UTC().Format(time.RFC3339Nano), r.end.UTC().Format(time.RFC3339Nano), r.perStart, r.withRoot, r.attrs.asMap(),
		r.failed, r.message, r.state, r.by, r.at.UTC().Format(time.RFC3339Nano), steps)
}
