package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// The faults of issue 28, one test each: each failed on the engine before
// it wrote before committing, looked at closed records for ends, dropped
// permanently refused expiry batches and let a panicking sweep's roots go.

// unwritable is a storage that reads, and fails every call that writes
// while down is set.
type unwritable struct {
	*storagetest.MapClient
	down atomic.Bool
}

func (u *unwritable) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if u.down.Load() {
		for _, op := range ops {
			if op.Type != storage.Get {
				return errors.New("storage refuses writes")
			}
		}
	}
	return u.MapClient.Batch(ctx, ops...)
}

// spanCounter counts what it accepts, by span name.
type spanCounter map[string]int

func (c spanCounter) emit(td ptrace.Traces) error {
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				c[s.Name()]++
			}
		}
	}
	return nil
}

var (
	botStart = provider.Transition{Key: "demo/bot/1", Name: "bot", Start: t0}
	guestIn  = provider.Transition{Key: "demo/bot/1/guest/g", Root: "demo/bot/1", Name: "guest", Start: t0.Add(time.Minute), PerStart: true, EndsWithRoot: true}
	guestOut = provider.Transition{Key: "demo/bot/1/guest/g", Root: "demo/bot/1", Name: "guest", End: t0.Add(5 * time.Minute), PerStart: true, EndsWithRoot: true}
	botEnd   = provider.Transition{Key: "demo/bot/1", Name: "bot", End: t0.Add(10 * time.Minute)}
)

// 1. A failed write is a retryable answer and leaves memory as the storage
// is: the bot's end is refused, its retry closes it without emitting again
// what the refused one emitted, and nothing that follows brings it back (a
// late event under it, the timeout).
func TestFailedWriteIsRefusedAndResurrectsNothing(t *testing.T) {
	client := &unwritable{MapClient: storagetest.NewMapClient()}
	tr := storedTracker(t, client)
	spans := spanCounter{}
	require.NoError(t, tr.Apply(src, []provider.Event{ev(botStart), ev(guestIn)}, t0, spans.emit))

	client.down.Store(true)
	require.ErrorIs(t, tr.Apply(src, []provider.Event{ev(botEnd)}, t0, spans.emit), ErrStorage, "answered 503")
	require.Equal(t, 2, tr.Open(), "memory stays as the storage is")
	client.down.Store(false)
	require.NoError(t, tr.Apply(src, []provider.Event{ev(botEnd)}, t0, spans.emit), "the platform's retry")
	require.Zero(t, tr.Open())

	require.NoError(t, tr.Apply(src, []provider.Event{ev(guestOut)}, t0, spans.emit), "a late event under the bot")
	require.NoError(t, expireErr(tr, t0.Add(48*time.Hour), spans.emit))
	require.Zero(t, tr.Open())
	require.Equal(t, spanCounter{"bot": 1, "guest": 1}, spans, "emitted by the refused end, not again by its retry, nor by the timeout")
	require.Empty(t, tr.unsettled, "the retry's write forgot them")
	require.Empty(t, client.Keys(func(k string, _ []byte) bool { return k == groupPrefix+botStart.Key }), "nothing open in the storage")
}

// 1'. An expiry batch that cannot write waits for the next sweep, and does
// not emit again what it emitted.
func TestFailedExpiryWriteEmitsOnce(t *testing.T) {
	client := &unwritable{MapClient: storagetest.NewMapClient()}
	tr := storedTracker(t, client)
	spans := spanCounter{}
	require.NoError(t, tr.Apply(src, []provider.Event{ev(botStart)}, t0, spans.emit))
	client.down.Store(true)
	require.ErrorIs(t, expireErr(tr, t0.Add(48*time.Hour), spans.emit), ErrStorage)
	require.Equal(t, 1, tr.Open())
	client.down.Store(false)
	require.NoError(t, expireErr(tr, t0.Add(49*time.Hour), spans.emit))
	require.Zero(t, tr.Open())
	require.Equal(t, spanCounter{"bot": 1}, spans)
	require.Empty(t, tr.unsettled)
}

// 2. An end that arrives after its span was closed (a guest's leave,
// refused and retried after the bot's end closed the guest) is a log, not
// a second span, here and on a replica that reads the close from the
// storage. An end after the close belongs to the same stay: the latest
// started before it.
func TestLateEndOfAClosedSpan(t *testing.T) {
	for _, replica := range []bool{false, true} {
		t.Run(fmt.Sprint("replica ", replica), func(t *testing.T) {
			client := storagetest.NewMapClient()
			tr := storedTracker(t, client)
			spans := spanCounter{}
			require.NoError(t, tr.Apply(src, []provider.Event{ev(botStart), ev(guestIn), ev(botEnd)}, t0, spans.emit))
			require.Equal(t, spanCounter{"bot": 1, "guest": 1}, spans)
			late := tr
			if replica {
				late = storedTracker(t, client)
			}
			require.NoError(t, late.Apply(src, []provider.Event{ev(guestOut)}, t0, spans.emit))
			require.Zero(t, late.Open(), "nothing waits")
			after := guestOut
			after.End = botEnd.End.Add(time.Minute)
			require.NoError(t, late.Apply(src, []provider.Event{ev(after)}, t0, spans.emit))
			require.Zero(t, late.Open(), "an end after the bot's: the stay the bot's end closed")
			require.NoError(t, expireErr(late, t0.Add(48*time.Hour), spans.emit))
			require.Equal(t, spanCounter{"bot": 1, "guest": 1}, spans, "no second guest span")
		})
	}
}

