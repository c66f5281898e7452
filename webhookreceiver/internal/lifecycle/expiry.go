package lifecycle

// Expiry: what is open, and the records of what closed, in time order, so
// that a sweep finds what is due at the top of a heap instead of walking
// everything open. The heaps have one lock, held for a heap operation and
// never across a pipeline or storage call. A sweep closes what it finds in
// batches: each batch holds the roots of its lifecycles, as a delivery
// would, and deliveries of other roots go on meanwhile.

import (
	"container/heap"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// sweepBatch is how many lifecycles one batch of a sweep closes at most,
// and how many records of closed spans it forgets.
const sweepBatch = 1000

// due is a place in a heap: an open span by the time it dates from, or the
// record of a closed span by its end.
type due struct {
	at        time.Time
	root, key string // root is "" for a closed record
	i         int    // its index in the heap
}

// dueHeap is a min-heap of dues, oldest first (container/heap).
type dueHeap []*due

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if c := h[i].at.Compare(h[j].at); c != 0 {
		return c < 0
	}
	return h[i].key < h[j].key
}
func (h dueHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].i, h[j].i = i, j }
func (h *dueHeap) Push(x any)   { d := x.(*due); d.i = len(*h); *h = append(*h, d) }
func (h *dueHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	d.i = -1
	return d
}

// first returns, oldest first and without taking them out, the dues at the
// top of h as long as take says yes to the next (given how many came
// before), at most limit: a best-first walk of the heap's tree, which
// touches only what it returns and their children.
func (h dueHeap) first(limit int, take func(d *due, before int) bool) []*due {
	var out []*due
	next := frontier{h: h}
	if len(h) > 0 {
		next.ix = []int{0}
	}
	for len(next.ix) > 0 && len(out) < limit {
		i := heap.Pop(&next).(int)
		if !take(h[i], len(out)) {
			break
		}
		out = append(out, h[i])
		for _, child := range []int{2*i + 1, 2*i + 2} {
			if child < len(h) {
				heap.Push(&next, child)
			}
		}
	}
	return out
}

// frontier is first's heap of the positions in h still to visit.
type frontier struct {
	h  dueHeap
	ix []int
}

func (f frontier) Len() int           { return len(f.ix) }
func (f frontier) Less(i, j int) bool { return f.h.Less(f.ix[i], f.ix[j]) }
func (f frontier) Swap(i, j int)      { f.ix[i], f.ix[j] = f.ix[j], f.ix[i] }
func (f *frontier) Push(x any)        { f.ix = append(f.ix, x.(int)) }
func (f *frontier) Pop() any {
	i := f.ix[len(f.ix)-1]
	f.ix = f.ix[:len(f.ix)-1]
	return i
}

// put keeps o open under key in the held root h, and its place in time.
func (t *Tracker) put(h *held, key string, o open) {
	o.attrs = o.attrs.compact()
	l := h.life
	e := l.open[key]
	if e == nil {
		if l.open == nil {
			l.open = map[string]*entry{}
		}
		e = &entry{open: o, due: due{at: o.since(), root: h.root, key: key}}
		l.open[key] = e
		t.timeMu.Lock()
		heap.Push(&t.opened, &e.due)
		t.timeMu.Unlock()
		return
	}
	e.open = o
	if at := o.since(); !at.Equal(e.due.at) {
		t.timeMu.Lock()
		e.due.at = at
		heap.Fix(&t.opened, e.due.i)
		t.timeMu.Unlock()
	}
}

// remove forgets what is open under key in l.
func (t *Tracker) remove(l *life, key string) {
	e := l.open[key]
	if e == nil {
		return
	}
	delete(l.open, key)
	t.timeMu.Lock()
	heap.Remove(&t.opened, e.due.i)
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
			heap.Fix(&t.ended, d.i)
			continue
		}
		d := &due{at: end, key: key}
		t.closed[key] = d
		heap.Push(&t.ended, d)
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
	for range sweepBatch {
		if len(t.ended) == 0 || !t.forgotten(t.ended[0].at, now) && len(t.ended) <= t.maxOpen {
			return
		}
		delete(t.closed, heap.Pop(&t.ended).(*due).key)
	}
}

