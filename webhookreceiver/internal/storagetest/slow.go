package storagetest

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// SlowClient is a storage.Client whose every call takes Delay before the
// Client beneath answers: a storage across a network, for the tests and the
// load harness that show what waits on it. It does not walk, as
// redis_storage does not.
type SlowClient struct {
	storage.Client
	Delay time.Duration
}

func (c SlowClient) Get(ctx context.Context, key string) ([]byte, error) {
	time.Sleep(c.Delay)
	return c.Client.Get(ctx, key)
}

func (c SlowClient) Set(ctx context.Context, key string, value []byte) error {
	time.Sleep(c.Delay)
	return c.Client.Set(ctx, key, value)
}

func (c SlowClient) Delete(ctx context.Context, key string) error {
	time.Sleep(c.Delay)
	return c.Client.Delete(ctx, key)
}

func (c SlowClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	time.Sleep(c.Delay)
	return c.Client.Batch(ctx, ops...)
}
