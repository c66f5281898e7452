package dedup

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// seen reports whether key was remembered for logs.
func seen(t *testing.T, m *Memory, key string) bool {
	t.Helper()
	s, err := m.Seen(context.Background(), key)
	require.NoError(t, err)
	return s&Logs != 0
}

func TestMemoryRemembersWithinWindow(t *testing.T) {
	c := &clock{time.Unix(1_700_000_000, 0)}
	m := NewMemory(time.Hour, 100, c.now)
	require.False(t, seen(t, m, "a"))
	require.NoError(t, m.Remember(context.Background(), "a", Logs))
	require.True(t, seen(t, m, "a"))
	require.False(t, seen(t, m, "b"))

	c.t = c.t.Add(59 * time.Minute)
	require.True(t, seen(t, m, "a"), "still within the window")
	c.t = c.t.Add(16*time.Minute + time.Second) // window plus one generation
	require.False(t, seen(t, m, "a"), "forgotten after the window")
	require.Equal(t, 0, m.Len())
}

func TestMemoryForgetsAfterLongIdle(t *testing.T) {
	c := &clock{time.Unix(1_700_000_000, 0)}
	m := NewMemory(time.Hour, 100, c.now)
	require.NoError(t, m.Remember(context.Background(), "a", Logs))
	c.t = c.t.Add(1000 * time.Hour)
	require.False(t, seen(t, m, "a"))
	require.NoError(t, m.Remember(context.Background(), "b", Logs))
	c.t = c.t.Add(30 * time.Minute)
	require.True(t, seen(t, m, "b"), "generations restart from the idle time, not the old one")
}

func TestMemoryIsBounded(t *testing.T) {
	c := &clock{time.Unix(1_700_000_000, 0)}
	m := NewMemory(time.Hour, 100, c.now)
	for i := range 1000 {
		require.NoError(t, m.Remember(context.Background(), fmt.Sprint("key-", i), Logs))
		require.LessOrEqual(t, m.Len(), 100)
	}
	require.True(t, seen(t, m, "key-999"), "the newest keys stay")
	require.False(t, seen(t, m, "key-0"), "the oldest go first")
}

// Each signal is remembered on its own: a key remembered for logs is not
// seen for traces, and one remembered for both in different generations is
// seen for both.
func TestMemorySignals(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Unix(1_700_000_000, 0)}
	m := NewMemory(time.Hour, 100, c.now)
	require.NoError(t, m.Remember(ctx, "a", Logs))
	s, err := m.Seen(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, Logs, s)

	c.t = c.t.Add(30 * time.Minute) // two generations later
	require.NoError(t, m.Remember(ctx, "a", Traces))
	s, _ = m.Seen(ctx, "a")
	require.Equal(t, Logs|Traces, s)

	c.t = c.t.Add(46 * time.Minute) // logs' entry left the window, traces' not
	s, _ = m.Seen(ctx, "a")
	require.Equal(t, Traces, s)

	require.NoError(t, m.Remember(ctx, "b", Logs|Traces))
	s, _ = m.Seen(ctx, "b")
	require.Equal(t, Logs|Traces, s)
}

func TestMemoryRememberTwiceCountsOnce(t *testing.T) {
	m := NewMemory(time.Hour, 100, nil)
	require.NoError(t, m.Remember(context.Background(), "a", Logs))
	require.NoError(t, m.Remember(context.Background(), "a", Logs))
	require.Equal(t, 1, m.Len())
}

// BenchmarkMemoryMillionKeys reports the heap that one million remembered
// delivery keys take (the goal: under 150 MB).
func BenchmarkMemoryMillionKeys(b *testing.B) {
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := NewMemory(72*time.Hour, 1_000_000, nil)
		for i := range 1_000_000 {
			_ = m.Remember(context.Background(), fmt.Sprintf("3e0f3c42-5f6b-4e8a-9d0e-%012d", i), Logs|Traces)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(after.HeapAlloc - before.HeapAlloc)
		b.ReportMetric(heap/1e6, "MB/1M-keys")
		b.ReportMetric(heap/float64(m.Len()), "B/key")
		runtime.KeepAlive(m)
	}
}

func BenchmarkMemorySeenRemember(b *testing.B) {
	m := NewMemory(72*time.Hour, 1_000_000, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for i := range b.N {
		k := fmt.Sprint("delivery-", i)
		_, _ = m.Seen(ctx, k)
		_ = m.Remember(ctx, k, Logs)
	}
}
