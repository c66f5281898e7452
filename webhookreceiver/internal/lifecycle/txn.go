package lifecycle

// One transaction over held roots, a delivery's plan or a sweep's batch:
// hold the roots (index.go) → read their groups → plan on memory → emit →
// commit: the storage first, then memory, so that a failed write changes
// nothing. Its caller releases the roots by a defer, on every path.

import (
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

type txn struct {
	tracker *Tracker
	// The roots held, sorted once held: in few when they are two at most (most
	// deliveries touch one), else in many. Kept by index, never by a slice
	// of few, so that a plan stays on its caller's stack.
	few   [2]held
	nfew  int
	many  []held
	spans ptrace.Traces        // made on first use: most deliveries close nothing
	ends  map[string]time.Time // where the spans closed ended; made on first use
	box   outbox               // what was appended, or not (unwritten.go)
}

func (x *txn) roots() []held {
	if x.many != nil {
		return x.many
	}
	return x.few[:x.nfew]
}

// add puts root among the roots, once; hold sorts them. Deliveries touch a
// root or two.
func (x *txn) add(root string) {
	if slices.ContainsFunc(x.roots(), func(h held) bool { return h.root == root }) {
		return
	}
	if x.many == nil && x.nfew < len(x.few) {
		x.few[x.nfew] = held{root: root}
		x.nfew++
		return
	}
	if x.many == nil {
		x.many = append(make([]held, 0, 2*len(x.few)), x.few[:x.nfew]...)
	}
	x.many = append(x.many, held{root: root})
}

func (x *txn) holding(root string) *held {
	roots := x.roots()
	i, ok := slices.BinarySearchFunc(roots, root, func(h held, root string) int { return strings.Compare(h.root, root) })
	if !ok {
		panic("lifecycle: a root the transaction does not hold: " + root)
	}
	return &roots[i]
}

// hold locks the roots and reads their groups, with the records of the
// closes that events may ask for (storage.go).
func (x *txn) hold(events []provider.Event) error {
	sortedRoots(x.roots()) // distinct already: sorted in place
	x.tracker.index.hold(x.roots())
	return x.tracker.groups.read(x.tracker, x.roots(), events)
}

// release lets the roots go, committed or not; a second call does nothing.
func (x *txn) release() { x.tracker.index.release(x.roots()) }

func (x *txn) traces() ptrace.Traces {
	if x.spans == (ptrace.Traces{}) {
		x.spans = ptrace.NewTraces()
	}
	return x.spans
}

// appendSpan appends the span of o under key, ended at end, unless a commit
// whose write failed emitted it (unwritten.go); it returns where the span
// ended.
func (x *txn) appendSpan(key string, o open, end time.Time, failed bool, message string) time.Time {
	t := x.tracker
	if t.nUnwritten.Load() > 0 { // else, the usual case, without timeMu
		id := spanID(key, o)
		if was, ok := t.unwrittenEnd(id); ok {
			x.box.resent = append(x.box.resent, id)
			return was
		}
	}
	appendSpan(x.traces(), key, o, end, failed, message)
	if t.groups != nil { // a write can fail
		x.box.sent = append(x.box.sent, sent{spanID(key, o), end})
	}
	return end
}

// closeSpan appends the span of o under key, and remembers it closed: a
// start or end of it arriving late changes nothing.
func (x *txn) closeSpan(key string, o open, end time.Time, failed bool, message string) {
	end = x.appendSpan(key, o, end, failed, message)
	if x.ends == nil {
		x.ends = map[string]time.Time{}
	}
	x.ends[key] = end
}

// apply emits the spans, unless there are none, and commits once they were
// accepted.
func (x *txn) apply(emit Emit) error {
	if x.spans != (ptrace.Traces{}) && x.spans.SpanCount() > 0 {
		if err := emit(x.spans); err != nil {
			return err
		}
	}
	return x.commit()
}

// commit writes what the changes and the spans' ends make of the storage, in
// one call, and only then changes memory; when the write fails, the spans
// emitted are remembered not to be emitted again.
func (x *txn) commit() error {
	t, roots := x.tracker, x.roots()
	err := t.groups.write(roots, x.ends)
	if t.settle(&x.box, err == nil); err != nil {
		return err
	}
	for i := range roots {
		h := &roots[i]
		for key, c := range h.changes {
			if c == nil {
				t.remove(h.life, key)
			} else {
				t.put(h, key, *c)
			}
		}
	}
	for key, end := range x.ends {
		t.markClosed(key, end)
	}
	return nil
}
