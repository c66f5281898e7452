package storagetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
)

// RedisClient is a storage.Client over redis, as contrib's redis_storage
// extension is one: what the receiver's replicas share. It is for tests: the
// module mirror this project builds from lacks redis_storage at the
// collector's version, so the receiver's side of that contract is tested
// with this client over a real redis-server.
type RedisClient struct {
	rdb    *redis.Client
	prefix string
}

// NewRedisClient uses the redis at addr, its keys under prefix.
func NewRedisClient(addr, prefix string) *RedisClient {
	return &RedisClient{rdb: redis.NewClient(&redis.Options{Addr: addr}), prefix: prefix}
}

// Get implements storage.Client: nil for a missing key.
func (c *RedisClient) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.rdb.Get(ctx, c.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, err
}

// Set implements storage.Client.
func (c *RedisClient) Set(ctx context.Context, key string, value []byte) error {
	return c.rdb.Set(ctx, c.prefix+key, value, 0).Err()
}

// Delete implements storage.Client.
func (c *RedisClient) Delete(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, c.prefix+key).Err()
}

// Batch implements storage.Client, in one pipeline.
func (c *RedisClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	pipe := c.rdb.Pipeline()
	gets := map[*storage.Operation]*redis.StringCmd{}
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			gets[op] = pipe.Get(ctx, c.prefix+op.Key)
		case storage.Set:
			pipe.Set(ctx, c.prefix+op.Key, op.Value, 0)
		case storage.Delete:
			pipe.Del(ctx, c.prefix+op.Key)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for op, cmd := range gets {
		v, err := cmd.Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		op.Value = v
	}
	return nil
}

// Walk implements storage.Walker with SCAN over the client's keys.
func (c *RedisClient) Walk(ctx context.Context, fn storage.WalkFunc) error {
	var ops []*storage.Operation
	iter := c.rdb.Scan(ctx, 0, c.prefix+"*", 256).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		v, err := c.rdb.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return err
		}
		more, err := fn(strings.TrimPrefix(key, c.prefix), v)
		if errors.Is(err, storage.SkipAll) {
			break
		}
		if err != nil {
			return err
		}
		ops = append(ops, more...)
	}
	if err := iter.Err(); err != nil {
		return err
	}
	return c.Batch(ctx, ops...)
}

// Close implements storage.Client.
func (c *RedisClient) Close(context.Context) error { return c.rdb.Close() }

// StartRedis starts redis-server on a free loopback port, without
// persistence, and stops it by its PID when the test ends. Without
// redis-server it skips the test, unless CI is set (`make test` installs it).
func StartRedis(t testing.TB) (addr string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed; `make test` installs it")
		}
		t.Skip("redis-server is not installed; `make test` installs it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Stop(cmd, 5*time.Second) })
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for range 100 {
		if rdb.Ping(context.Background()).Err() == nil {
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not answer")
	return ""
}
