package lifecycle

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

func storedTracker(t *testing.T, client storage.Client) *Tracker {
	t.Helper()
	tr := NewTracker(time.Hour, 0, 1000)
	require.NoError(t, tr.UseStorage(context.Background(), client, zap.NewNop()))
	return tr
}

// planCommit applies one delivery at t0 and returns how many spans it emitted.
func planCommit(tr *Tracker, trs ...provider.Transition) int {
	n := 0
	if err := tr.Apply(src, []provider.Event{ev(trs...)}, t0, func(td ptrace.Traces) error { n += td.SpanCount(); return nil }); err != nil {
		panic(err)
	}
	return n
}

// A process that restarts goes on where it stopped: the first half of a
// lifecycle before, the second after, make one complete span with its
// phases, started when the lifecycle started.
func TestRestartGoesOnFromTheStorage(t *testing.T) {
	client := storagetest.NewMapClient()
	before := storedTracker(t, client)
	phase := func(at time.Time, state string) provider.Transition {
		return provider.Transition{Key: root + "/state", Root: root, Name: "thing.state", Step: at, Attributes: map[string]string{"state": state}}
	}
	require.Zero(t, planCommit(before, provider.Transition{Key: root, Name: "thing", Start: t0, Attributes: map[string]string{"id": "1"}}, phase(t0, "joining")))
	require.Zero(t, planCommit(before, provider.Transition{Key: root, Name: "thing", Start: t0.Add(time.Minute)}, phase(t0.Add(time.Minute), "recording")))

	after := storedTracker(t, client) // a new process over the same storage
	require.Equal(t, 1, after.Open(), "loaded at start")
	spans, commit := after.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", End: t0.Add(time.Hour)})})
	commit()
	byName := spansByName(spans)
	require.Len(t, byName["thing"], 1)
	require.Equal(t, pcommon.NewTimestampFromTime(t0), byName["thing"][0].StartTimestamp())
	require.Equal(t, map[string]any{"id": "1"}, byName["thing"][0].Attributes().AsRaw())
	require.Len(t, byName["thing.state"], 2)

	third := storedTracker(t, client)
	require.Zero(t, third.Open(), "the end was written through")
	require.Zero(t, planCommit(third, provider.Transition{Key: root, Name: "thing", Start: t0}), "a late retry of the start does not reopen it")
}

// Two replicas over one storage: started on one, ended on the other, one
// span; the first does not expire what the second closed.
func TestReplicasShareLifecycles(t *testing.T) {
	client := storagetest.NewMapClient()
	a, b := storedTracker(t, client), storedTracker(t, client)
	require.Zero(t, planCommit(a, provider.Transition{Key: root, Name: "thing", Start: t0}))
	spans, commit := b.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", End: t0.Add(time.Minute)})})
	commit()
	s := only(t, spans)
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.StartTimestamp())
	_, incomplete := s.Attributes().Get(AttrIncomplete)
	require.False(t, incomplete)

	expired, commit := a.expire(t0.Add(2 * time.Hour))
	require.Zero(t, expired.SpanCount(), "closed by the other replica")
	commit()
	require.Zero(t, a.Open())
}

// Expiry is written through: the storage's group holds the tombstone, not
// the open span, until the timeout; the records of releases before are
// stale, and nothing else is.
func TestExpiryIsWrittenAndTheOldRecordsAreStale(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	tr := storedTracker(t, client)
	require.Zero(t, planCommit(tr, provider.Transition{Key: root, Name: "thing", Start: t0}))
	require.NoError(t, client.Set(ctx, "dedup/x", []byte("other state")))
	require.NoError(t, client.Set(ctx, closedPrefix+"demo/thing/2", []byte("2025-07-15T14:00:00Z")))
	require.NoError(t, client.Set(ctx, openPrefix+"demo/thing/3", []byte("{}")))
	ended := t0.Add(time.Hour + time.Second)
	spans, commit := tr.expire(ended)
	require.Equal(t, 1, spans.SpanCount())
	commit()
	require.Zero(t, storedTracker(t, client).Open(), "an expired lifecycle is not loaded again as open")
	require.NotEmpty(t, client.Keys(func(key string, _ []byte) bool { return key == groupPrefix+root }), "its tombstone is kept")

	_, commit = tr.expire(ended.Add(2 * time.Hour))
	commit()
	require.Empty(t, client.Keys(func(key string, _ []byte) bool { return key == groupPrefix+root }), "and goes after the timeout")
	stale := client.Keys(func(key string, value []byte) bool { return tr.Stale(key, value, ended) })
	require.ElementsMatch(t, []string{closedPrefix + "demo/thing/2", openPrefix + "demo/thing/3"}, stale, "never another's state")
}

// A root's group comes back from its record as it went in: the root with
// its phases, an open stay, a waiting end, a closed span, a tombstone, one
// whose key is not under the root.
func TestGroupRoundTrip(t *testing.T) {
	g := group{root: root, recs: []rec{
		{key: root, open: open{name: "n", start: t0, attrs: mapAttrs(map[string]string{"a": "1"}).compact(),
			steps: []step{{root + "/state", "n.s", t0, mapAttrs(map[string]string{"b": "2"}).compact()}}}},
		{key: root + "/p/1", open: open{root: root, name: "p", start: t0, perStart: true, withRoot: true}},
		{key: root + "/p/2", state: stWaiting, open: open{root: root, name: "p", end: t0.Add(time.Minute), failed: true, message: "m"}},
		{key: root + "/p/3", state: stClosed, by: byRoot, at: t0.Add(time.Hour), open: open{root: root, name: "p", start: t0, end: t0.Add(time.Minute)}},
		{key: root + "/p/4", state: stSent, by: byEnd, at: t0.Add(time.Hour), open: open{root: root, name: "p", start: t0, end: t0.Add(time.Minute), perStart: true}},
		{key: "elsewhere/x/1", open: open{root: root, name: "x", start: t0.Add(time.Second), steps: []step{{"elsewhere/x/1/s", "x.s", t0, attrs{}}}}},
	}}
	b := encodeGroup(src, g)
	require.NotContains(t, string(b), root+"/", "keys under the root are kept relative to it")
	gotSrc, back, ok := decodeGroup(root, b)
	require.True(t, ok)
	require.Equal(t, src, gotSrc)
	require.Len(t, back.recs, len(g.recs))
	for _, r := range g.recs {
		i := back.find(r.key)
		require.GreaterOrEqual(t, i, 0, r.key)
		got := back.recs[i]
		require.Equal(t, describeRec(r), describeRec(got), r.key)
	}
	_, empty, ok := decodeGroup(root, nil)
	require.True(t, ok, "no record is an empty group")
	require.Empty(t, empty.recs)
	_, _, ok = decodeGroup(root, []byte("not json"))
	require.False(t, ok)
}

// A group written before the rules kept closed spans (no state) reads as
// open spans and waiting ends.
func TestGroupOfTheReleaseBefore(t *testing.T) {
	_, g, ok := decodeGroup(root, []byte(`{"src":{"p":"demo"},"open":[{"n":"n","s":"2025-07-15T14:00:00Z"},{"k":"/p/1","n":"p","e":"2025-07-15T14:01:00Z"}]}`))
	require.True(t, ok)
	require.Equal(t, stOpen, g.recs[g.find(root)].state)
	require.Equal(t, stWaiting, g.recs[g.find(root+"/p/1")].state)
}
