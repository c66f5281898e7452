package lifecycle

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// Many bots and a shared conference over three replicas sharing one slow
// storage: every delivery, and every retry of a refused one, lands on any
// replica, bots side by side, each bot's deliveries one after the other as
// its platform sends them. Together they emit exactly what one tracker
// alone emits (the serial oracle): no phase lost to a replica's stale
// memory, every child closed with its root wherever it was opened. Then
// what a replica still remembers open was closed by the others: its sweep
// drops it and emits nothing.
func TestReplicasInTurnsMatchOneTracker(t *testing.T) {
	const bots, senders, parts = 24, 8, 12
	confStart, confEnd, lives, shared := workload(bots, parts, 22)
	// The conference's participants come one after the other too: a join
	// and a leave of one stay on two replicas at the same instant would be
	// the race across replicas that the storage cannot close.
	lives = append(lives, shared)

	serial := serialRun(t, confStart, lives, confEnd)

	store := storagetest.SlowClient{Client: storagetest.NewMapClient(), Delay: 50 * time.Microsecond}
	replicas := make([]*Tracker, 3)
	for i := range replicas {
		replicas[i] = storedTracker(t, store)
	}
	concurrent := &collector{rng: rand.New(rand.NewPCG(22, 2)), refusals: 1.0 / 4}
	deliver(t, replicas[0], concurrent, confStart)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(22, uint64(s)+10))
			for i := s; i < len(lives); i += senders {
				for _, d := range lives[i] {
					// Each try lands anywhere, as behind a round-robin load balancer.
					deliverOn(t, func() *Tracker { return replicas[rng.IntN(len(replicas))] }, concurrent, d)
				}
			}
		}()
	}
	wg.Wait()
	deliver(t, replicas[1], concurrent, confEnd)

	slices.Sort(concurrent.accepted)
	require.Equal(t, serial, concurrent.accepted)
	require.Len(t, serial, bots*10+parts+1, "the oracle saw every span")
	require.Empty(t, store.Client.(*storagetest.MapClient).Keys(func(key string, value []byte) bool {
		_, g, _ := decodeGroup(strings.TrimPrefix(key, groupPrefix), value)
		return strings.HasPrefix(key, groupPrefix) && g.stats(limits{}).kept != len(g.recs)
	}), "nothing left in the storage but tombstones")
	for _, r := range replicas {
		require.NoError(t, expireErr(r, t0.Add(48*time.Hour), func(spans ptrace.Traces) error {
			return assert.AnError // nothing may be emitted: all was closed
		}))
		require.Zero(t, r.Open())
	}
}

// A root ended on one replica closes the children opened on another, which
// that other then forgets instead of expiring them.
func TestRootEndClosesChildrenOpenedElsewhere(t *testing.T) {
	client := storagetest.NewMapClient()
	a, b := storedTracker(t, client), storedTracker(t, client)
	child := provider.Transition{Key: root + "/presence/p1", Root: root, Name: "presence", Start: t0.Add(time.Minute), PerStart: true, EndsWithRoot: true}
	require.Zero(t, planCommit(a, provider.Transition{Key: root, Name: "thing", Start: t0}))
	require.Zero(t, planCommit(b, child))
	spans, commit := a.plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "thing", End: t0.Add(time.Hour)})})
	commit()
	byName := spansByName(spans)
	require.Len(t, byName["thing"], 1)
	require.Len(t, byName["presence"], 1, "opened on the other replica")
	require.Equal(t, "true", byName["presence"][0].Attributes().AsRaw()[AttrIncomplete])
	require.Equal(t, 2, b.Open(), "b does not know yet")
	expired, commit := b.expire(t0.Add(3 * time.Hour))
	require.Zero(t, expired.SpanCount())
	commit()
	require.Zero(t, b.Open())
}

