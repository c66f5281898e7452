package zoom

import (
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// attributesHint is room for the IDs of a participant's event.
const attributesHint = 8

// Decode reads {"event", "event_ts" (ms), "payload": {"account_id",
// "object": {...}}}: one event per delivery.
func (z *zoom) Decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	root := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(string(d.Body), root); err != nil {
		return nil, err
	}
	event := ""
	if v, ok := root.Get("event"); ok && v.Type() == pcommon.ValueTypeStr {
		event = v.Str()
	}
	if event == "" {
		return nil, errors.New(`"event" must be a non-empty string`)
	}
	ev := provider.Event{
		Type: event,
		// Zoom sends no delivery ID that its retries repeat; a retry
		// repeats the body exactly (it is signed anew, with a new
		// timestamp, in the headers).
		DeliveryKey: provider.ContentKey(d.Body),
		Attributes:  provider.NewAttributes(attributesHint),
		Body:        body,
	}
	if v, ok := root.Get("event_ts"); ok {
		ev.Time = bodyfields.Time(v)
	}
	e := evt{ev: &ev, at: ev.Time}
	if e.at.IsZero() {
		e.at = d.Received // spans still need a time
	}
	if payload, ok := object(root, "payload"); ok {
		e.put("zoom.account.id", text(payload, "account_id"))
		if obj, ok := object(payload, "object"); ok {
			e.object(obj)
		}
	}
	e.lifecycle()
	return []provider.Event{ev}, nil
}

// evt decodes one event's object into it.
type evt struct {
	ev *provider.Event
	at time.Time
	// kind and uuid are the meeting's or webinar's the event belongs to
	// (kind is nil for none).
	kind *instance
	uuid string
	obj  pcommon.Map
	// participant is the object's participant, when it has one; who is
	// what tells one participant's stays apart.
	participant pcommon.Map
	who         string
}

// object reads a meeting's or webinar's fields; other families (user.*,
// account.*, …) keep their object in the body only, as its "id" means
// something else there.
func (e *evt) object(obj pcommon.Map) {
	family, _, _ := strings.Cut(e.ev.Type, ".")
	switch family {
	case "meeting", "recording":
		e.kind = &meeting
		if isWebinarType(text(obj, "type")) { // a webinar's recording
			e.kind = &webinar
		}
	case "webinar":
		e.kind = &webinar
	default:
		return
	}
	e.obj = obj
	e.uuid = text(obj, "uuid")
	e.put(e.kind.id, text(obj, "id"))
	e.put(e.kind.uuid, e.uuid)
	e.put("zoom.host.id", text(obj, "host_id"))
	if p, ok := object(obj, "participant"); ok {
		e.participant = p
		e.put("zoom.participant.user_id", text(p, "user_id"))
		e.put("zoom.participant.id", text(p, "id"))
		e.put("zoom.participant.uuid", text(p, "participant_uuid"))
		e.put("zoom.participant.registrant_id", text(p, "registrant_id"))
		e.put("zoom.participant.leave_reason", text(p, "leave_reason"))
		// participant_uuid is one person's in one instance; user_id is
		// per meeting session, and a rejoin gets a new one.
		for _, k := range []string{"participant_uuid", "user_id", "id"} {
			if e.who = text(p, k); e.who != "" {
				break
			}
		}
	}
}

// instance names what is said of a meeting or of a webinar, once.
type instance struct {
	span, id, uuid string // the root span's name, the attributes' names
	root           string // the head of the root key
}

var (
	meeting = instance{span: "zoom.meeting", id: "zoom.meeting.id", uuid: "zoom.meeting.uuid", root: "zoom/meeting/"}
	webinar = instance{span: "zoom.webinar", id: "zoom.webinar.id", uuid: "zoom.webinar.uuid", root: "zoom/webinar/"}
)

// isWebinarType: Zoom's webinar types (5 webinar, 6 recurring without a
// fixed time, 9 recurring with one) among the meeting types a recording's
// object carries.
func isWebinarType(t string) bool { return t == "5" || t == "6" || t == "9" }

func (e *evt) put(name, value string) {
	if value != "" {
		e.ev.Attributes.PutStr(name, value)
	}
}

// text is m[k] as text when it is a non-empty string or a number, "" else.
func text(m pcommon.Map, k string) string {
	v, ok := m.Get(k)
	if !ok {
		return ""
	}
	return bodyfields.Text(v)
}

// object is m[k] when it is an object.
func object(m pcommon.Map, k string) (pcommon.Map, bool) {
	v, ok := m.Get(k)
	if !ok || v.Type() != pcommon.ValueTypeMap {
		return pcommon.Map{}, false
	}
	return v.Map(), true
}

// timeOf is m[k] as an RFC 3339 time, or the event's.
func (e *evt) timeOf(m pcommon.Map, k string) time.Time {
	if m == (pcommon.Map{}) {
		return e.at
	}
	if t, err := time.Parse(time.RFC3339Nano, text(m, k)); err == nil {
		return t
	}
	return e.at
}
