// Package lifecycle turns the lifecycle transitions carried by events into
// spans: it keeps what is open, and emits a span when it closes.
package lifecycle

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// AttrIncomplete marks a span whose start or end was never seen.
const AttrIncomplete = "webhook.lifecycle.incomplete"

// incomplete is the attribute merged into such spans; shared, as attribute
// maps are never changed once made.
var incomplete = map[string]string{AttrIncomplete: "true"}

// open is a span that started and has not ended yet, or (start zero) an
// end that arrived before its start and waits for it.
type open struct {
	src      translate.Source
	root     string // "" for a root
	name     string
	start    time.Time
	perStart bool
	withRoot bool // ends when its root ends
	attrs    map[string]string
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
	attrs map[string]string
}

// Tracker keeps the open lifecycles in memory. Its zero value is not usable:
// use NewTracker.
type Tracker struct {
	// applying makes plan, emit and commit one step (see Apply); mu guards
	// the maps, also for those who only read them (Open).
	applying sync.Mutex
	mu       sync.Mutex
	open     map[string]open
	// closed remembers, until the timeout, where each emitted span ended, so
	// that a start arriving after its span was emitted does not open it anew.
	closed  map[string]time.Time
	timeout time.Duration
	maxOpen int // beyond it, Expire closes the oldest whatever their age

	store  storage.Client // nil: memory only (see UseStorage)
	logger *zap.Logger
}

// NewTracker returns a Tracker that closes, as incomplete, what stays open
// longer than timeout, and the oldest of what is open beyond maxOpen.
func NewTracker(timeout time.Duration, maxOpen int) *Tracker {
	return &Tracker{open: map[string]open{}, closed: map[string]time.Time{}, timeout: timeout, maxOpen: maxOpen, logger: zap.NewNop()}
}

// Open returns how many lifecycles are open.
func (t *Tracker) Open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.open)
}

// Emit hands spans to the traces pipeline; nil is their acceptance.
type Emit func(spans ptrace.Traces) error

// Apply moves the lifecycles by the events' transitions: it emits the spans
// they close and, only once emit accepted them, changes what is open, so
// that a refused delivery, retried by its platform, closes its spans
// again. The three are one step: two deliveries of one lifecycle planned
// side by side would each miss the other. emit is not called when nothing
// closes. Spans take their times from the events, not from their arrival.
func (t *Tracker) Apply(src translate.Source, events []provider.Event, emit Emit) error {
	t.applying.Lock()
	defer t.applying.Unlock()
	var p plan // on the stack: a delivery's plan is gone once applied
	t.fill(&p, src, events)
	return emitThenCommit(p.spans, p.commit, emit)
}

// Expire emits, marked incomplete and ended at now, the lifecycles open for
// longer than the timeout (and the oldest beyond maxOpen), and forgets them
// once emit accepted them; see Apply.
func (t *Tracker) Expire(now time.Time, emit Emit) error {
	t.applying.Lock()
	defer t.applying.Unlock()
	spans, commit := t.expire(now)
	return emitThenCommit(spans, commit, emit)
}

// emitThenCommit emits spans, unless there are none (or, never made, they
// are the zero Traces), and commits once they were accepted.
func emitThenCommit(spans ptrace.Traces, commit func(), emit Emit) error {
	if spans != (ptrace.Traces{}) && spans.SpanCount() > 0 {
		if err := emit(spans); err != nil {
			return err
		}
	}
	commit()
	return nil
}

// fill plans, into p, the spans that events close.
func (t *Tracker) fill(p *plan, src translate.Source, events []provider.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.tracker, p.src = t, src
	for i := range events {
		for j := range events[i].Transitions {
			tr := &events[i].Transitions[j]
			if tr.Step.IsZero() {
				p.span(tr)
			} else {
				p.step(tr)
			}
		}
	}
}

// commit applies the planned changes to the tracker and its storage.
func (p *plan) commit() {
	t := p.tracker
	t.mu.Lock()
	defer t.mu.Unlock()
	for key, c := range p.changes {
		if c == nil {
			delete(t.open, key)
		} else {
			t.open[key] = *c
		}
	}
	for key, end := range p.closed {
		t.closed[key] = end
	}
	t.write(p.changes, p.closed)
}

