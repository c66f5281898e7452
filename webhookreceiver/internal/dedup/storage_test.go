package dedup

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// mapClient is a storage.Client over a map, walkable as file_storage is.
type mapClient struct {
	mu      sync.Mutex
	entries map[string][]byte
}

func newMapClient() *mapClient { return &mapClient{entries: map[string][]byte{}} }

func (c *mapClient) Get(_ context.Context, k string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[k], nil
}

func (c *mapClient) Set(_ context.Context, k string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[k] = append([]byte(nil), v...)
	return nil
}

func (c *mapClient) Delete(_ context.Context, k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
	return nil
}

func (c *mapClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (c *mapClient) Close(context.Context) error { return nil }

func (c *mapClient) Walk(ctx context.Context, fn storage.WalkFunc) error {
	c.mu.Lock()
	var ops []*storage.Operation
	for k, v := range c.entries {
		more, err := fn(k, v)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		ops = append(ops, more...)
	}
	c.mu.Unlock()
	return c.Batch(ctx, ops...)
}

func (c *mapClient) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func TestStorageRemembersWithinWindow(t *testing.T) {
	ctx := context.Background()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	client := newMapClient()
	s := NewStorage(client, time.Hour, clk.now)
	seen, err := s.Seen(ctx, "a")
	require.NoError(t, err)
	require.False(t, seen)
	require.NoError(t, s.Remember(ctx, "a"))

	// Another process over the same storage (a restart, a replica) sees it.
	other := NewStorage(client, time.Hour, clk.now)
	seen, err = other.Seen(ctx, "a")
	require.NoError(t, err)
	require.True(t, seen)

	clk.t = clk.t.Add(time.Hour + time.Second)
	seen, err = other.Seen(ctx, "a")
	require.NoError(t, err)
	require.False(t, seen, "forgotten after the window")
}

func TestStoragePrune(t *testing.T) {
	ctx := context.Background()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	client := newMapClient()
	require.NoError(t, client.Set(ctx, "lifecycle/x", []byte("other state")))
	s := NewStorage(client, time.Hour, clk.now)
	for i := range 10 {
		require.NoError(t, s.Remember(ctx, fmt.Sprint("old-", i)))
	}
	clk.t = clk.t.Add(30 * time.Minute)
	require.NoError(t, s.Remember(ctx, "new"))
	clk.t = clk.t.Add(31 * time.Minute)
	n, err := s.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, 10, n)
	require.Equal(t, 2, client.len(), "the new key and the other state stay")
	seen, _ := s.Seen(ctx, "new")
	require.True(t, seen)
}

func TestStoragePruneWithoutWalker(t *testing.T) {
	n, err := NewStorage(storage.NewNopClient(), time.Hour, nil).Prune(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
}
