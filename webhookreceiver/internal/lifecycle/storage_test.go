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

func TestRecordRoundTrip(t *testing.T) {
	o := open{src: src, root: "r", name: "n", start: t0, perStart: true, withRoot: true, attrs: mapAttrs(map[string]string{"a": "1"}).compact(),
		steps: []step{{"s", "n.s", t0, mapAttrs(map[string]string{"b": "2"}).compact()}}, end: t0.Add(time.Minute), failed: true, message: "m"}
	back, ok := decodeOpen(encodeOpen(o))
	require.True(t, ok)
	require.Equal(t, o.src, back.src)
	require.True(t, o.start.Equal(back.start))
	require.Equal(t, o.attrs, back.attrs)
	require.Equal(t, o.steps[0].attrs, back.steps[0].attrs)
	require.Equal(t, []any{o.root, o.name, o.perStart, o.withRoot, o.failed, o.message}, []any{back.root, back.name, back.perStart, back.withRoot, back.failed, back.message})
	_, ok = decodeOpen([]byte("not json"))
	require.False(t, ok)
}
