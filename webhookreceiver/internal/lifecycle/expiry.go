package lifecycle

// Expiry: what is open, and the records of what closed, in time order
// (heap.go), so that a sweep finds what is due without walking everything
// open, and closes it in batches, each a transaction over its roots.

import (
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
)

// sweepBatch is how many lifecycles one batch of a sweep closes at most,
// and how many records of closed spans it forgets.
const sweepBatch = 1000

// put keeps o open under key in the held root h, and its place in time.
func (t *Tracker) put(h *held, key string, o open) {
	o.attrs = o.attrs.compact()
	o.message = strings.Clone(o.message) // a sub-type, decoded: see attrs.go
	l := h.life
	e := l.open.get(key)
	if e == nil {
		e = &entry{open: o, due: due{at: o.since(), root: h.root, key: key}}
		l.open.add(e)
		t.timeMu.Lock()
		t.opened.push(&e.due)
		t.timeMu.Unlock()
		return
	}
	e.open = o
	if at := o.since(); !at.Equal(e.due.at) {
		t.timeMu.Lock()
		e.due.at = at
		t.opened.fix(&e.due)
		t.timeMu.Unlock()
	}
}

// remove forgets what is open under key in l.
func (t *Tracker) remove(l *life, key string) {
	e := l.open.get(key)
	if e == nil {
		return
	}
	l.open.del(key)
	t.timeMu.Lock()
	t.opened.remove(&e.due)
	t.timeMu.Unlock()
}

// markClosed remembers where the span under key ended.
func (t *Tracker) markClosed(key string, end time.Time) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	if d := t.closed[key]; d != nil {
		d.at = end
		t.ended.fix(d)
		return
	}
	d := &due{at: end, key: key}
	t.closed[key] = d
	t.ended.push(d)
}

// closedAt reports where the span under key ended, if memory remembers it
// closed (with a storage, also as a read brought it).
func (t *Tracker) closedAt(key string) (time.Time, bool) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	if d := t.closed[key]; d != nil {
		return d.at, true
	}
	return time.Time{}, false
}

// forget drops the records of spans closed longer ago than the timeout and,
// beyond as many as maxOpen, the oldest: at most sweepBatch of them; and
// the spans unwritten that ended longer ago than the timeout.
func (t *Tracker) forget(now time.Time) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	for id, end := range t.unwritten { // a retry that late is past coming
		if t.forgotten(end, now) {
			delete(t.unwritten, id)
		}
	}
	t.nUnwritten.Store(int64(len(t.unwritten)))
	for range sweepBatch {
		d := t.ended.top()
		if d == nil || !t.forgotten(d.at, now) && t.ended.len() <= t.maxOpen {
			return
		}
		t.ended.remove(d)
		delete(t.closed, d.key)
	}
}

// overdue reports whether a sweep at now has work left.
func (t *Tracker) overdue(now time.Time) bool {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	open, ended := t.opened.top(), t.ended.top()
	return t.opened.len() > t.maxOpen || open != nil && now.Sub(open.at) > t.timeout ||
		t.ended.len() > t.maxOpen || ended != nil && t.forgotten(ended.at, now)
}

// expireBatch closes, as one transaction, a batch of the lifecycles open
// for longer than the timeout at now, and of the oldest beyond maxOpen,
// marked incomplete and ended at now; once it committed, it forgets the
// records of closed spans past keeping. A batch that emit refuses for good
// is committed all the same, and counted in dropped.
func (t *Tracker) expireBatch(now time.Time, emit Emit) (dropped int, err error) {
	x := txn{tracker: t}
	defer x.release() // on every path, a panic's too
	if err := x.expire(now); err != nil {
		return 0, err
	}
	err = x.apply(emit)
	if err != nil && consumererror.IsPermanent(err) {
		dropped, err = x.spans.SpanCount(), x.commit()
	}
	if err != nil {
		return dropped, err
	}
	t.forget(now)
	return dropped, nil
}

// expire picks a batch, holds its roots and reads them, and plans the spans
// of what was picked and still is as it was: a delivery may have closed or
// moved it between the pick and the locks, and, with a storage, another
// process may have (the read made memory what the storage holds: what it
// closed is gone, what it moved is no longer due).
func (x *txn) expire(now time.Time) error {
	t := x.tracker
	t.timeMu.Lock()
	over := t.opened.len() - t.maxOpen // how many more are open than maxOpen
	picked := t.opened.first(sweepBatch, func(d *due, before int) bool {
		return now.Sub(d.at) > t.timeout || before < over
	})
	t.timeMu.Unlock()
	x.many = make([]held, 0, len(picked))
	for _, d := range picked { // a due's root and key never change: read without timeMu
		x.many = append(x.many, held{root: d.root})
	}
	x.many = sortedRoots(x.many)
	if err := x.hold(nil); err != nil {
		return err // nothing closed: the batch waits for the next tick
	}
	var still []*entry
	for i, d := range picked {
		e := x.holding(d.root).life.open.get(d.key)
		if e != nil && &e.due == d && (i < over || now.Sub(e.since()) > t.timeout) {
			still = append(still, e)
		}
	}
	slices.SortFunc(still, func(a, b *entry) int { return strings.Compare(a.due.key, b.due.key) }) // a stable order for those reading the output
	for _, e := range still {
		o, key := e.open, e.due.key
		o.attrs = merged(o.attrs, incomplete)
		end := now
		if o.start.IsZero() { // an end whose start never came
			o.start, end = o.end, o.end
		}
		x.closeSpan(key, o, end, o.failed, o.message)
		x.holding(e.due.root).change(key, nil)
	}
	return nil
}
