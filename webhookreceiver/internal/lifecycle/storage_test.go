package lifecycle

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

func storedTracker(t *testing.T, client storage.Client) *Tracker {
	t.Helper()
	tr := NewTracker(time.Hour, 1000)
	require.NoError(t, tr.UseStorage(context.Background(), client, zap.NewNop()))
	return tr
}

func planCommit(tr *Tracker, trs ...provider.Transition) int {
	spans, commit := tr.plan(src, []provider.Event{ev(trs...)})
	commit()
	return spans.SpanCount()
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

func TestExpiryIsWrittenAndItsRecordGoesStale(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	tr := storedTracker(t, client)
	require.Zero(t, planCommit(tr, provider.Transition{Key: root, Name: "thing", Start: t0}))
	require.NoError(t, client.Set(ctx, "dedup/x", []byte("other state")))
	require.NoError(t, client.Set(ctx, closedPrefix+"unreadable", []byte("not a time")))
	ended := t0.Add(time.Hour + time.Second)
	spans, commit := tr.expire(ended)
	require.Equal(t, 1, spans.SpanCount())
	commit()
	require.Zero(t, storedTracker(t, client).Open(), "an expired lifecycle is not loaded again")

	stale := func(now time.Time) []string {
		return client.Keys(func(key string, value []byte) bool { return tr.Stale(key, value, now) })
	}
	require.ElementsMatch(t, []string{closedPrefix + "unreadable"}, stale(ended.Add(time.Hour)), "its record lives for the timeout")
	require.ElementsMatch(t, []string{closedPrefix + "unreadable", closedPrefix + root}, stale(ended.Add(time.Hour+time.Nanosecond)),
		"then it is stale; never another's state")
}

// A root's group comes back from its record as it went in: the root with
// its phases, a child, one of another source, one whose key is not under
// the root.
func TestGroupRoundTrip(t *testing.T) {
	other := src
	other.ServiceName = "renamed"
	group := map[string]open{
		root: {src: src, name: "n", start: t0, attrs: mapAttrs(map[string]string{"a": "1"}).compact(),
			steps: []step{{root + "/state", "n.s", t0, mapAttrs(map[string]string{"b": "2"}).compact()}}},
		root + "/p/1":   {src: src, root: root, name: "p", start: t0, perStart: true, withRoot: true},
		root + "/p/2":   {src: other, root: root, name: "p", end: t0.Add(time.Minute), failed: true, message: "m"},
		"elsewhere/x/1": {src: src, root: root, name: "x", start: t0.Add(time.Second), steps: []step{{"elsewhere/x/1/s", "x.s", t0, attrs{}}}},
	}
	var entries []keyed
	for key, o := range group {
		entries = append(entries, keyed{key, &o})
	}
	b := encodeGroup(root, entries)
	require.NotContains(t, string(b), root+"/", "keys under the root are kept relative to it")
	back, ok := decodeGroup(root, b)
	require.True(t, ok)
	require.Len(t, back, len(group))
	for key, o := range group {
		got := back[key]
		require.True(t, o.start.Equal(got.start) && o.end.Equal(got.end), key)
		o.start, o.end, got.start, got.end = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		for i := range o.steps {
			require.True(t, o.steps[i].at.Equal(got.steps[i].at), key)
			o.steps[i].at, got.steps[i].at = time.Time{}, time.Time{}
			if o.steps[i].attrs.len() == 0 {
				o.steps[i].attrs = got.steps[i].attrs
			}
		}
		require.Equal(t, o, got, key)
	}
	empty, ok := decodeGroup(root, nil)
	require.True(t, ok, "no record is an empty group")
	require.Empty(t, empty)
	_, ok = decodeGroup(root, []byte("not json"))
	require.False(t, ok)
}