// overdue reports whether a sweep at now has work left.
func (t *Tracker) overdue(now time.Time) bool {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	return len(t.opened) > t.maxOpen || len(t.opened) > 0 && now.Sub(t.opened[0].at) > t.timeout ||
		len(t.ended) > t.maxOpen || len(t.ended) > 0 && t.forgotten(t.ended[0].at, now)
}

// batch holds, and makes the spans of, one batch of the lifecycles open for
// longer than the timeout at now, and of the oldest beyond maxOpen, marked
// incomplete and ended at now; its commit forgets them, and the records of
// closed spans past keeping. The roots are held until commit or release.
func (t *Tracker) batch(now time.Time) *sweep {
	s := &sweep{tracker: t, now: now, spans: ptrace.NewTraces(), ends: map[string]time.Time{}}
	t.timeMu.Lock()
	s.over = len(t.opened) - t.maxOpen
	s.picked = t.opened.first(sweepBatch, func(d *due, before int) bool {
		return now.Sub(d.at) > t.timeout || before < s.over
	})
	t.timeMu.Unlock()

	// A due's root and key never change: they are read without timeMu.
	s.roots = make([]held, 0, len(s.picked))
	for _, d := range s.picked {
		s.roots = append(s.roots, held{root: d.root})
	}
	slices.SortFunc(s.roots, func(a, b held) int { return strings.Compare(a.root, b.root) })
	s.roots = slices.CompactFunc(s.roots, func(a, b held) bool { return a.root == b.root })
	t.index.hold(s.roots)
	s.close()
	return s
}

// sweep is one batch of expire.
type sweep struct {
	tracker *Tracker
	now     time.Time
	over    int    // how many more are open than maxOpen
	picked  []*due // oldest first
	roots   []held // sorted
	spans   ptrace.Traces
	ends    map[string]time.Time
	expired []*due // of picked, those that close
}

func (s *sweep) life(root string) *life {
	i, _ := slices.BinarySearchFunc(s.roots, root, func(h held, root string) int { return strings.Compare(h.root, root) })
	return s.roots[i].life
}

// close makes the spans of what was picked and still is as it was: a
// delivery may have closed or moved it between the pick and the locks.
// What another process sharing the storage closed meanwhile is not this
// one's to expire: it is forgotten at once.
func (s *sweep) close() {
	t := s.tracker
	var still []*due
	for i, d := range s.picked {
		e := s.life(d.root).open[d.key]
		if e != nil && &e.due == d && (i < s.over || s.now.Sub(e.since()) > t.timeout) {
			still = append(still, d)
		}
	}
	slices.SortFunc(still, func(a, b *due) int { return strings.Compare(a.key, b.key) }) // a stable order for those reading the output
	gone := t.closedElsewhere(still)
	for i, d := range still {
		l := s.life(d.root)
		if gone[i] {
			t.remove(l, d.key)
			continue
		}
		o := l.open[d.key].open
		o.attrs = merged(o.attrs, incomplete)
		end := s.now
		if o.start.IsZero() { // an end whose start never came
			o.start, end = o.end, o.end
		}
		appendSpan(s.spans, d.key, o, end, o.failed, o.message)
		s.ends[d.key] = end
		s.expired = append(s.expired, d)
	}
}

// commit forgets what the batch closed, and the records past keeping, and
// lets its roots go.
func (s *sweep) commit() {
	t := s.tracker
	defer s.release()
	ops := closedOps(s.ends)
	for _, d := range s.expired {
		t.remove(s.life(d.root), d.key)
		ops = append(ops, storage.DeleteOperation(openPrefix+d.key))
	}
	t.markClosed(s.ends)
	t.forget(s.now)
	t.write(ops)
}

func (s *sweep) release() { s.tracker.index.release(s.roots) }

// apply emits the batch's spans and commits once they were accepted.
func (s *sweep) apply(emit Emit) error {
	defer s.release() // when emit refused, or panicked
	return emitThenCommit(s.spans, s.commit, emit)
}