// plan is the state of one planning (Apply's, or the two-phase plan's): the
// tracker's open lifecycles as the events seen so far changed them.
type plan struct {
	tracker *Tracker
	src     translate.Source
	changes map[string]*open     // key -> new state; nil closes it (made on first use)
	closed  map[string]time.Time // made on first use
	spans   ptrace.Traces        // made on first use (see traces)
}

// traces returns the spans planned so far, made on first use: most
// deliveries close nothing.
func (p *plan) traces() ptrace.Traces {
	if p.spans == (ptrace.Traces{}) {
		p.spans = ptrace.NewTraces()
	}
	return p.spans
}

// emit writes the span of o under key, ended at end, and remembers it closed.
func (p *plan) emit(key string, o open, end time.Time, failed bool, message string) {
	appendSpan(p.traces(), key, o, end, failed, message)
	if p.closed == nil {
		p.closed = map[string]time.Time{}
	}
	p.closed[key] = end
}

// closedAt reports where the span under key ended, if it was emitted within
// the timeout, or a little longer when the record comes from a storage,
// which is pruned on its own clock: a start that late still belongs to the
// span emitted, so ignoring it is right either way.
func (p *plan) closedAt(key string) (time.Time, bool) {
	if end, ok := p.closed[key]; ok {
		return end, true
	}
	if end, ok := p.tracker.closed[key]; ok {
		return end, true
	}
	return p.tracker.loadClosed(key)
}

func (p *plan) get(key string) (open, bool) {
	if c, changed := p.changes[key]; changed {
		if c == nil {
			return open{}, false
		}
		return *c, true
	}
	if o, ok := p.tracker.open[key]; ok {
		return o, true
	}
	return p.tracker.loadOpen(key)
}

func (p *plan) put(key string, o open) { p.change(key, &o) }
func (p *plan) del(key string)         { p.change(key, nil) }

func (p *plan) change(key string, o *open) {
	if p.changes == nil {
		p.changes = map[string]*open{}
	}
	p.changes[key] = o
}

// span applies a start and/or end to the span under tr.Key.
func (p *plan) span(tr *provider.Transition) {
	cur, isOpen := p.get(tr.Key)
	if isOpen && cur.start.IsZero() { // an end is waiting for its start
		p.startWaitingEnd(tr, cur)
		return
	}
	if !isOpen && !tr.Start.IsZero() { // only then is a closed record asked for (a storage read)
		if end, closed := p.closedAt(tr.Key); closed && !tr.Start.After(end) {
			return // the start of a span already emitted, arriving late: it is past changing
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
			appendSpan(p.traces(), tr.Key, cur, tr.Start, false, "")
			cur = p.newOpen(tr, tr.Start)
		case tr.Start.Before(cur.start): // a start that arrived late
			cur.start = tr.Start
		}
	}
	cur.attrs = merged(cur.attrs, tr.Attributes)
	switch {
	case tr.End.IsZero():
		p.put(tr.Key, cur)
	case !isOpen:
		// An end before its start: it waits for the start, or for the
		// timeout, which emits it incomplete.
		waiting := p.newOpen(tr, time.Time{})
		waiting.end, waiting.failed, waiting.message = tr.End, tr.Failed, tr.Message
		p.put(tr.Key, waiting)
	case tr.End.Before(cur.start):
		// An end older than what is open belongs to an earlier stay whose
		// start was never seen.
		p.lone(tr)
	case !wasOpen:
		// Started and ended at once (an utterance): a span of its own, with
		// nothing to remember; a retry of it is a duplicate delivery.
		appendSpan(p.traces(), tr.Key, cur, tr.End, tr.Failed, tr.Message)
	default:
		p.emit(tr.Key, cur, tr.End, tr.Failed, tr.Message)
		p.del(tr.Key)
		if cur.root == "" {
			p.closeChildren(tr.Key, tr.End)
		}
	}
}