// A sweep expires what the storage holds, not its own memory's copy: the
// phases another replica added are in the span, and what another replica
// moved on is expired only when it is due as moved.
func TestExpiryReadsWhatOthersWrote(t *testing.T) {
	client := storagetest.NewMapClient()
	a, b := storedTracker(t, client), storedTracker(t, client)
	stay := provider.Transition{Key: root + "/p/1", Root: root, Name: "p", PerStart: true}
	first, second := stay, stay
	first.Start, second.Start = t0, t0.Add(30*time.Minute)
	require.Zero(t, planCommit(a, provider.Transition{Key: root, Name: "thing", Start: t0}, first))
	require.Zero(t, planCommit(b, provider.Transition{Key: root + "/state", Root: root, Name: "thing.state", Step: t0.Add(time.Minute)}))
	require.Zero(t, planCommit(b, second))

	spans, commit := a.expire(t0.Add(time.Hour + time.Second))
	byName := spansByName(spans)
	require.Len(t, byName["thing"], 1)
	require.Len(t, byName["thing.state"], 1, "the phase added on b")
	require.Len(t, byName["p"], 1, "the first stay, not the one b opened later, not due yet")
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(30*time.Minute)), byName["p"][0].EndTimestamp(), "ended where the next began")
	commit()
	require.Equal(t, 1, a.Open(), "a knows the later stay now")
	spans, commit = a.expire(t0.Add(90*time.Minute + time.Second))
	require.Len(t, spansByName(spans)["p"], 1)
	commit()
	require.Zero(t, a.Open())
	require.Zero(t, storedTracker(t, client).Open(), "nothing left open in the storage")
}

// A record of the form releases before the groups wrote (one lifecycle per
// key) is not loaded, and is stale at once: the receiver's walk deletes it.
func TestTheEarlierRecordsAreStale(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	require.NoError(t, client.Set(ctx, openPrefix+root, []byte(`{"Provider":"demo","Root":"","Name":"thing","Start":"2025-07-15T14:00:00Z"}`)))
	require.NoError(t, client.Set(ctx, "dedup/x", []byte("other state")))
	tr := storedTracker(t, client)
	require.Zero(t, tr.Open())
	require.Equal(t, []string{openPrefix + root}, client.Keys(func(key string, value []byte) bool { return tr.Stale(key, value, t0) }))
}

// calls counts the calls made to the storage beneath: Get, Set and Delete
// each one, a Batch one whatever it holds. It does not walk.
type calls struct {
	storage.Client
	mu sync.Mutex
	n  int
}

func (c *calls) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = 0
	return n
}

func (c *calls) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *calls) Get(ctx context.Context, key string) ([]byte, error) {
	c.add()
	return c.Client.Get(ctx, key)
}

func (c *calls) Set(ctx context.Context, key string, value []byte) error {
	c.add()
	return c.Client.Set(ctx, key, value)
}

func (c *calls) Delete(ctx context.Context, key string) error {
	c.add()
	return c.Client.Delete(ctx, key)
}

func (c *calls) Batch(ctx context.Context, ops ...*storage.Operation) error {
	c.add()
	return c.Client.Batch(ctx, ops...)
}

// What a network storage's round trips cost is counted: a delivery reads
// all its roots' groups, and the closes its starts ask for, in one call, and
// writes back what it changed in one more; one that changes nothing writes
// nothing, one that touches no root reads nothing; a sweep batch reads and
// writes once whatever it expires.
func TestOneReadAndOneWriteADelivery(t *testing.T) {
	store := &calls{Client: storagetest.NewMapClient()}
	tr := storedTracker(t, store)
	other := "demo/thing/2"
	require.Zero(t, planCommit(tr,
		provider.Transition{Key: root, Name: "thing", Start: t0},
		provider.Transition{Key: root + "/state", Root: root, Name: "thing.state", Step: t0},
		provider.Transition{Key: root + "/p/1", Root: root, Name: "p", Start: t0, EndsWithRoot: true},
		provider.Transition{Key: other, Name: "thing", Start: t0}))
	require.Equal(t, 2, store.count(), "two roots, three starts: one read, one write")
	require.Equal(t, 1, planCommit(tr, provider.Transition{Key: root + "/u/1", Root: root, Name: "u", Start: t0, End: t0.Add(time.Second)}))
	require.Equal(t, 2, store.count(), "an utterance leaves its tombstone: one read, one write")
	require.Zero(t, planCommit(tr))
	require.Zero(t, store.count(), "no root, no call")
	require.Equal(t, 3, planCommit(tr, provider.Transition{Key: root, Name: "thing", End: t0.Add(time.Minute)}))
	require.Equal(t, 2, store.count(), "the root, its phase and its child closed: one read, one write")

	for i := range 50 {
		require.Zero(t, planCommit(tr, provider.Transition{Key: fmt.Sprint("demo/many/", i), Name: "thing", Start: t0}))
	}
	store.count()
	emitted := 0
	_, err := tr.Expire(t0.Add(2*time.Hour), func(td ptrace.Traces) error { emitted += td.SpanCount(); return nil })
	require.NoError(t, err)
	require.Equal(t, 51, emitted)
	require.Equal(t, 4, store.count(), "a sweep batch of 51 roots: a read and a write to hand them over, a read and a write once taken")
}
