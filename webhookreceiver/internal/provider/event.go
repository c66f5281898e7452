package provider

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Event is the one normalised type between a platform and the rest of the
// receiver: everything needed to write a log record and to move a lifecycle.
type Event struct {
	// Type is the platform's own name for the event ("Event.Registration.Created").
	Type string
	// DeliveryKey identifies the delivery across the platform's retries.
	DeliveryKey string
	// Time is the event's own time; zero when the payload carries none.
	Time time.Time
	// Severity of the log record; unset means INFO.
	Severity plog.SeverityNumber
	// Attributes are the entity IDs (<provider>.<entity>.id) and the
	// event-specific fields, ready to be copied onto the log record.
	Attributes pcommon.Map
	// Body is the whole delivery as a structured value.
	Body pcommon.Value
	// Lifecycle is the lifecycle transition the event implies, if any.
	Lifecycle *Transition
}

// Transition moves one lifecycle entity: it opens a span, closes it, or both
// (a point in time that is its own span, such as a transcript utterance).
type Transition struct {
	// Key names the span within its trace: "<provider>/<kind>/<id>" for a
	// root, "<root key>/<kind>/<id or start>" for a child.
	Key string
	// Root is the key of the trace's root ("" when Key is itself a root).
	Root string
	// Name is the span's low-cardinality name ("attendee.bot").
	Name string
	// Start and End are set when the event starts or ends the span; both
	// may be set.
	Start, End time.Time
	// Failed marks an end that failed, with Message as the span status text.
	Failed  bool
	Message string
	// Attributes are copied onto the span.
	Attributes map[string]string
}
