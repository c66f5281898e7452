package lifecycle

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// flaky is a storage that fails every call while down is set, and panics
// while panics is.
type flaky struct {
	*storagetest.MapClient
	down, panics atomic.Bool
	calls        atomic.Int32 // while down
}

func (f *flaky) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if f.panics.Load() {
		panic("storage extension bug")
	}
	if f.down.Load() {
		f.calls.Add(1)
		return errors.New("storage unreachable")
	}
	return f.MapClient.Batch(ctx, ops...)
}

// A delivery whose lifecycle cannot be read from the storage is refused
// (the platform retries it) and writes nothing: memory alone may be behind
// another replica, and writing it back would undo that replica's work.
// Once the storage answers, the retry closes the span.
func TestUnreadableStorageRefusesTheDelivery(t *testing.T) {
	client := &flaky{MapClient: storagetest.NewMapClient()}
	tr := storedTracker(t, client)
	start := []provider.Event{ev(provider.Transition{Key: root, Name: "thing", Start: t0})}
	require.NoError(t, tr.Apply(src, start, t0, func(ptrace.Traces) error { return nil }))
	before := client.Keys(func(string, []byte) bool { return true })

	end := []provider.Event{ev(provider.Transition{Key: root, Name: "thing", End: t0.Add(time.Hour)})}
	emitted := 0
	emit := func(td ptrace.Traces) error { emitted += td.SpanCount(); return nil }
	client.down.Store(true)
	require.ErrorIs(t, tr.Apply(src, end, t0, emit), ErrStorage)
	require.Zero(t, emitted)
	require.Equal(t, int32(1), client.calls.Load(), "one read, and no write")
	client.down.Store(false)
	require.Equal(t, before, client.Keys(func(string, []byte) bool { return true }))

	require.NoError(t, tr.Apply(src, end, t0, emit), "the retry, the lifecycle's lock released")
	require.Equal(t, 1, emitted)
}

// A sweep batch whose lifecycles cannot be read waits for the next tick.
func TestUnreadableStorageDelaysExpiry(t *testing.T) {
	client := &flaky{MapClient: storagetest.NewMapClient()}
	tr := storedTracker(t, client)
	require.NoError(t, tr.Apply(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", Start: t0})}, t0, func(ptrace.Traces) error { return nil }))
	emitted := 0
	emit := func(td ptrace.Traces) error { emitted += td.SpanCount(); return nil }
	client.down.Store(true)
	require.ErrorIs(t, expireErr(tr, t0.Add(2*time.Hour), emit), ErrStorage)
	require.Zero(t, emitted)
	require.Equal(t, 1, tr.Open())
	client.down.Store(false)
	require.NoError(t, expireErr(tr, t0.Add(2*time.Hour), emit))
	require.Equal(t, 1, emitted)
	require.Zero(t, tr.Open())
}

// A panic while a delivery holds its lifecycle — in the pipeline (emit) or
// in the storage extension, while planning — lets the lifecycle's lock go:
// the receiver answers 500, and the platform's retry is applied, not
// blocked.
func TestPanicReleasesTheLifecycle(t *testing.T) {
	client := &flaky{MapClient: storagetest.NewMapClient()}
	tr := storedTracker(t, client)
	events := []provider.Event{ev(provider.Transition{Key: root, Name: "thing", Start: t0, End: t0.Add(time.Minute)})}
	require.Panics(t, func() {
		_ = tr.Apply(src, events, t0, func(ptrace.Traces) error { panic("exporter bug") })
	})
	client.panics.Store(true)
	require.Panics(t, func() { _ = tr.Apply(src, events, t0, func(ptrace.Traces) error { return nil }) })
	client.panics.Store(false)
	done := make(chan error, 1)
	go func() { done <- tr.Apply(src, events, t0, func(ptrace.Traces) error { return nil }) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the retry waits for a lock a panic never let go")
	}
}

// expireErr is Expire's error alone.
func expireErr(tr *Tracker, now time.Time, emit Emit) error {
	_, err := tr.Expire(now, emit)
	return err
}
