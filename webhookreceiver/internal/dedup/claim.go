package dedup

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/eventhooks/collector/webhookreceiver/internal/storedtime"
)

// Why claims, and what they leave open.
//
// Replicas share the dedup entries through a storage, but a storage.Client
// has no atomic check-and-set (redis_storage's Batch is a pipeline, not a
// transaction): two copies of one delivery that reach two replicas at the
// same instant both read "not seen", and both are emitted. Claims narrow that
// window to a stall; they cannot close it. Each copy, for each delivery key:
//
//  1. reads the key's claim entry (with its dedup entries, in one Batch): a
//     live claim of another copy refuses this one, to be retried later;
//  2. writes its own claim, a random nonce, and waits settle;
//  3. reads the claims again (with the dedup entries): a claim that is no
//     longer its own refuses it; otherwise it goes on with what it read.
//
// The claim entry is a register that every copy writes once, and the storage
// orders the reads and writes of one entry (redis runs its commands one at a
// time). Two copies whose writes both come before either re-reads see the
// same last writer at step 3: exactly one goes on. A copy whose first read
// comes after the other's write sees that claim and backs off at step 1.
// What remains is a copy whose read (step 1) comes before the other's write
// and whose own write comes after the other's re-read: its read-to-write gap
// exceeded settle, a stall (a GC pause, a storage call held up, a process
// descheduled). Then both go on, and the dedup entries read at step 3 save
// it only if the first copy had remembered the delivery by then.
//
// A claim is deleted when its delivery has been handled, whatever the
// outcome. One left behind by a crashed replica is ignored once it is older
// than claimLife, so that the platform's retry is not refused for ever.

// claimPrefix marks the claim entries, beside the dedup entries.
const claimPrefix = storagePrefix + "claim/"

// minClaimLife is how long a claim holds at the least: well beyond the
// handling of a delivery (Attendee gives up after 10 s, EventsAir after
// 15 s), well short of the platforms' next retries (minutes).
const minClaimLife = 30 * time.Second

// ErrClaimed is returned when another copy of the delivery, on this replica
// or another, holds a claim on it: the caller answers "retry later".
var ErrClaimed = errors.New("a copy of this delivery is being handled, retry later")

// claimLen is a claim entry's length: the time it expires, then the nonce.
const claimLen = 8 + 16

// Claims takes claims on delivery keys in a Storage, so that of copies of
// one delivery handled at once by replicas sharing it only one goes on.
type Claims struct {
	store  *Storage
	settle time.Duration
	life   time.Duration
}

// NewClaims returns Claims over store that wait settle between writing a
// claim and reading it back. settle is what each claimed delivery costs in
// latency; it should exceed the time between a storage read and the write
// that follows it.
func NewClaims(store *Storage, settle time.Duration) *Claims {
	return &Claims{store: store, settle: settle, life: max(minClaimLife, 4*settle)}
}

// Claim is one copy's claim on its delivery keys, held until Release.
type Claim struct {
	client  storage.Client
	entries []string
}

// Take claims keys for this copy of a delivery, and returns the signals
// that every key was already emitted to, among want (as Storage.Seen joined
// over the keys), read while the claim was held. When a claim of another
// copy holds one of the keys, it returns ErrClaimed. A delivery already
// emitted to every signal in want is returned at once, with no claim.
// Otherwise the claim returned must be released once the delivery is
// handled; on an error nothing is left held.
func (c *Claims) Take(ctx context.Context, keys []string, want Signals) (*Claim, Signals, error) {
	entries := make([]string, len(keys))
	for i, k := range keys {
		entries[i] = claimKey(k)
	}
	// 1. Anyone else's claim, and what was emitted already.
	claims, emitted, err := c.read(ctx, entries, keys, want)
	if err != nil {
		return nil, 0, err
	}
	if emitted == want {
		return nil, emitted, nil
	}
	now := c.store.now()
	for _, v := range claims {
		if claimLive(v, now) {
			return nil, 0, ErrClaimed
		}
	}

	// 2. This copy's claim.
	value := storedtime.Encode(now.Add(c.life))
	value = append(value, make([]byte, claimLen-len(value))...)
	_, _ = rand.Read(value[8:]) // never fails (crypto/rand's contract)
	claim := &Claim{client: c.store.client, entries: entries}
	// Until it is returned, the claim is Take's to release, some of it
	// written or all: on an error, and on a panic in the storage (a bug),
	// which would otherwise leave it to refuse the retries until it expires.
	taken := false
	defer func() {
		if !taken {
			_ = claim.Release(context.WithoutCancel(ctx))
		}
	}()
	ops := make([]*storage.Operation, len(entries))
	for i, e := range entries {
		ops[i] = storage.SetOperation(e, value)
	}
	if err := c.store.client.Batch(ctx, ops...); err != nil {
		return nil, 0, err
	}
	if err := sleep(ctx, c.settle); err != nil {
		return nil, 0, err
	}

	// 3. Still this copy's?
	claims, emitted, err = c.read(ctx, entries, keys, want)
	if err != nil {
		return nil, 0, err
	}
	lost := false
	ours := claim.entries[:0]
	for i, v := range claims {
		if bytes.Equal(v, value) {
			ours = append(ours, entries[i])
		} else {
			lost = true
		}
	}
	claim.entries = ours
	if lost {
		// Another copy wrote last: it goes on. Only the entries that are
		// still this copy's are deleted (a delivery with several keys whose
		// copies won one each: both back off, and the platform retries).
		return nil, 0, ErrClaimed
	}
	taken = true
	return claim, emitted, nil
}

// read returns the claim entries' values, and what every key was emitted
// to among want, in one Batch: the claims first.
func (c *Claims) read(ctx context.Context, entries, keys []string, want Signals) ([][]byte, Signals, error) {
	ops := make([]*storage.Operation, 0, len(entries)+len(keys)*len(signalNames))
	for _, e := range entries {
		ops = append(ops, storage.GetOperation(e))
	}
	for _, k := range keys {
		ops = append(ops, seenOperations(k)...)
	}
	if err := c.store.client.Batch(ctx, ops...); err != nil {
		return nil, 0, err
	}
	claims := make([][]byte, len(entries))
	for i := range entries {
		claims[i] = ops[i].Value
	}
	now := c.store.now()
	emitted := want
	for i := range keys {
		at := len(entries) + i*len(signalNames)
		emitted &= seenIn(ops[at:at+len(signalNames)], now)
	}
	return claims, emitted, nil
}

// Release deletes what is left of the claim. A claim that cannot be deleted
// refuses the delivery's copies until it expires.
func (cl *Claim) Release(ctx context.Context) error {
	if len(cl.entries) == 0 {
		return nil
	}
	ops := make([]*storage.Operation, len(cl.entries))
	for i, e := range cl.entries {
		ops[i] = storage.DeleteOperation(e)
	}
	cl.entries = nil
	return cl.client.Batch(ctx, ops...)
}

// claimKey is the storage key of a delivery key's claim.
func claimKey(key string) string {
	d := sha256.Sum256([]byte(key))
	return claimPrefix + hex.EncodeToString(d[:16])
}

// claimLive reports whether a claim entry's value is a claim not yet
// expired; a crashed replica's expires.
func claimLive(value []byte, now time.Time) bool {
	return len(value) == claimLen && live(value[:8], now)
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
