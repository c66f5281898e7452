// Package storagetest has a storage.Client for tests: a map, shared by as
// many users as a test gives it to.
package storagetest

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Extension is a storage extension that hands out Client to every caller.
type Extension struct {
	component.StartFunc
	component.ShutdownFunc
	Client storage.Client
}

func (e Extension) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return e.Client, nil
}

// MapClient is a storage.Client over a map, walkable as file_storage is;
// several receivers given the same MapClient share it as replicas share a
// redis_storage.
type MapClient struct {
	mu      sync.Mutex
	entries map[string][]byte
}

// NewMapClient returns an empty MapClient.
func NewMapClient() *MapClient { return &MapClient{entries: map[string][]byte{}} }

func (c *MapClient) Get(_ context.Context, k string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[k], nil
}

func (c *MapClient) Set(_ context.Context, k string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[k] = append([]byte(nil), v...)
	return nil
}

func (c *MapClient) Delete(_ context.Context, k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
	return nil
}

func (c *MapClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apply(ops)
	return nil
}

// apply runs ops under c.mu.
func (c *MapClient) apply(ops []*storage.Operation) {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = c.entries[op.Key]
		case storage.Set:
			c.entries[op.Key] = append([]byte(nil), op.Value...)
		case storage.Delete:
			delete(c.entries, op.Key)
		}
	}
}

func (c *MapClient) Close(context.Context) error { return nil }

// Walk applies what fn returns in the same critical section it reads in, as
// file_storage does in one transaction: nothing written meanwhile is lost.
func (c *MapClient) Walk(_ context.Context, fn storage.WalkFunc) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ops []*storage.Operation
	for k, v := range c.entries {
		more, err := fn(k, v)
		if err != nil {
			return err
		}
		ops = append(ops, more...)
	}
	c.apply(ops)
	return nil
}

// Len is how many entries the client holds.
func (c *MapClient) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Keys returns the keys of the entries that match.
func (c *MapClient) Keys(match func(key string, value []byte) bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var keys []string
	for k, v := range c.entries {
		if match(k, v) {
			keys = append(keys, k)
		}
	}
	return keys
}
