package dedup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/eventhooks/collector/webhookreceiver/internal/storedtime"
)

// storagePrefix marks the receiver's dedup entries in a storage shared with
// other state.
const storagePrefix = "dedup/"

// Storage is a Store in a collector storage extension (file_storage on one
// machine, redis_storage shared by replicas): each key is an entry holding
// the time it expires. Stale tells the entries past it, for the receiver to
// delete when the client can walk its entries (file_storage can); otherwise
// the storage's own expiry bounds it (set redis_storage's expiration to at
// least the window).
type Storage struct {
	client storage.Client
	window time.Duration
	now    func() time.Time
}

// NewStorage returns a Store over client remembering keys for window. now
// is the clock; time.Now when nil.
func NewStorage(client storage.Client, window time.Duration, now func() time.Time) *Storage {
	if now == nil {
		now = time.Now
	}
	return &Storage{client: client, window: window, now: now}
}

// entryKey is the storage key of a delivery key: its SHA-256 (16 bytes of
// it), stable across restarts and replicas, so that the entries have one
// size whatever the keys.
func entryKey(key string) string {
	d := sha256.Sum256([]byte(key))
	return storagePrefix + hex.EncodeToString(d[:16])
}

// signalNames name the signals in entry keys: each signal's entry is its
// own, so that replicas remembering different signals of one delivery at
// once never overwrite each other.
var signalNames = [...]struct {
	signal Signals
	name   string
}{{Logs, "logs/"}, {Traces, "traces/"}}

// Seen implements Store: the entries of every signal, in one batch.
func (s *Storage) Seen(ctx context.Context, key string) (Signals, error) {
	ops := seenOperations(key)
	if err := s.client.Batch(ctx, ops...); err != nil {
		return 0, err
	}
	return seenIn(ops, s.now()), nil
}

// seenOperations reads the entries of every signal of key, in the order of
// signalNames.
func seenOperations(key string) []*storage.Operation {
	ops := make([]*storage.Operation, len(signalNames))
	for i, sn := range signalNames {
		ops[i] = storage.GetOperation(entryKey(sn.name + key))
	}
	return ops
}

// seenIn returns the signals whose entries, read by seenOperations, are live.
func seenIn(ops []*storage.Operation, now time.Time) Signals {
	var seen Signals
	for i, sn := range signalNames {
		if live(ops[i].Value, now) {
			seen |= sn.signal
		}
	}
	return seen
}

// Remember implements Store.
func (s *Storage) Remember(ctx context.Context, key string, signals Signals) error {
	expires := storedtime.Encode(s.now().Add(s.window))
	var ops []*storage.Operation
	for _, sn := range signalNames {
		if signals&sn.signal != 0 {
			ops = append(ops, storage.SetOperation(entryKey(sn.name+key), expires))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	return s.client.Batch(ctx, ops...)
}

// Stale reports whether an entry of the storage is a delivery key past its
// window, a claim past its life (left by a crashed replica), or one no
// longer readable: no one asks for it again.
func (s *Storage) Stale(key string, value []byte, now time.Time) bool {
	switch {
	case strings.HasPrefix(key, claimPrefix):
		return !claimLive(value, now)
	case strings.HasPrefix(key, storagePrefix):
		return !live(value, now)
	}
	return false
}

// live reports whether an entry's value is a time of expiry still ahead.
func live(value []byte, now time.Time) bool {
	expires, ok := storedtime.Decode(value)
	return ok && now.Before(expires)
}
