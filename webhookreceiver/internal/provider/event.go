package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Event is the one normalised type between a platform and the rest of the
// receiver: everything needed to write a log record and to move a lifecycle.
type Event struct {
	// Type is the platform's own name for the event ("Event.Registration.Created").
	Type string
	// Name follows the provider's key in EventName; Type when empty. Airmeet
	// names "trigger.airmeet.started" "airmeet.airmeet.started".
	Name string
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
	// Trace is the root key of the lifecycle the event belongs to ("" for
	// none): its log record carries that trace's IDs.
	Trace string
	// Transitions are what the event does to lifecycles, in order.
	Transitions []Transition
}

// Transition moves one lifecycle span: it starts it, ends it, or both (a
// thing that is its own span, such as a transcript utterance); or, as a
// Step, marks a point on a timeline under its root.
type Transition struct {
	// Key names what is open: "<provider>/<kind>/<id>" for a root,
	// "<root key>/<kind>/<id>" for a child.
	Key string
	// Root is the key of the trace's root ("" when Key is itself a root).
	Root string
	// Name is the span's low-cardinality name ("attendee.bot").
	Name string
	// Start and End are set when the transition starts or ends the span;
	// both may be set.
	Start, End time.Time
	// PerStart makes every stay under Key its own span, keyed
	// "<Key>/<start>": a participant who joins twice has two presence spans.
	PerStart bool
	// Step, when set, is a point on the timeline Key under Root: the thing
	// enters a new phase at Step (a bot's state). Each phase becomes a span
	// from its step to the next one, or to the root's end, emitted when the
	// root ends; steps arriving out of order are placed by their time.
	Step time.Time
	// EndsWithRoot closes the span, marked incomplete, when its root ends
	// with it still open: a participant still in the meeting when the bot
	// left. Work that goes on after the root (processing a recording) does
	// not set it.
	EndsWithRoot bool
	// Failed marks an end that failed, with Message as the span status text.
	Failed  bool
	Message string
	// Attributes are copied onto the span (for a Step, onto its phase).
	Attributes map[string]string
}

// ContentKey is a delivery key for platforms that send no delivery ID: the
// hex SHA-256 of the head strings, each followed by a 0 byte, then body. A
// retry repeats them exactly.
func ContentKey(body []byte, head ...string) string {
	var stack [2048]byte // most deliveries fit: no allocation but the key
	b := stack[:0]
	for _, s := range head {
		b = append(append(b, s...), 0)
	}
	sum := sha256.Sum256(append(b, body...))
	var key [2 * sha256.Size]byte // hex.EncodeToString would allocate twice
	hex.Encode(key[:], sum[:])
	return string(key[:])
}

// recordAttributes is how many attributes the receiver adds to every
// event's own on its log record (webhook.event_type, webhook.delivery_id).
const recordAttributes = 2

// NewAttributes returns a map for an event's Attributes with room for n of
// the platform's and the receiver's own: filled one by one, a map grows
// (and allocates) at 1, 2, 4 and 8 entries.
func NewAttributes(n int) pcommon.Map {
	m := pcommon.NewMap()
	m.EnsureCapacity(n + recordAttributes)
	return m
}

// SpanAttributes copies the named attributes an event has, for a
// Transition: a span carries a few of its event's IDs.
func SpanAttributes(attrs pcommon.Map, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := attrs.Get(n); ok {
			out[n] = v.AsString()
		}
	}
	return out
}
