package dedup

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// hookedClient runs before and after (when set) around every Batch.
type hookedClient struct {
	*storagetest.MapClient
	before, after func(ops []*storage.Operation)
}

func (c hookedClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if c.before != nil {
		c.before(ops)
	}
	err := c.MapClient.Batch(ctx, ops...)
	if c.after != nil {
		c.after(ops)
	}
	return err
}

// isRead reports whether ops only read: a claim's reads, not its write
// or its release.
func isRead(ops []*storage.Operation) bool {
	for _, op := range ops {
		if op.Type != storage.Get {
			return false
		}
	}
	return true
}

func claimEntries(client *storagetest.MapClient) []string {
	return client.Keys(func(key string, _ []byte) bool { return strings.HasPrefix(key, claimPrefix) })
}

// A claim held refuses the other copies, on any replica; released, it
// refuses no more, and what the first copy remembered is read.
func TestClaimRefusesAnotherCopy(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	a, b := NewStorage(client, time.Hour, nil), NewStorage(client, time.Hour, nil)
	ca, cb := NewClaims(a, time.Millisecond), NewClaims(b, time.Millisecond)

	claim, emitted, err := ca.Take(ctx, []string{"k"}, Logs|Traces)
	require.NoError(t, err)
	require.NotNil(t, claim)
	require.Zero(t, emitted)
	require.Len(t, claimEntries(client), 1)

	_, _, err = cb.Take(ctx, []string{"k"}, Logs|Traces)
	require.ErrorIs(t, err, ErrClaimed)
	_, _, err = cb.Take(ctx, []string{"other", "k"}, Logs)
	require.ErrorIs(t, err, ErrClaimed, "a delivery sharing one of its keys")
	require.Len(t, claimEntries(client), 1, "a refused copy leaves nothing behind")

	require.NoError(t, a.Remember(ctx, "k", Logs))
	require.NoError(t, claim.Release(ctx))
	require.Empty(t, claimEntries(client))

	claim, emitted, err = cb.Take(ctx, []string{"k"}, Logs|Traces)
	require.NoError(t, err)
	require.NotNil(t, claim, "traces still want it")
	require.Equal(t, Logs, emitted)
	require.NoError(t, claim.Release(ctx))

	require.NoError(t, b.Remember(ctx, "k", Traces))
	claim, emitted, err = cb.Take(ctx, []string{"k"}, Logs|Traces)
	require.NoError(t, err)
	require.Nil(t, claim, "a duplicate needs no claim, and waits for none")
	require.Equal(t, Logs|Traces, emitted)
	require.Empty(t, claimEntries(client))
}

// Two copies that both read before either writes: both write, and the one
// that wrote last goes on; the other backs off without deleting its claim.
func TestClaimLastWriterGoesOn(t *testing.T) {
	for range 20 {
		client := storagetest.NewMapClient()
		var reads sync.WaitGroup
		reads.Add(2)
		var once [2]sync.Once
		claims := make([]*Claims, 2)
		for i := range claims {
			hooked := hookedClient{MapClient: client, after: func(ops []*storage.Operation) {
				if isRead(ops) {
					once[i].Do(func() { reads.Done(); reads.Wait() }) // both have read
				}
			}}
			claims[i] = NewClaims(NewStorage(hooked, time.Hour, nil), 20*time.Millisecond)
		}
		var wg sync.WaitGroup
		got := make([]*Claim, 2)
		errs := make([]error, 2)
		for i := range claims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _, errs[i] = claims[i].Take(context.Background(), []string{"k"}, Logs)
			}()
		}
		wg.Wait()
		winner := 0
		if got[0] == nil {
			winner = 1
		}
		require.NotNil(t, got[winner], "one goes on")
		require.NoError(t, errs[winner])
		require.Nil(t, got[1-winner], "only one")
		require.ErrorIs(t, errs[1-winner], ErrClaimed)
		require.Len(t, claimEntries(client), 1, "the winner's claim stays")
		require.NoError(t, got[winner].Release(context.Background()))
		require.Empty(t, claimEntries(client))
	}
}

