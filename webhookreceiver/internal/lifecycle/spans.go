package lifecycle

// Spans: an open lifecycle as the spans it closes, with the IDs the
// reference gives (Traces and their IDs), and its timeline's phases.

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// appendSpan writes the span of o, ended at end, and the phases of its
// timeline if it has one.
func appendSpan(td ptrace.Traces, key string, o open, end time.Time, failed bool, message string) {
	key = spanID(key, o)
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