// closeChildren ends, where their root ends, the children still open under
// it that end with it (a participant still in the meeting when the bot
// left): nothing more will be seen of them. They are marked incomplete, their
// own end unseen.
func (p *plan) closeChildren(root string, end time.Time) {
	var keys []string
	for key, o := range p.tracker.open {
		if o.root == root && o.withRoot {
			keys = append(keys, key)
		}
	}
	for key, o := range p.changes {
		if o != nil && o.root == root && o.withRoot {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys) // a child both open and changed
	for _, key := range keys {
		o, ok := p.get(key)
		if !ok || o.start.IsZero() {
			continue // closed already, or an end that waits for its start
		}
		o.attrs = merged(o.attrs, incomplete)
		p.emit(key, o, maxTime(o.start, end), false, "")
		p.del(key)
	}
}

// startWaitingEnd applies tr to an end that arrived before its start.
func (p *plan) startWaitingEnd(tr *provider.Transition, waiting open) {
	switch {
	case tr.Start.IsZero() || !tr.End.IsZero():
		// Another end, or both at once: nothing to pair with; the waiting
		// end keeps waiting, the new one is dealt with as it comes.
		if !tr.End.IsZero() {
			p.lone(tr)
		}
	case !tr.Start.After(waiting.end):
		waiting.start = tr.Start
		waiting.attrs = merged(tr.Attributes, waiting.attrs)
		p.emit(tr.Key, waiting, waiting.end, waiting.failed, waiting.message)
		p.del(tr.Key)
	default:
		// The start of a later stay: the waiting end will never be paired.
		waiting.start = waiting.end
		waiting.attrs = merged(waiting.attrs, incomplete)
		appendSpan(p.traces(), tr.Key, waiting, waiting.end, waiting.failed, waiting.message)
		next := p.newOpen(tr, tr.Start)
		next.attrs = tr.Attributes
		p.put(tr.Key, next)
	}
}

// lone emits an end that has no start to pair with: a span of no length,
// marked incomplete.
func (p *plan) lone(tr *provider.Transition) {
	o := p.newOpen(tr, tr.End)
	o.attrs = merged(tr.Attributes, incomplete)
	appendSpan(p.traces(), tr.Key, o, tr.End, tr.Failed, tr.Message)
}

func (p *plan) newOpen(tr *provider.Transition, start time.Time) open {
	return open{src: p.src, root: tr.Root, name: tr.Name, start: start, perStart: tr.PerStart, withRoot: tr.EndsWithRoot}
}

// step records a phase on the timeline of an open root; a step for a root
// that is not open (never started, or already ended) changes nothing.
func (p *plan) step(tr *provider.Transition) {
	root, ok := p.get(tr.Root)
	if !ok {
		return
	}
	s := step{slot: tr.Key, name: tr.Name, at: tr.Step, attrs: tr.Attributes}
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
	p.put(tr.Root, root)
}

// expire returns, marked incomplete and ended at now, the lifecycles open
// for longer than the timeout; commit forgets them.
func (t *Tracker) expire(now time.Time) (spans ptrace.Traces, commit func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	spans = ptrace.NewTraces()
	within := func(o open) bool { return now.Sub(o.since()) <= t.timeout }
	var expired []string
	var gone []string // closed by another process sharing the storage
	for key, o := range t.open {
		if within(o) {
			continue
		}
		if t.stillOpen(key) {
			expired = append(expired, key)
		} else {
			gone = append(gone, key)
		}
	}
	for _, key := range gone {
		delete(t.open, key)
	}
	if over := len(t.open) - len(expired) - t.maxOpen; over > 0 {
		// Too many open: the oldest of the rest go now, so that memory stays
		// bounded whatever the traffic. The rest are listed only then: at
		// every tick, that list would be every open key, made under the lock.
		rest := make([]string, 0, len(t.open)-len(expired))
		for key, o := range t.open {
			if within(o) {
				rest = append(rest, key)
			}
		}
		slices.SortFunc(rest, func(a, b string) int { return t.open[a].since().Compare(t.open[b].since()) })
		expired = append(expired, rest[:over]...)
	}
	slices.Sort(expired) // a stable order for those reading the output
	ends := make(map[string]time.Time, len(expired))
	for _, key := range expired {
		o := t.open[key]
		o.attrs = merged(o.attrs, incomplete)
		end := now
		if o.start.IsZero() { // an end whose start never came
			o.start, end = o.end, o.end
		}
		appendSpan(spans, key, o, end, o.failed, o.message)
		ends[key] = end
	}
	return spans, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		for key, end := range ends {
			delete(t.open, key)
			t.closed[key] = end
		}
		for key, end := range t.closed {
			if t.forgotten(end, now) {
				delete(t.closed, key)
			}
		}
		if over := len(t.closed) - t.maxOpen; over > 0 {
			// As many records of closed spans as open ones at most: the
			// oldest go first.
			keys := slices.Collect(maps.Keys(t.closed))
			slices.SortFunc(keys, func(a, b string) int { return t.closed[a].Compare(t.closed[b]) })
			for _, key := range keys[:over] {
				delete(t.closed, key)
			}
		}
		if t.store != nil {
			gone := make(map[string]*open, len(ends))
			for key := range ends {
				gone[key] = nil
			}
			t.write(gone, ends)
		}
	}
}