// What claims leave open: a copy stalled between its read and its write
// for longer than settle, while the other went through, goes on as well.
// Only the dedup entries, read after the claim, can catch it, when the other
// copy remembered the delivery in the meantime.
func TestClaimStallIsTheWindowLeft(t *testing.T) {
	for _, remembered := range []bool{false, true} {
		client := storagetest.NewMapClient()
		b := NewStorage(client, time.Hour, nil)
		other := NewClaims(b, time.Millisecond)
		stalled := false
		hooked := hookedClient{MapClient: client, before: func(ops []*storage.Operation) {
			if !stalled && isRead(ops) {
				return
			}
			if !stalled { // a's write, after its first read: b goes through meanwhile
				stalled = true
				claim, _, err := other.Take(context.Background(), []string{"k"}, Logs)
				require.NoError(t, err)
				if remembered {
					require.NoError(t, b.Remember(context.Background(), "k", Logs))
				}
				require.NoError(t, claim.Release(context.Background()))
			}
		}}
		claim, emitted, err := NewClaims(NewStorage(hooked, time.Hour, nil), time.Millisecond).Take(context.Background(), []string{"k"}, Logs)
		require.NoError(t, err, "the stalled copy goes on too")
		require.NotNil(t, claim)
		if remembered {
			require.Equal(t, Logs, emitted, "and finds the delivery emitted: a duplicate")
		} else {
			require.Zero(t, emitted, "emitted twice")
		}
		require.NoError(t, claim.Release(context.Background()))
	}
}

// A claim left by a crashed replica refuses copies only until it expires.
func TestClaimOfACrashedReplicaExpires(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	crashed := NewClaims(NewStorage(client, time.Hour, clk.now), time.Millisecond)
	_, _, err := crashed.Take(ctx, []string{"k"}, Logs)
	require.NoError(t, err) // and never released

	live := NewClaims(NewStorage(client, time.Hour, clk.now), time.Millisecond)
	_, _, err = live.Take(ctx, []string{"k"}, Logs)
	require.ErrorIs(t, err, ErrClaimed)
	clk.t = clk.t.Add(minClaimLife - time.Second)
	_, _, err = live.Take(ctx, []string{"k"}, Logs)
	require.ErrorIs(t, err, ErrClaimed, "still within its life")

	clk.t = clk.t.Add(time.Second)
	claim, _, err := live.Take(ctx, []string{"k"}, Logs)
	require.NoError(t, err, "taken over")
	require.NoError(t, claim.Release(ctx))
	require.Empty(t, claimEntries(client))

	// A long settle lengthens the life: a claim outlives its settle by far.
	require.Equal(t, 4*time.Minute, NewClaims(nil, time.Minute).life)
}

// The storage's walk deletes claims past their life, and only those.
func TestClaimStale(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	clk := &clock{time.Unix(1_700_000_000, 0)}
	s := NewStorage(client, time.Hour, clk.now)
	_, _, err := NewClaims(s, time.Millisecond).Take(ctx, []string{"k"}, Logs)
	require.NoError(t, err)
	require.NoError(t, client.Set(ctx, claimPrefix+"unreadable", []byte("12345678")))
	stale := func(now time.Time) []string {
		return client.Keys(func(key string, value []byte) bool { return s.Stale(key, value, now) })
	}
	require.Equal(t, []string{claimPrefix + "unreadable"}, stale(clk.t))
	require.ElementsMatch(t, []string{claimPrefix + "unreadable", claimKey("k")}, stale(clk.t.Add(minClaimLife)))
}

// A copy whose request is cancelled while it waits leaves no claim.
func TestClaimCancelledLeavesNothing(t *testing.T) {
	client := storagetest.NewMapClient()
	ctx, cancel := context.WithCancel(context.Background())
	hooked := hookedClient{MapClient: client, before: func(ops []*storage.Operation) {
		if ops[0].Type == storage.Set {
			cancel()
		}
	}}
	_, _, err := NewClaims(NewStorage(hooked, time.Hour, nil), time.Hour).Take(ctx, []string{"k"}, Logs)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, claimEntries(client))
}
