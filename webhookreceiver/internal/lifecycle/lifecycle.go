// Package lifecycle turns the lifecycle transitions carried by events into spans. The rules are a pure
// function over one root's group (rules.go); around them: the roots' locks (index.go), storage
// (storage.go, record.go), the transaction (txn.go) and expiry (heap.go, expiry.go).
package lifecycle

import (
	"errors"
	"slices"
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

// open is a span's data.
type open struct {
	root       string // "" for a root
	name       string
	start, end time.Time
	perStart   bool // a span per start (stays)
	withRoot   bool // ends when its root ends
	attrs      attrs
	steps      []step // a root's timeline phases, in time order
	failed     bool
	message    string
}

// since is when a span dates from, for its timeout.
func (o open) since() time.Time {
	if o.start.IsZero() {
		return o.end
	}
	return o.start
}

// step is a point on a timeline: the start of a phase.
type step struct {
	slot, name string
	at         time.Time
	attrs      attrs
}

// Tracker keeps the lifecycles' groups. Use NewTracker to make one.
type Tracker struct {
	index *index // the groups in memory, by root, and the roots' locks
	// timeMu guards what follows up to anyUnsettled; held for a moment, never across a call out.
	timeMu       sync.Mutex
	dues         timeline         // the groups holding anything, by when expiry has to do with them
	opened       timeline         // the groups with spans open, by the oldest: evicted first beyond max_open
	kept         timeline         // the groups with tombstones, by the oldest: trimmed first beyond max_open
	nOpen, nKept int              // spans open or waiting; tombstones
	unsettled    map[string][]rec // by root, spans emitted but not written: told to the root's next hold
	anyUnsettled atomic.Bool      // read without timeMu

	lim     limits
	maxOpen int            // beyond it, Expire closes the oldest whatever their age
	groups  *storageGroups // nil for memory, else set by UseStorage
}

// NewTracker returns a Tracker that closes, as incomplete, what stays open longer
// than timeout and the oldest open beyond maxOpen, and emits a closed span after grace.
func NewTracker(timeout, grace time.Duration, maxOpen int) *Tracker {
	return &Tracker{
		index:     newIndex(),
		lim:       limits{timeout: timeout, keep: timeout, grace: grace, lease: lease},
		maxOpen:   maxOpen,
		unsettled: map[string][]rec{},
	}
}

// lease is how long a sweep's handing over of a span stands: longer than a sweep's calls;
// past it with no answer written (the process died), a sweep hands the span over again.
const lease = 2 * time.Minute

// Open returns how many lifecycles are open.
func (t *Tracker) Open() int {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	return t.nOpen
}

// Emit hands spans to the traces pipeline; nil is their acceptance.
type Emit func(spans ptrace.Traces) error

// Apply moves the lifecycles by the events' transitions, arrived at now, as one transaction on the
// roots they touch (txn.go): it emits the spans whose grace is over (none while there is a grace:
// the check emits them) and stores what changed. Refused, see below.
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
			g, out := apply(h.g, moveOf(tr), now, t.lim)
			h.g, h.out, h.changed = g, append(h.out, out...), true
		}
	}
	// Refused, memory (changed in place) keeps what the events changed, its spans waiting for the next
	// check; a storage keeps what it had, which the retry reads: another replica finds no span to emit.
	err := x.emit(emit)
	if err != nil && t.groups != nil {
		return err
	}
	if cerr := x.commit(); cerr != nil {
		if err == nil {
			t.unsettle(&x)
		}
		return cerr
	}
	return err
}

// emit hands the spans that came out, if any, to the pipeline and settles them as it answered;
// a panic settles them as refused (in memory, committed, as a refusal is), then goes on up.
func (x *txn) emit(emit Emit) (err error) {
	if !slices.ContainsFunc(x.roots(), func(h held) bool { return len(h.out) > 0 }) {
		return nil
	}
	defer func() {
		p := recover()
		for i := range x.roots() {
			if h := &x.roots()[i]; len(h.out) > 0 {
				h.g, h.changed = settle(h.g, h.out, err == nil && p == nil), true
			}
		}
		if p != nil {
			if x.tracker.groups == nil {
				_ = x.commit()
			}
			panic(p)
		}
	}()
	return emit(x.traces())
}

// ErrStorage refuses a delivery whose lifecycles could not be read from, or
// written to, the storage (logged where it happened). Retryable: nothing changed.
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
