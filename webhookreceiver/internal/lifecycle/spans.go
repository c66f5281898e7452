package lifecycle

// Spans as pdata, with the IDs the reference gives (Traces and their IDs).

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// appendSpan writes the span of r, from src, and its timeline's phases.
func appendSpan(td ptrace.Traces, src translate.Source, r *rec) {
	key := r.id()
	ss := td.ResourceSpans().AppendEmpty()
	src.FillResource(ss.Resource())
	scope := ss.ScopeSpans().AppendEmpty()
	src.FillScope(scope.Scope())
	spans := scope.Spans()
	span := spans.AppendEmpty()
	if r.root == "" {
		traceID, spanID := traceids.Root(key)
		span.SetTraceID(traceID)
		span.SetSpanID(spanID)
	} else {
		traceID, rootID := traceids.Root(r.root)
		span.SetTraceID(traceID)
		span.SetParentSpanID(rootID)
		span.SetSpanID(traceids.Child(key))
	}
	a := r.attrs
	if r.by.incomplete() {
		a = merged(a, incomplete)
	}
	fillSpan(span, r.name, r.start, r.end, a)
	if r.failed {
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage(r.message)
	}
	// Each phase lasts until the next one starts, the last until the end.
	for i, s := range r.steps {
		phaseEnd := r.end
		if i+1 < len(r.steps) {
			phaseEnd = r.steps[i+1].at
		}
		phase := spans.AppendEmpty()
		phase.SetTraceID(span.TraceID())
		phase.SetParentSpanID(span.SpanID())
		phase.SetSpanID(traceids.Child(timedKey(s.slot, s.at)))
		fillSpan(phase, s.name, s.at, maxTime(s.at, phaseEnd), s.attrs)
	}
}

// incomplete is merged into the spans of what closed incomplete.
var incomplete = attrs{kv: []attr{{AttrIncomplete, "true"}}}

// spanID is the key a span's ID is made of (timedKey for a stay).
func spanID(key string, o open) string {
	if o.perStart {
		return timedKey(key, o.start)
	}
	return key
}

// timedKey is key/<t in RFC 3339>: the key of one stay of a span, or of one
// phase. The time is written on the stack: the key is the one string made.
func timedKey(key string, t time.Time) string {
	var b [len("2006-01-02T15:04:05.999999999Z07:00")]byte
	return key + "/" + string(t.UTC().AppendFormat(b[:0], time.RFC3339Nano))
}

func fillSpan(span ptrace.Span, name string, start, end time.Time, attrs attrs) {
	span.SetName(name)
	span.SetKind(ptrace.SpanKindInternal)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	attrs.put(span)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
