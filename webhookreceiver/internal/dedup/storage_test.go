package dedup

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"

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

func TestStoragePrune(t *testing.T) {
	ctx := context.Background()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	client := storagetest.NewMapClient()
	require.NoError(t, client.Set(ctx, "lifecycle/x", []byte("other state")))
	s := NewStorage(client, time.Hour, clk.now)
	for i := range 10 {
		require.NoError(t, s.Remember(ctx, fmt.Sprint("old-", i), Logs))
	}
	clk.t = clk.t.Add(30 * time.Minute)
	require.NoError(t, s.Remember(ctx, "new", Logs))
	clk.t = clk.t.Add(31 * time.Minute)
	n, err := s.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, 10, n)
	require.Equal(t, 2, client.Len(), "the new key and the other state stay")
	seen, _ := s.Seen(ctx, "new")
	require.Equal(t, Logs, seen)
}

func TestStoragePruneWithoutWalker(t *testing.T) {
	n, err := NewStorage(storage.NewNopClient(), time.Hour, nil).Prune(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
}
