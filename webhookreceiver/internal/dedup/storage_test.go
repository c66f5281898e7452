package dedup

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

func TestStorageRemembersWithinWindow(t *testing.T) {
	ctx := context.Background()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	client := storagetest.NewMapClient()
	s := NewStorage(client, time.Hour, clk.now)
	seen, err := s.Seen(ctx, "a")
	require.NoError(t, err)
	require.Zero(t, seen)
	require.NoError(t, s.Remember(ctx, "a", Logs))

	// Another process over the same storage (a restart, a replica) sees it,
	// for the signal it was remembered for.
	other := NewStorage(client, time.Hour, clk.now)
	seen, err = other.Seen(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, Logs, seen)
	clk.t = clk.t.Add(30 * time.Minute)
	require.NoError(t, other.Remember(ctx, "a", Traces))
	seen, _ = s.Seen(ctx, "a")
	require.Equal(t, Logs|Traces, seen)

	clk.t = clk.t.Add(30*time.Minute + time.Second)
	seen, err = other.Seen(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, Traces, seen, "logs' entry is forgotten after the window")
	require.Equal(t, 2, client.Len(), "one entry per signal")
}

func TestStorageStale(t *testing.T) {
	ctx := context.Background()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	client := storagetest.NewMapClient()
	s := NewStorage(client, time.Hour, clk.now)
	require.NoError(t, s.Remember(ctx, "old", Logs|Traces))
	clk.t = clk.t.Add(30 * time.Minute)
	require.NoError(t, s.Remember(ctx, "new", Logs))
	require.NoError(t, client.Set(ctx, "lifecycle/x", []byte("other state")))
	require.NoError(t, client.Set(ctx, storagePrefix+"unreadable", []byte("not a time")))

	stale := func(now time.Time) []string {
		return client.Keys(func(key string, value []byte) bool { return s.Stale(key, value, now) })
	}
	unreadable := storagePrefix + "unreadable"
	require.ElementsMatch(t, []string{unreadable}, stale(clk.t))
	require.ElementsMatch(t, []string{unreadable, entryKey("logs/old"), entryKey("traces/old")}, stale(clk.t.Add(30*time.Minute)),
		"the old key's entries, at the end of its window")
	require.ElementsMatch(t, []string{unreadable, entryKey("logs/old"), entryKey("traces/old"), entryKey("logs/new")}, stale(clk.t.Add(time.Hour)),
		"then the new one's; never another's state")
}
