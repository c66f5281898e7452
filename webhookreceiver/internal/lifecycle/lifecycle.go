// Package lifecycle turns the lifecycle transitions carried by events into
// spans: it keeps what is open, and emits a span when it closes.
package lifecycle

import (
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// AttrIncomplete marks a span whose start or end was never seen.
const AttrIncomplete = "webhook.lifecycle.incomplete"

// open is a span that started and has not ended yet.
type open struct {
	src   translate.Source
	root  string
	name  string
	start time.Time
	attrs map[string]string
}

// Tracker keeps the open lifecycles in memory. Its zero value is not usable:
// use NewTracker.
type Tracker struct {
	mu      sync.Mutex
	open    map[string]open
	timeout time.Duration
}

// NewTracker returns a Tracker that closes, as incomplete, what stays open
// longer than timeout.
func NewTracker(timeout time.Duration) *Tracker {
	return &Tracker{open: map[string]open{}, timeout: timeout}
}

// Open returns how many lifecycles are open.
func (t *Tracker) Open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.open)
}

// Plan returns the spans that events close, without changing what is open;
// commit applies the events' transitions once the spans were accepted, so a
// refused delivery, retried by its platform, closes its spans again.
// Spans take their times from the events, not from their arrival.
func (t *Tracker) Plan(src translate.Source, events []provider.Event) (spans ptrace.Traces, commit func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	spans = ptrace.NewTraces()
	changes := map[string]*open{} // key -> new state; nil closes it
	for i := range events {
		tr := events[i].Lifecycle
		if tr == nil {
			continue
		}
		cur, isOpen := t.open[tr.Key]
		if c, changed := changes[tr.Key]; changed {
			isOpen = c != nil
			if isOpen {
				cur = *c
			}
		}
		if !tr.Start.IsZero() {
			if !isOpen {
				cur = open{src: src, root: tr.Root, name: tr.Name, start: tr.Start, attrs: map[string]string{}}
				isOpen = true
			}
			if tr.Start.Before(cur.start) { // a start that arrived late
				cur.start = tr.Start
			}
		}
		if !isOpen { // an end without a start: a span of no length
			cur = open{src: src, root: tr.Root, name: tr.Name, start: tr.End, attrs: map[string]string{AttrIncomplete: "true"}}
		}
		cur.attrs = merged(cur.attrs, tr.Attributes)
		if tr.End.IsZero() {
			changes[tr.Key] = &cur
			continue
		}
		appendSpan(spans, tr.Key, cur, tr.End, tr.Failed, tr.Message)
		changes[tr.Key] = nil
	}
	return spans, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		for key, c := range changes {
			if c == nil {
				delete(t.open, key)
			} else {
				t.open[key] = *c
			}
		}
	}
}

// Expire returns, marked incomplete and ended at now, the lifecycles open for
// longer than the timeout; commit forgets them once they were accepted.
func (t *Tracker) Expire(now time.Time) (spans ptrace.Traces, commit func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	spans = ptrace.NewTraces()
	var expired []string
	for key, o := range t.open {
		if now.Sub(o.start) > t.timeout {
			expired = append(expired, key)
		}
	}
	slices.Sort(expired) // a stable order for those reading the output
	for _, key := range expired {
		o := t.open[key]
		o.attrs = merged(o.attrs, map[string]string{AttrIncomplete: "true"})
		appendSpan(spans, key, o, now, false, "")
	}
	return spans, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, key := range expired {
			delete(t.open, key)
		}
	}
}

func merged(into, from map[string]string) map[string]string {
	if len(from) == 0 {
		return into
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

// appendSpan writes one span under the resource and scope of its source.
func appendSpan(td ptrace.Traces, key string, o open, end time.Time, failed bool, message string) {
	rs := td.ResourceSpans().AppendEmpty()
	o.src.FillResource(rs.Resource())
	ss := rs.ScopeSpans().AppendEmpty()
	o.src.FillScope(ss.Scope())
	span := ss.Spans().AppendEmpty()
	span.SetName(o.name)
	span.SetKind(ptrace.SpanKindInternal)
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
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(o.start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	keys := make([]string, 0, len(o.attrs))
	for k := range o.attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		span.Attributes().PutStr(k, o.attrs[k])
	}
	if failed {
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage(message)
	}
}
