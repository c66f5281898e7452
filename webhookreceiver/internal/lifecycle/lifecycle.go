// Package lifecycle turns the lifecycle transitions carried by events into
// spans: it keeps what is open, and emits a span when it closes. What is
// open is grouped by root (index.go), kept in memory or a storage extension
// shared by replicas (storage.go, record.go), and changed by transactions
// over held roots (txn.go): a delivery's plan (plan.go) or a batch of
// expiry (expiry.go), which finds what is due at the top of a heap (heap.go).
package lifecycle

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// AttrIncomplete marks a span whose start or end was never seen.
const AttrIncomplete = "webhook.lifecycle.incomplete"

// incomplete is merged into such spans; shared, as attrs never change.
var incomplete = attrs{kv: []attr{{AttrIncomplete, "true"}}}

// open is a span that started and has not ended yet, or (start zero) an
// end that arrived before its start and waits for it.
type open struct {
	src      translate.Source
	root     string // "" for a root
	name     string
	start    time.Time
	perStart bool
	withRoot bool // ends when its root ends
	attrs    attrs
	steps    []step // a root's timeline phases, in time order

	end     time.Time // set while the end waits for its start
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

// Tracker keeps the open lifecycles in memory. Its zero value is not usable:
// use NewTracker.
type Tracker struct {
	index *index // what is open, by root, and the roots' locks

	// timeMu guards the heaps, the records below and the dues in them; it
	// is held for a moment, never across a call out.
	timeMu sync.Mutex
	opened timeline // what is open, oldest first: its length is how many
	// closed remembers, for the timeout, where each emitted span ended: a
	// start or end of it arriving late changes nothing. ended holds the same
	// records, oldest first.
	closed map[string]*due
	ended  timeline
	// unwritten holds the spans emitted by commits whose write failed
	// (unwritten.go), with their ends; nUnwritten, its length, is read
	// without timeMu.
	unwritten  map[string]time.Time
	nUnwritten atomic.Int64

	timeout time.Duration
	maxOpen int // beyond it, Expire closes the oldest whatever their age

	// groups keeps what is open for good: nil for memory, or with
	// UseStorage (before the first delivery) the storage (storage.go).
	groups *storageGroups
}

// NewTracker returns a Tracker that closes, as incomplete, what stays open
// longer than timeout, and the oldest of what is open beyond maxOpen.
func NewTracker(timeout time.Duration, maxOpen int) *Tracker {
	return &Tracker{index: newIndex(), closed: map[string]*due{}, timeout: timeout, maxOpen: maxOpen}
}

// Open returns how many lifecycles are open.
func (t *Tracker) Open() int {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	return t.opened.len()
}

// Emit hands spans to the traces pipeline; nil is their acceptance.
type Emit func(spans ptrace.Traces) error

// Apply moves the lifecycles by the events' transitions: it emits the spans
// they close and, only once emit accepted them, changes what is open, so
// that a refused delivery, retried by its platform, closes its spans again.
// The three are one transaction on the roots the events touch (txn.go):
// two deliveries of one lifecycle planned side by side would each miss the
// other. emit is not called when nothing closes. Spans take their times
// from the events, not from their arrival.
func (t *Tracker) Apply(src translate.Source, events []provider.Event, emit Emit) error {
	p := plan{txn: txn{tracker: t}, src: src} // on the stack: gone once applied
	defer p.release()
	if err := p.fill(events); err != nil {
		return err
	}
	return p.apply(emit)
}

// ErrStorage refuses a delivery whose lifecycles could not be read from,
// or written to, the storage; the failure itself is logged where it
// happened. It is retryable: nothing changed.
var ErrStorage = errors.New("the lifecycles' storage could not be read or written, retry later")

// Expire emits, marked incomplete and ended at now, the lifecycles open for
// longer than the timeout (and the oldest beyond maxOpen), and forgets them
// once emit accepted them; see Apply. It goes in batches, each emitted on
// its own. A batch that emit refuses for good (consumererror.IsPermanent)
// would be refused again: it is forgotten all the same, counted in
// dropped, and the sweep goes on. A batch refused otherwise, or whose
// storage cannot be read or written, stops the sweep: it is tried again at
// the next one, and spans it already emitted are not emitted again.
func (t *Tracker) Expire(now time.Time, emit Emit) (dropped int, err error) {
	t.verifyOpen() // with replicas, max_open counts what the storage has open
	for more := true; more; more = t.overdue(now) {
		n, err := t.expireBatch(now, emit)
		if dropped += n; err != nil {
			return dropped, err
		}
	}
	return dropped, nil
}
