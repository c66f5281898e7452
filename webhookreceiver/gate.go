package webhookreceiver

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
)

// deliveryGate decides, by its delivery keys, whether a delivery goes on, and
// remembers what each signal emitted of it. Three things in turn tell a
// delivery from its copies: the keys being handled on this collector (a
// platform that timed out and retried meanwhile), with dedup.claim_settle a
// claim in the storage (a copy on another replica), and the dedup store
// (what was emitted before). The handler holds one pass through it per
// delivery, and leaves it however the delivery ends.
type deliveryGate struct {
	inflight inflight
	store    dedup.Store
	claims   *dedup.Claims // nil without a storage or dedup.claim_settle
	// durable: the store is a storage, written even when the request was
	// cancelled meanwhile (its retry is then a duplicate).
	durable bool
	logger  *zap.Logger
}

// pass is one delivery through the gate, holding its keys from enter's
// return until leave.
// The keys themselves are the caller's, given to each call: held here, the
// claim's leaving to the heap would take their slice with it.
type pass struct {
	g     *deliveryGate
	claim *dedup.Claim
	held  bool
}

// enter takes the delivery's keys and reads which of the signals in want
// already emitted it. A non-zero answer refuses the delivery for now (a
// copy is being handled, or the store could not be read); err is then the
// store's failure, if that is why.
func (g *deliveryGate) enter(ctx context.Context, keys []string, want dedup.Signals) (p pass, emitted dedup.Signals, a answer, err error) {
	p = pass{g: g}
	if !g.inflight.acquire(keys) {
		return p, 0, answer{status: http.StatusServiceUnavailable, outcome: outcomeRefused, message: "a copy of this delivery is being handled, retry later"}, nil
	}
	// The keys are enter's to release until the pass holds them: a storage
	// that panics (a bug) must not leave them held, or every retry of the
	// delivery is refused as in flight until a restart. The panic goes on,
	// with its stack, to the handler's recover.
	defer func() {
		if !p.held {
			g.inflight.release(keys)
		}
	}()
	if g.claims == nil {
		emitted, err = g.emitted(ctx, keys, want)
	} else {
		// A copy on another replica is told apart by a claim in the
		// storage (internal/dedup/claim.go), released by leave.
		p.claim, emitted, err = g.claims.Take(ctx, keys, want)
	}
	switch {
	case errors.Is(err, dedup.ErrClaimed):
		emitted, a, err = 0, answer{status: http.StatusServiceUnavailable, outcome: outcomeRefused, message: err.Error()}, nil
	case err != nil:
		emitted, a = 0, answer{status: http.StatusServiceUnavailable, outcome: outcomeRefused, message: "the dedup store could not be read, retry later", detail: err}
	}
	p.held = true
	return p, emitted, a, err
}

// leave releases what the pass holds: its claim, even when the request
// was cancelled or a panic is on its way up, and its keys.
func (p *pass) leave(ctx context.Context, keys []string) {
	if p.claim != nil {
		if err := p.claim.Release(context.WithoutCancel(ctx)); err != nil {
			p.g.logger.Warn("Could not release a delivery's claim: its copies are refused until it expires", zap.Error(err))
		}
	}
	if p.held {
		p.g.inflight.release(keys)
	}
}

// remember records keys as emitted to signals. A failure here only means
// a retry of this delivery would be emitted again, so it is logged, not
// answered.
func (g *deliveryGate) remember(ctx context.Context, keys []string, signals dedup.Signals) {
	if signals == 0 {
		return
	}
	if g.durable {
		// The pipelines took the delivery: its key is written even when the
		// platform stopped waiting meanwhile (its retry is then a duplicate).
		ctx = context.WithoutCancel(ctx)
	}
	for _, k := range keys {
		if err := g.store.Remember(ctx, k, signals); err != nil {
			g.logger.Warn("Could not remember a delivery key", zap.Error(err))
		}
	}
}

// emitted returns which of the signals in want already emitted a delivery:
// those that remembered every one of its keys.
func (g *deliveryGate) emitted(ctx context.Context, keys []string, want dedup.Signals) (dedup.Signals, error) {
	all := want
	for _, k := range keys {
		seen, err := g.store.Seen(ctx, k)
		if err != nil {
			return 0, err
		}
		if all &= seen; all == 0 {
			break
		}
	}
	return all, nil
}

// inflight holds the delivery keys being handled.
type inflight struct {
	mu   sync.Mutex // guards keys
	keys map[string]struct{}
}

// acquire takes all keys, or none when one is held already.
func (f *inflight) acquire(keys []string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if _, held := f.keys[k]; held {
			return false
		}
	}
	if f.keys == nil {
		f.keys = map[string]struct{}{}
	}
	for _, k := range keys {
		f.keys[k] = struct{}{}
	}
	return true
}

func (f *inflight) release(keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		delete(f.keys, k)
	}
}
