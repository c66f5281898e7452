package lifecycle

// Expiry: what is open, and the records of what closed, in time order, so
// that a sweep finds what is due at the top of a heap instead of walking
// everything open. The heaps have one lock, held for a heap operation and
// never across a pipeline or storage call. A sweep closes what it finds in
// batches: each batch holds the roots of its lifecycles, as a delivery
// would, and deliveries of other roots go on meanwhile.

import (
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
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

// markClosed remembers where the spans under the keys of ends ended.
func (t *Tracker) markClosed(ends map[string]time.Time) {
	if len(ends) == 0 {
		return
	}
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	for key, end := range ends {
		if d := t.closed[key]; d != nil {
			d.at = end
			t.ended.fix(d)
			continue
		}
		d := &due{at: end, key: key}
		t.closed[key] = d
		t.ended.push(d)
	}
}

// closedAt reports where the span under key ended, if this process
// remembers it closed.
func (t *Tracker) closedAt(key string) (time.Time, bool) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	if d := t.closed[key]; d != nil {
		return d.at, true
	}
	return time.Time{}, false
}

// forget drops the records of spans closed longer ago than the timeout and,
// beyond as many as maxOpen, the oldest: at most sweepBatch of them.
func (t *Tracker) forget(now time.Time) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	t.forgetUnwritten(now)
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

// batch holds, and makes the spans of, one batch of the lifecycles open for
// longer than the timeout at now, and of the oldest beyond maxOpen, marked
// incomplete and ended at now; its commit forgets them, and the records of
// closed spans past keeping. The roots are held until commit or release.
func (t *Tracker) batch(now time.Time) *sweep {
	s := &sweep{tracker: t, now: now, spans: ptrace.NewTraces(), ends: map[string]time.Time{}}
	t.timeMu.Lock()
	s.over = t.opened.len() - t.maxOpen
	s.picked = t.opened.first(sweepBatch, func(d *due, before int) bool {
		return now.Sub(d.at) > t.timeout || before < s.over
	})
	t.timeMu.Unlock()

	// A due's root and key never change: they are read without timeMu.
	s.roots = make([]held, 0, len(s.picked))
	for _, d := range s.picked {
		s.roots = append(s.roots, held{root: d.root})
	}
	s.roots = sortedRoots(s.roots)
	t.index.hold(s.roots)
	defer func() {
		if p := recover(); p != nil { // a storage extension's bug: the roots go, the panic on
			s.release()
			panic(p)
		}
	}()
	if _, ok := t.groups.read(t, s.roots, nil); !ok {
		s.unread = true // nothing to close: the batch waits for the next tick
		return s
	}
	s.close()
	return s
}

// sweep is one batch of expire.
type sweep struct {
	unread  bool // the storage could not be read: the batch is given up
	tracker *Tracker
	now     time.Time
	over    int    // how many more are open than maxOpen
	picked  []*due // oldest first
	roots   []held // sorted
	spans   ptrace.Traces
	ends    map[string]time.Time
	box     outbox // what was appended, or not (unwritten.go)
}

func (s *sweep) held(root string) *held {
	i, _ := slices.BinarySearchFunc(s.roots, root, func(h held, root string) int { return strings.Compare(h.root, root) })
	return &s.roots[i]
}

// close makes the spans of what was picked and still is as it was: a
// delivery may have closed or moved it between the pick and the locks, and,
// with a storage, another process may have (the read made memory what the
// storage holds: what it closed is gone, what it moved is no longer due).
func (s *sweep) close() {
	t := s.tracker
	var still []*entry
	for i, d := range s.picked {
		e := s.held(d.root).life.open.get(d.key)
		if e != nil && &e.due == d && (i < s.over || s.now.Sub(e.since()) > t.timeout) {
			still = append(still, e)
		}
	}
	slices.SortFunc(still, func(a, b *entry) int { return strings.Compare(a.due.key, b.due.key) }) // a stable order for those reading the output
	for _, e := range still {
		o, d := e.open, &e.due
		o.attrs = merged(o.attrs, incomplete)
		end := s.now
		if o.start.IsZero() { // an end whose start never came
			o.start, end = o.end, o.end
		}
		s.ends[d.key] = t.appendUnlessSent(func() ptrace.Traces { return s.spans }, &s.box, d.key, o, end, o.failed, o.message)
		s.held(d.root).change(d.key, nil)
	}
}

// commit forgets what the batch closed (Tracker.commit), and the records
// past keeping, and lets its roots go.
func (s *sweep) commit() error {
	defer s.release()
	if err := s.tracker.commit(s.roots, s.ends, &s.box); err != nil {
		return err
	}
	s.tracker.forget(s.now)
	return nil
}

func (s *sweep) release() { s.tracker.index.release(s.roots) }

// apply emits the batch's spans and commits once they were accepted; one
// refused for good is committed all the same, and counted in dropped.
func (s *sweep) apply(emit Emit) (dropped int, err error) {
	defer s.release() // when emit refused, or panicked
	if s.unread {
		return 0, ErrStorage
	}
	err = emitThenCommit(s.spans, s.commit, emit)
	if err != nil && consumererror.IsPermanent(err) {
		return s.spans.SpanCount(), s.commit()
	}
	return 0, err
}
