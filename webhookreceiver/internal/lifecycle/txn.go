package lifecycle

// One transaction over held roots, for a delivery or a sweep: hold the roots (index.go), load their groups,
// apply the rules (rules.go), emit, store: the storage first, then memory, so that a failed write changes nothing.

import (
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

type txn struct {
	tracker *Tracker
	// The roots, sorted once held: in few when two at most (most deliveries touch one), else
	// in many. Never a slice of few, so that a transaction stays on its caller's stack.
	few  [2]held
	nfew int
	many []held
}

func (x *txn) roots() []held {
	if x.many != nil {
		return x.many
	}
	return x.few[:x.nfew]
}

// add puts root among the roots, once; hold sorts them.
func (x *txn) add(root string) {
	switch {
	case slices.ContainsFunc(x.roots(), func(h held) bool { return h.root == root }):
	case x.many == nil && x.nfew < len(x.few):
		x.few[x.nfew] = held{root: root}
		x.nfew++
	case x.many == nil:
		x.many = append(append(make([]held, 0, 2*len(x.few)), x.few[:x.nfew]...), held{root: root})
	default:
		x.many = append(x.many, held{root: root})
	}
}

func (x *txn) holding(root string) *held {
	roots := x.roots()
	i, ok := slices.BinarySearchFunc(roots, root, func(h held, root string) int { return strings.Compare(h.root, root) })
	if !ok {
		panic("lifecycle: a root the transaction does not hold: " + root)
	}
	return &roots[i]
}

// hold locks the roots and loads their groups, from the storage if any; emitted
// spans that a failed write left unknown to the storage are told to their groups.
func (x *txn) hold() error {
	t, roots := x.tracker, x.roots()
	slices.SortFunc(roots, func(a, b held) int { return strings.Compare(a.root, b.root) }) // the lock order
	t.index.hold(roots)
	if err := t.groups.read(t, roots); err != nil {
		return err
	}
	for i := range roots {
		h := &roots[i]
		h.src, h.g = h.life.src, h.life.g
		h.g.root = h.root
		if t.anyUnsettled.Load() { // else, the usual case, no need of timeMu
			t.timeMu.Lock()
			for _, r := range t.unsettled[h.root] {
				h.g.sent = append(h.g.sent, r.id())
			}
			t.timeMu.Unlock()
		}
	}
	return nil
}

// release lets the roots go, committed or not; a second call does nothing.
func (x *txn) release() { x.tracker.index.release(x.roots()) }

// traces is the spans that came out of the held groups.
func (x *txn) traces() ptrace.Traces {
	td := ptrace.NewTraces()
	for _, h := range x.roots() {
		for i := range h.out {
			appendSpan(td, h.src, &h.out[i])
		}
	}
	return td
}

// commit writes the changed groups to the storage, in one call, then to memory.
func (x *txn) commit() error {
	t, roots := x.tracker, x.roots()
	if err := t.groups.write(roots); err != nil {
		return err
	}
	for i := range roots {
		if h := &roots[i]; h.changed {
			t.keep(h.life, h.src, h.g)
		}
	}
	if t.anyUnsettled.Load() {
		t.settled(roots)
	}
	return nil
}

// settled forgets the spans of unsettled that a written group now keeps as emitted.
func (t *Tracker) settled(roots []held) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	for i := range roots {
		h := &roots[i]
		t.unsettled[h.root] = slices.DeleteFunc(t.unsettled[h.root], func(u rec) bool {
			return slices.ContainsFunc(h.g.recs, func(r rec) bool { return r.state == stSent && r.key == u.key && r.id() == u.id() })
		})
		if len(t.unsettled[h.root]) == 0 {
			delete(t.unsettled, h.root)
		}
	}
	t.anyUnsettled.Store(len(t.unsettled) > 0)
}

// unsettle remembers the spans x emitted but failed to write, for the next transaction on their roots.
func (t *Tracker) unsettle(x *txn) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	for _, h := range x.roots() {
		for _, r := range h.out {
			if !slices.ContainsFunc(t.unsettled[h.root], func(u rec) bool { return u.key == r.key && u.id() == r.id() }) {
				t.unsettled[h.root] = append(t.unsettled[h.root], tombstone(r))
			}
		}
	}
	t.anyUnsettled.Store(len(t.unsettled) > 0)
}

// keep makes g, held under l's lock, what memory has of l's root: its
// counts and its places in the heaps.
func (t *Tracker) keep(l *life, src translate.Source, g group) {
	s := g.stats(t.lim)
	dOpen, dKept := s.open-l.nOpen, s.kept-l.nKept
	g.sent = nil // told anew by every hold
	l.src, l.g, l.nOpen, l.nKept = src, g, s.open, s.kept
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	t.nOpen, t.nKept = t.nOpen+dOpen, t.nKept+dKept
	place(&t.dues, &l.due, s.due, g.root)
	place(&t.opened, &l.opened, s.oldestOpen, g.root)
	place(&t.kept, &l.kept, s.oldestKept, g.root)
}

// place puts d in h at at, or takes it out for a zero at.
func place(h *timeline, d *due, at time.Time, root string) {
	switch {
	case at.IsZero() && d.i >= 0:
		h.remove(d)
	case at.IsZero():
	case d.i < 0:
		d.at, d.root = at, root
		h.push(d)
	case !at.Equal(d.at):
		d.at = at
		h.fix(d)
	}
}
