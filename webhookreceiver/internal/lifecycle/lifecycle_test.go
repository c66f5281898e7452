package lifecycle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

var (
	src = translate.Source{Provider: "demo", ServiceName: "demo", ScopeName: "scope", ScopeVersion: "v"}
	t0  = time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC)
)

const root = "demo/thing/1"

func ev(tr provider.Transition) provider.Event { return provider.Event{Lifecycle: &tr} }

func only(t *testing.T, td ptrace.Traces) ptrace.Span {
	t.Helper()
	require.Equal(t, 1, td.SpanCount())
	rs := td.ResourceSpans().At(0)
	require.Equal(t, map[string]any{"service.name": "demo", "webhook.provider": "demo"}, rs.Resource().Attributes().AsRaw())
	require.Equal(t, "scope", rs.ScopeSpans().At(0).Scope().Name())
	return rs.ScopeSpans().At(0).Spans().At(0)
}

func TestStartThenEnd(t *testing.T) {
	tr := NewTracker(time.Hour)
	spans, commit := tr.Plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "demo.thing", Start: t0, Attributes: map[string]string{"a": "1"}})})
	require.Equal(t, 0, spans.SpanCount())
	require.Equal(t, 0, tr.Open(), "nothing changes before commit")
	commit()
	require.Equal(t, 1, tr.Open())

	spans, commit = tr.Plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "demo.thing", End: t0.Add(time.Minute), Failed: true, Message: "boom", Attributes: map[string]string{"b": "2"}})})
	s := only(t, spans)
	traceID, spanID := traceids.Root(root)
	require.Equal(t, traceID, s.TraceID())
	require.Equal(t, spanID, s.SpanID())
	require.True(t, s.ParentSpanID().IsEmpty())
	require.Equal(t, "demo.thing", s.Name())
	require.Equal(t, pcommon.NewTimestampFromTime(t0), s.StartTimestamp())
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Minute)), s.EndTimestamp())
	require.Equal(t, map[string]any{"a": "1", "b": "2"}, s.Attributes().AsRaw())
	require.Equal(t, ptrace.StatusCodeError, s.Status().Code())
	require.Equal(t, "boom", s.Status().Message())
	require.Equal(t, 1, tr.Open(), "a refused span stays open, so the retry closes it again")
	commit()
	require.Equal(t, 0, tr.Open())
}

func TestChildSpan(t *testing.T) {
	tr := NewTracker(time.Hour)
	key := root + "/part/7"
	spans, _ := tr.Plan(src, []provider.Event{
		ev(provider.Transition{Key: key, Root: root, Name: "demo.part", Start: t0}),
		ev(provider.Transition{Key: key, Root: root, Name: "demo.part", End: t0.Add(time.Second)}),
	})
	s := only(t, spans)
	traceID, rootID := traceids.Root(root)
	require.Equal(t, traceID, s.TraceID())
	require.Equal(t, rootID, s.ParentSpanID())
	require.Equal(t, traceids.Child(key), s.SpanID())
}

func TestLateStartMovesStartEarlier(t *testing.T) {
	tr := NewTracker(time.Hour)
	_, commit := tr.Plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0.Add(time.Minute)})})
	commit()
	_, commit = tr.Plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", Start: t0})})
	commit()
	spans, _ := tr.Plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0.Add(time.Hour)})})
	require.Equal(t, pcommon.NewTimestampFromTime(t0), only(t, spans).StartTimestamp())
}

func TestEndWithoutStartIsIncomplete(t *testing.T) {
	tr := NewTracker(time.Hour)
	spans, commit := tr.Plan(src, []provider.Event{ev(provider.Transition{Key: root, Name: "n", End: t0})})
	s := only(t, spans)
	require.Equal(t, "true", s.Attributes().AsRaw()[AttrIncomplete])
	require.Equal(t, s.StartTimestamp(), s.EndTimestamp())
	commit()
	require.Equal(t, 0, tr.Open())
}

func TestExpire(t *testing.T) {
	tr := NewTracker(time.Hour)
	_, commit := tr.Plan(src, []provider.Event{
		ev(provider.Transition{Key: root, Name: "n", Start: t0}),
		ev(provider.Transition{Key: "demo/thing/2", Name: "n", Start: t0.Add(30 * time.Minute)}),
	})
	commit()
	spans, commit := tr.Expire(t0.Add(time.Hour + time.Second))
	s := only(t, spans)
	traceID, _ := traceids.Root(root)
	require.Equal(t, traceID, s.TraceID())
	require.Equal(t, "true", s.Attributes().AsRaw()[AttrIncomplete])
	require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Hour+time.Second)), s.EndTimestamp())
	require.Equal(t, 2, tr.Open(), "kept until the expired spans were accepted")
	commit()
	require.Equal(t, 1, tr.Open())
}

func TestEventsWithoutLifecycle(t *testing.T) {
	tr := NewTracker(time.Hour)
	spans, commit := tr.Plan(src, []provider.Event{{Type: "x"}})
	require.Equal(t, 0, spans.SpanCount())
	commit()
	require.Equal(t, 0, tr.Open())
}
