package lifecycle

// Expiry: a sweep applies the rules' expire, in batches, to the groups due at the top of heaps
// (heap.go). A batch emits between two short transactions, so that no root's lock is held across
// the pipeline: one stores what it hands over (under a lease), the other how the pipeline answered.

import (
	"slices"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
)

// sweepBatch is how many groups one batch of a sweep takes at most.
const sweepBatch = 1000

// Expire applies the rules' expiry at now to the groups due and, beyond max_open, to the oldest,
// in batches each emitted on its own. A batch emit refuses for good (consumererror.IsPermanent)
// would be refused again: it is dropped, counted in dropped. Refused otherwise, or its storage
// failing, a batch stops the sweep: its spans are handed over again at the next.
func (t *Tracker) Expire(now time.Time, emit Emit) (dropped int, err error) {
	t.verifyOpen() // with replicas, max_open counts what the storage has open
	t.forgetUnsettled(now)
	// Each batch moves its groups on or stops the sweep; the bound guards against one that does not.
	for range 2 + 3*t.groupsHeld()/sweepBatch {
		picked := t.pick(now)
		if len(picked) == 0 {
			return dropped, nil
		}
		n, err := t.sweep(now, picked, emit)
		if dropped += n; err != nil {
			return dropped, err
		}
	}
	return dropped, nil
}

// groupsHeld is how many groups memory holds.
func (t *Tracker) groupsHeld() int {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	return t.dues.len()
}

// pick is the roots a sweep takes and what it does to each: those due at now and,
// beyond the limits, the oldest: open beyond max_open to evict, tombstones beyond it to trim.
func (t *Tracker) pick(now time.Time) map[string]pressure {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	out := map[string]pressure{}
	add := func(h *timeline, p pressure, take func(d *due, before int) bool) {
		for _, d := range h.first(sweepBatch-len(out), take) {
			out[d.root] = max(out[d.root], p)
		}
	}
	overOpen, overKept := t.nOpen-t.maxOpen, t.nKept-t.maxOpen
	add(&t.opened, evict, func(_ *due, before int) bool { return before < overOpen })
	add(&t.kept, trim, func(_ *due, before int) bool { return before < overKept })
	add(&t.dues, onlyDue, func(d *due, _ int) bool { return !d.at.After(now) })
	return out
}

// sweep is one batch: expire and store, emit, settle and store.
func (t *Tracker) sweep(now time.Time, picked map[string]pressure, emit Emit) (dropped int, err error) {
	x := txn{tracker: t, many: make([]held, 0, len(picked))}
	for root := range picked {
		x.many = append(x.many, held{root: root})
	}
	spans, err := func() (spans int, err error) {
		defer x.release() // on every path, a panic's too
		if err := x.hold(); err != nil {
			return 0, err // nothing changed: the batch waits for the next tick
		}
		for i := range x.many {
			h := &x.many[i]
			h.g, h.out = expire(h.g, now, t.lim, picked[h.root])
			h.changed, spans = true, spans+len(h.out)
		}
		return spans, x.commit()
	}()
	if err != nil || spans == 0 {
		return 0, err
	}
	// Handed over, stored as such, the spans are emitted with no lock held; a panic hands them back.
	err = func() error {
		defer func() {
			if p := recover(); p != nil {
				_ = t.answered(&x, false)
				panic(p)
			}
		}()
		return emit(x.traces())
	}()
	taken := err == nil || consumererror.IsPermanent(err)
	if err != nil && taken {
		dropped, err = spans, nil
	}
	if werr := t.answered(&x, taken); werr != nil {
		return dropped, werr // the lease hands them over again
	}
	return dropped, err
}

// answered stores how the pipeline answered the spans that x handed over.
func (t *Tracker) answered(x *txn, taken bool) error {
	y := txn{tracker: t}
	for i := range x.many {
		if len(x.many[i].out) > 0 {
			y.many = append(y.many, held{root: x.many[i].root})
		}
	}
	defer y.release()
	err := y.hold()
	if err == nil {
		for i := range y.many {
			h := &y.many[i]
			h.g, h.changed = settle(h.g, x.holding(h.root).out, taken), true
		}
		err = y.commit()
	}
	if err != nil && taken {
		t.unsettle(x) // else their lease would hand them over again
	}
	return err
}

// verifyOpen makes memory's open count the storage's, as far as max_open needs: what
// another replica closed, counted open, would make a sweep evict live lifecycles. Beyond
// max_open it reads back the groups memory holds, batch by batch, until within it or a read fails.
func (t *Tracker) verifyOpen() {
	if t.groups == nil || t.Open() <= t.maxOpen {
		return
	}
	t.timeMu.Lock()
	var roots []held
	for _, s := range t.dues.s {
		if s.d != nil {
			roots = append(roots, held{root: s.d.root})
		}
	}
	t.timeMu.Unlock()
	for len(roots) > 0 && t.Open() > t.maxOpen {
		x := txn{tracker: t, many: roots[:min(len(roots), sweepBatch)]}
		roots = roots[len(x.many):]
		if err := func() error { defer x.release(); return x.hold() }(); err != nil {
			return
		}
	}
}

// forgetUnsettled drops the spans of unsettled whose retry is past coming.
func (t *Tracker) forgetUnsettled(now time.Time) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	for root, rs := range t.unsettled {
		t.unsettled[root] = slices.DeleteFunc(rs, func(r rec) bool { return now.Sub(maxTime(r.at, r.end)) > t.lim.keep })
		if len(t.unsettled[root]) == 0 {
			delete(t.unsettled, root)
		}
	}
	t.anyUnsettled.Store(len(t.unsettled) > 0)
}
