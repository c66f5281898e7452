// Package lifecycle turns the lifecycle transitions carried by events into
// spans. The rules are one pure function over one root's group (rules.go);
// around it, plumbing: the roots' locks (index.go), where groups are kept
// (memory, or a storage extension: storage.go, record.go), the transaction
// that loads a group, applies the rules, emits and stores (txn.go), and
// expiry, which finds the groups due at the top of a heap (heap.go,
// expiry.go).
package lifecycle

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// AttrIncomplete marks a span whose start or end was never seen.
const AttrIncomplete = "webhook.lifecycle.incomplete"

// open is a span's data: its name, times, attributes and, for a root, its
// timeline's phases.
type open struct {
	root     string // "" for a root
	name     string
	start    time.Time
	perStart bool
	withRoot bool // ends when its root ends
	attrs    attrs
	steps    []step // a root's timeline phases, in time order

	end     time.Time
	failed  bool
	message string
}

// since is the time an open entry dates from, for its timeout.
func (o open) since() time.Time {
	if o.start.IsZero() {
		return o.end
	}
	return o.start
}

// step is a point on a timeline: the start of a phase.
type step struct {
	slot  string
	name  string
	at    time.Time
	attrs attrs
}

// Tracker keeps the lifecycles' groups. Its zero value is not usable: use
// NewTracker.
type Tracker struct {
	index *index // the groups in memory, by root, and the roots' locks

	// timeMu guards dues, the counts and unsettled; it is held for a
	// moment, never across a call out.
	timeMu sync.Mutex
	dues   timeline // every group that holds anything, by when expiry has to do with it
	opened timeline // the groups with spans open, by the oldest: evicted first beyond max_open
	kept   timeline // the groups with tombstones, by the oldest: trimmed first beyond max_open
	nOpen  int      // spans open (or waiting for their start)
	nKept  int      // tombstones
	// unsettled holds, by root, the spans emitted by a transaction whose
	// write then failed: the storage does not know them emitted, so the
	// next transaction on the root is told (txn.hold).
	unsettled map[string][]rec
	// anyUnsettled is whether unsettled holds anything, read without timeMu.
	anyUnsettled atomic.Bool

	lim     limits
	maxOpen int // beyond it, Expire closes the oldest whatever their age

	// groups is where groups are kept for good: nil for memory, or with
	// UseStorage (before the first delivery) the storage (storage.go).
	groups *storageGroups
}

// NewTracker returns a Tracker that closes, as incomplete, what stays open
// longer than timeout, and the oldest of what is open beyond maxOpen; a
// closed span is emitted once grace has passed.
func NewTracker(timeout, grace time.Duration, maxOpen int) *Tracker {
	return &Tracker{
		index:   newIndex(),
		lim:     limits{timeout: timeout, keep: timeout, grace: grace, lease: lease},
		maxOpen: maxOpen,
	}
}

// lease is how long a span a sweep handed to the pipeline stays handed
// over: past it with no answer written (the process died), any sweep hands
// it over again. Longer than a sweep's pipeline call and storage calls.
const lease = 2 * time.Minute

// Open returns how many lifecycles are open.
func (t *Tracker) Open() int {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	return t.nOpen
}

// Emit hands spans to the traces pipeline; nil is their acceptance.
type Emit func(spans ptrace.Traces) error

// Apply moves the lifecycles by the events' transitions, which arrived at
// now, as one transaction on the roots they touch (txn.go): it emits the
// spans whose grace is over and, only once emit accepted them, stores what
// changed, so that a refused delivery, retried by its platform, does it
// all again. emit is not called when nothing is to be emitted. Spans take
// their times from the events, not from their arrival.
func (t *Tracker) Apply(src translate.Source, events []provider.Event, now time.Time, emit Emit) error {
	x := txn{tracker: t}
	defer x.release()
	for i := range events {
		for j := range events[i].Transitions {
			x.add(rootOf(&events[i].Transitions[j]))
		}
	}
	if err := x.hold(); err != nil {
		return err
	}
	for i := range events {
		for j := range events[i].Transitions {
			tr := &events[i].Transitions[j]
			h := x.holding(rootOf(tr))
			if len(h.g.recs) == 0 {
				h.src = src
			}
			var out []rec
			h.g, out = apply(h.g, moveOf(tr), now, t.lim)
			h.out, h.changed = append(h.out, out...), true
		}
	}
	if spans := x.traces(); spans.SpanCount() > 0 {
		if err := emit(spans); err != nil {
			return err
		}
	}
	x.settle(true)
	if err := x.commit(); err != nil {
		t.unsettle(&x)
		return err
	}
	return nil
}

// ErrStorage refuses a delivery whose lifecycles could not be read from,
// or written to, the storage; the failure itself is logged where it
// happened. It is retryable: nothing changed.
var ErrStorage = errors.New("the lifecycles' storage could not be read or written, retry later")

// rootOf is the root whose group a transition changes.
func rootOf(tr *provider.Transition) string {
	if tr.Root != "" {
		return tr.Root
	}
	return tr.Key
}

func moveOf(tr *provider.Transition) move {
	return move{
		key: tr.Key, root: tr.Root, name: tr.Name, start: tr.Start, end: tr.End, step: tr.Step,
		perStart: tr.PerStart, withRoot: tr.EndsWithRoot, failed: tr.Failed, message: strings.Clone(tr.Message), // a sub-type, decoded: see attrs.go
		attrs: mapAttrs(tr.Attributes),
	}
}
