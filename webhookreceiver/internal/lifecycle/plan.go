package lifecycle

// Planning a delivery: what its events' transitions change in the roots it
// holds, and the spans they close, as a transaction (txn.go).

import (
	"slices"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// plan is a delivery's transaction: the open lifecycles of the roots it
// holds as the events seen so far changed them.
type plan struct {
	txn
	src translate.Source
}

// rootOf is the root whose lock a transition needs.
func rootOf(tr *provider.Transition) string {
	if tr.Root != "" {
		return tr.Root
	}
	return tr.Key
}

// fill holds the roots that events touch, reads them and plans the spans
// they close. With a storage that cannot be read, it plans nothing and says
// so: the storage is the truth, and memory may be behind another replica.
func (p *plan) fill(events []provider.Event) error {
	for i := range events {
		for j := range events[i].Transitions {
			p.add(rootOf(&events[i].Transitions[j]))
		}
	}
	if err := p.hold(events); err != nil {
		return err
	}
	for i := range events {
		for j := range events[i].Transitions {
			tr := &events[i].Transitions[j]
			h := p.holding(rootOf(tr))
			if tr.Step.IsZero() {
				p.span(h, tr)
			} else {
				p.step(h, tr)
			}
		}
	}
	return nil
}

func (p *plan) get(h *held, key string) (open, bool) {
	if c, changed := h.changes[key]; changed {
		if c == nil {
			return open{}, false
		}
		return *c, true
	}
	if e := h.life.open.get(key); e != nil {
		return e.open, true
	}
	return open{}, false
}

func (p *plan) put(h *held, key string, o open) { h.change(key, &o) }
func (p *plan) del(h *held, key string)         { h.change(key, nil) }

func (h *held) change(key string, o *open) {
	if h.changes == nil {
		h.changes = map[string]*open{}
	}
	h.changes[key] = o
}

// planned calls f with each span open under the root once its changes are
// made.
func (h *held) planned(f func(key string, o *open)) {
	for key, e := range h.life.open.all() {
		if _, changed := h.changes[key]; !changed {
			f(key, &e.open)
		}
	}
	for key, o := range h.changes {
		if o != nil {
			f(key, o)
		}
	}
}

// span applies a start and/or end to the span under tr.Key.
func (p *plan) span(h *held, tr *provider.Transition) {
	cur, isOpen := p.get(h, tr.Key)
	if isOpen && cur.start.IsZero() { // an end is waiting for its start
		p.startWaitingEnd(h, tr, cur)
		return
	}
	at := tr.Start // of a start, else of an end
	if at.IsZero() {
		at = tr.End
	}
	if !isOpen && !at.IsZero() {
		end, closed := p.ends[tr.Key] // closed by this plan, or remembered (with a storage, as read)
		if !closed {
			end, closed = p.tracker.closedAt(tr.Key)
		}
		if closed && !at.After(end) {
			// A start or end of a span already emitted, arriving late (a
			// participant's leave refused and retried after its bot's end
			// closed it): its delivery's log says it, the span is past
			// changing. One after that end is a later stay's.
			return
		}
	}
	wasOpen := isOpen
	if !tr.Start.IsZero() {
		switch {
		case !isOpen:
			cur = p.newOpen(tr, tr.Start)
			isOpen = true
		case tr.PerStart && tr.End.IsZero() && tr.Start.After(cur.start):
			// A new stay while the last one never ended: that one is
			// closed, incomplete, where the new one starts.
			cur.attrs = merged(cur.attrs, incomplete)
			p.appendSpan(tr.Key, cur, tr.Start, false, "")
			cur = p.newOpen(tr, tr.Start)
		case tr.Start.Before(cur.start): // a start that arrived late
			cur.start = tr.Start
		}
	}
	cur.attrs = merged(cur.attrs, mapAttrs(tr.Attributes))
	switch {
	case tr.End.IsZero():
		p.put(h, tr.Key, cur)
	case !isOpen:
		// An end before its start: it waits for the start, or for the
		// timeout, which emits it incomplete.
		waiting := p.newOpen(tr, time.Time{})
		waiting.end, waiting.failed, waiting.message = tr.End, tr.Failed, tr.Message
		p.put(h, tr.Key, waiting)
	case tr.End.Before(cur.start):
		// An end older than what is open belongs to an earlier stay whose
		// start was never seen.
		p.lone(tr)
	case !wasOpen:
		// Started and ended at once (an utterance): a span of its own, with
		// nothing to remember; a retry of it is a duplicate delivery.
		p.appendSpan(tr.Key, cur, tr.End, tr.Failed, tr.Message)
	default:
		p.closeSpan(tr.Key, cur, tr.End, tr.Failed, tr.Message)
		p.del(h, tr.Key)
		if cur.root == "" {
			p.closeChildren(h, tr.End)
		}
	}
}

// closeChildren ends, where their root ends, the children still open under
// it that end with it (a participant still in the meeting when the bot
// left): nothing more will be seen of them. They are marked incomplete, their
// own end unseen. The root's own children are all it looks at: with a
// storage, those in its group, whichever process opened them.
func (p *plan) closeChildren(h *held, end time.Time) {
	var keys []string
	h.planned(func(key string, o *open) {
		if o.root == h.root && o.withRoot && !o.start.IsZero() { // not an end waiting for its start
			keys = append(keys, key)
		}
	})
	slices.Sort(keys)
	for _, key := range keys {
		o, _ := p.get(h, key)
		o.attrs = merged(o.attrs, incomplete)
		p.closeSpan(key, o, maxTime(o.start, end), false, "")
		p.del(h, key)
	}
}

// startWaitingEnd applies tr to an end that arrived before its start.
func (p *plan) startWaitingEnd(h *held, tr *provider.Transition, waiting open) {
	switch {
	case !tr.End.IsZero():
		// Another end, or both at once: nothing to pair with; the waiting
		// end keeps waiting, the new one is dealt with as it comes.
		p.lone(tr)
	case tr.Start.IsZero(): // neither: the waiting end keeps waiting
	case !tr.Start.After(waiting.end):
		waiting.start = tr.Start
		waiting.attrs = merged(mapAttrs(tr.Attributes), waiting.attrs)
		p.closeSpan(tr.Key, waiting, waiting.end, waiting.failed, waiting.message)
		p.del(h, tr.Key)
	default:
		// The start of a later stay: the waiting end will never be paired.
		waiting.start = waiting.end
		waiting.attrs = merged(waiting.attrs, incomplete)
		p.appendSpan(tr.Key, waiting, waiting.end, waiting.failed, waiting.message)
		next := p.newOpen(tr, tr.Start)
		next.attrs = mapAttrs(tr.Attributes)
		p.put(h, tr.Key, next)
	}
}

// lone emits an end that has no start to pair with: a span of no length,
// marked incomplete.
func (p *plan) lone(tr *provider.Transition) {
	o := p.newOpen(tr, tr.End)
	o.attrs = merged(mapAttrs(tr.Attributes), incomplete)
	p.appendSpan(tr.Key, o, tr.End, tr.Failed, tr.Message)
}

func (p *plan) newOpen(tr *provider.Transition, start time.Time) open {
	return open{src: p.src, root: tr.Root, name: tr.Name, start: start, perStart: tr.PerStart, withRoot: tr.EndsWithRoot}
}

// step records a phase on the timeline of an open root; a step for a root
// that is not open (never started, or already ended) changes nothing.
func (p *plan) step(h *held, tr *provider.Transition) {
	root, ok := p.get(h, tr.Root)
	if !ok {
		return
	}
	s := step{slot: tr.Key, name: tr.Name, at: tr.Step, attrs: mapAttrs(tr.Attributes).compact()}
	steps := slices.Clone(root.steps)
	i, found := slices.BinarySearchFunc(steps, s, func(a, b step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.slot, b.slot)
	})
	if found {
		steps[i] = s
	} else {
		steps = slices.Insert(steps, i, s)
	}
	root.steps = steps
	p.put(h, tr.Root, root)
}