// 3. A batch the pipeline refuses for good is dropped and counted, and the
// sweep goes on with the others; a refusal for now stops it.
func TestPermanentlyRefusedExpiryIsDropped(t *testing.T) {
	tr := NewTracker(time.Hour, 0, 1<<20)
	for i := range sweepBatch + 500 {
		require.NoError(t, tr.Apply(src, []provider.Event{ev(provider.Transition{Key: fmt.Sprint("demo/bot/", i), Name: "bot", Start: t0})}, t0, spanCounter{}.emit))
	}
	spans, calls := spanCounter{}, 0
	emit := func(td ptrace.Traces) error {
		if calls++; calls == 1 {
			return consumererror.NewPermanent(errors.New("the exporter cannot take these"))
		}
		return spans.emit(td)
	}
	dropped, err := tr.Expire(t0.Add(2*time.Hour), emit)
	require.NoError(t, err)
	require.Equal(t, sweepBatch, dropped)
	require.Equal(t, spanCounter{"bot": 500}, spans, "the rest expired")
	require.Zero(t, tr.Open())

	require.NoError(t, tr.Apply(src, []provider.Event{ev(provider.Transition{Key: "demo/bot/another", Name: "bot", Start: t0})}, t0, spans.emit))
	dropped, err = tr.Expire(t0.Add(3*time.Hour), func(ptrace.Traces) error { return errors.New("memory_limiter") })
	require.Error(t, err)
	require.Zero(t, dropped)
	require.Zero(t, tr.Open(), "closed all the same: max_open holds whatever the pipeline answers")
	require.Equal(t, spanCounter{"bot": 500}, spans)
	dropped, err = tr.Expire(t0.Add(3*time.Hour), spans.emit)
	require.NoError(t, err)
	require.Zero(t, dropped)
	require.Equal(t, spanCounter{"bot": 501}, spans, "emitted by the next sweep")
}

// 4. A panic while a sweep plans (a storage extension's bug) lets the roots
// of its batch go: deliveries to them are not blocked for ever.
func TestPanicWhileExpiringReleasesTheRoots(t *testing.T) {
	client := &flaky{MapClient: storagetest.NewMapClient()}
	tr := storedTracker(t, client)
	require.NoError(t, tr.Apply(src, []provider.Event{ev(botStart)}, t0, spanCounter{}.emit))
	client.panics.Store(true)
	require.Panics(t, func() { _, _ = tr.Expire(t0.Add(48*time.Hour), spanCounter{}.emit) })
	client.panics.Store(false)
	done := make(chan error, 1)
	go func() { done <- tr.Apply(src, []provider.Event{ev(botEnd)}, t0, spanCounter{}.emit) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the bot's lock was never let go")
	}
}

// 5. With replicas, max_open counts what the storage has open: lifecycles
// another replica closed are not counted, and live ones are not cut for
// them. Replica a sees four bots open and may keep two; replica b ends the
// two newest; a's sweep closes nothing.
func TestMaxOpenCountsTheStorage(t *testing.T) {
	client := storagetest.NewMapClient()
	a, b := storedTracker(t, client), storedTracker(t, client)
	a.maxOpen = 2
	spans := spanCounter{}
	bot := func(n int) string { return fmt.Sprint("demo/bot/", n) }
	for n := range 4 {
		require.NoError(t, a.Apply(src, []provider.Event{ev(provider.Transition{Key: bot(n), Name: "bot", Start: t0.Add(time.Duration(n) * time.Minute)})}, t0, spans.emit))
	}
	for _, n := range []int{2, 3} {
		require.NoError(t, b.Apply(src, []provider.Event{ev(provider.Transition{Key: bot(n), Name: "bot", End: t0.Add(10 * time.Minute)})}, t0, spans.emit))
	}
	require.Equal(t, spanCounter{"bot": 2}, spans)
	require.Equal(t, 4, a.Open(), "a has not seen them end")

	require.NoError(t, expireErr(a, t0.Add(20*time.Minute), spans.emit))
	require.Equal(t, spanCounter{"bot": 2}, spans, "no live bot cut for max_open")
	require.Equal(t, 2, a.Open())

	require.NoError(t, a.Apply(src, []provider.Event{ev(provider.Transition{Key: bot(9), Name: "bot", Start: t0.Add(30 * time.Minute)})}, t0, spans.emit))
	require.NoError(t, expireErr(a, t0.Add(31*time.Minute), spans.emit))
	require.Equal(t, spanCounter{"bot": 3}, spans, "really over max_open: the oldest is closed")
	require.Equal(t, 2, a.Open())
}
