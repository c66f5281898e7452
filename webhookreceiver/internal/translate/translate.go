// Package translate writes events as OTLP log records.
package translate

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// Attribute names the receiver sets on every record and resource.
const (
	AttrProvider   = "webhook.provider"
	AttrEventType  = "webhook.event_type"
	AttrDeliveryID = "webhook.delivery_id"
	attrService    = "service.name"
)

// Source says where events come from: it becomes the resource and the scope.
type Source struct {
	Provider string // the platform's key
	// Namespace prefixes EventNames ("<namespace>.<event>"): the provider's
	// provider.Namer, else Provider.
	Namespace    string
	ServiceName  string
	ScopeName    string
	ScopeVersion string
}

// FillResource sets the resource attributes of everything from src.
func (src Source) FillResource(r pcommon.Resource) {
	r.Attributes().EnsureCapacity(2)
	r.Attributes().PutStr(attrService, src.ServiceName)
	r.Attributes().PutStr(AttrProvider, src.Provider)
}

// FillScope names the instrumentation scope: this receiver.
func (src Source) FillScope(s pcommon.InstrumentationScope) {
	s.SetName(src.ScopeName)
	s.SetVersion(src.ScopeVersion)
}

// Logs writes one log record per event, under one resource and scope. It
// moves each event's Body and Attributes into its record: the events are
// spent afterwards.
func Logs(src Source, events []provider.Event, observed time.Time) plog.Logs {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	src.FillResource(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	src.FillScope(sl.Scope())
	records := sl.LogRecords()
	records.EnsureCapacity(len(events))
	namespace := src.Namespace
	if namespace == "" {
		namespace = src.Provider
	}
	for i := range events {
		ev := &events[i]
		lr := records.AppendEmpty()
		name := ev.Name
		if name == "" {
			name = ev.Type
		}
		lr.SetEventName(namespace + "." + name)
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(observed))
		if !ev.Time.IsZero() {
			lr.SetTimestamp(pcommon.NewTimestampFromTime(ev.Time))
		}
		sev := ev.Severity
		if sev == plog.SeverityNumberUnspecified {
			sev = plog.SeverityNumberInfo
		}
		lr.SetSeverityNumber(sev)
		lr.SetSeverityText(severityText(sev))
		if ev.Body != (pcommon.Value{}) {
			ev.Body.MoveTo(lr.Body())
		}
		attrs := lr.Attributes()
		if ev.Attributes != (pcommon.Map{}) {
			ev.Attributes.MoveTo(attrs)
		}
		attrs.EnsureCapacity(attrs.Len() + 2)
		attrs.PutStr(AttrEventType, ev.Type)
		attrs.PutStr(AttrDeliveryID, ev.DeliveryKey)
		if ev.Trace != "" {
			traceID, spanID := traceids.Root(ev.Trace)
			lr.SetTraceID(traceID)
			lr.SetSpanID(spanID)
		}
	}
	return logs
}

// severityText names the severity ranges of the OpenTelemetry log data model.
func severityText(s plog.SeverityNumber) string {
	switch {
	case s >= plog.SeverityNumberFatal:
		return "FATAL"
	case s >= plog.SeverityNumberError:
		return "ERROR"
	case s >= plog.SeverityNumberWarn:
		return "WARN"
	case s >= plog.SeverityNumberInfo:
		return "INFO"
	case s >= plog.SeverityNumberDebug:
		return "DEBUG"
	default:
		return "TRACE"
	}
}