// merged returns into with from's entries on top. Attribute maps are never
// changed once made, so that they can be shared: merged makes a new one.
func merged(into, from map[string]string) map[string]string {
	switch {
	case len(from) == 0:
		return into
	case len(into) == 0:
		return from // shared: attribute maps are never changed once made
	}
	out := make(map[string]string, len(into)+len(from))
	for k, v := range into {
		out[k] = v
	}
	for k, v := range from {
		out[k] = v
	}
	return out
}

// appendSpan writes the span of o, ended at end, and the phases of its
// timeline if it has one.
func appendSpan(td ptrace.Traces, key string, o open, end time.Time, failed bool, message string) {
	if o.perStart {
		key = timedKey(key, o.start)
	}
	ss := td.ResourceSpans().AppendEmpty()
	o.src.FillResource(ss.Resource())
	scope := ss.ScopeSpans().AppendEmpty()
	o.src.FillScope(scope.Scope())
	spans := scope.Spans()

	span := spans.AppendEmpty()
	if o.root == "" {
		traceID, spanID := traceids.Root(key)
		span.SetTraceID(traceID)
		span.SetSpanID(spanID)
	} else {
		traceID, rootID := traceids.Root(o.root)
		span.SetTraceID(traceID)
		span.SetParentSpanID(rootID)
		span.SetSpanID(traceids.Child(key))
	}
	fillSpan(span, o.name, o.start, end, o.attrs)
	if failed {
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage(message)
	}

	// Each phase lasts until the next one starts, the last until the end.
	for i, s := range o.steps {
		phaseEnd := end
		if i+1 < len(o.steps) {
			phaseEnd = o.steps[i+1].at
		}
		phase := spans.AppendEmpty()
		phase.SetTraceID(span.TraceID())
		phase.SetParentSpanID(span.SpanID())
		phase.SetSpanID(traceids.Child(timedKey(s.slot, s.at)))
		fillSpan(phase, s.name, s.at, maxTime(s.at, phaseEnd), s.attrs)
	}
}

// timedKey is key/<t in RFC 3339>: the key of one stay of a span, or of one phase.
// The time is written on the stack, so that the key is the one string made.
func timedKey(key string, t time.Time) string {
	var b [len("2006-01-02T15:04:05.999999999Z07:00")]byte
	return key + "/" + string(t.UTC().AppendFormat(b[:0], time.RFC3339Nano))
}

func fillSpan(span ptrace.Span, name string, start, end time.Time, attrs map[string]string) {
	span.SetName(name)
	span.SetKind(ptrace.SpanKindInternal)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	keys := make([]string, 0, 8) // on the stack for the usual few
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	span.Attributes().EnsureCapacity(len(keys))
	for _, k := range keys {
		span.Attributes().PutStr(k, attrs[k])
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
