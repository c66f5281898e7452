package zoom

import (
	"errors"
	"strconv"
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
	// The delivery key is what a retry repeats. Zoom sends no delivery ID
	// that its retries keep (x-zm-trackingid names a request), and signs a
	// retry anew; nor is its body promised to be the same byte for byte (a
	// recording.completed sent again has come with new download links). So
	// a delivery is known by what names its event: the event, its time to
	// the millisecond, the account, the object's uuid and id, and the
	// participant; by its whole body when it carries no event_ts.
	ev := provider.Event{Type: event, Attributes: provider.NewAttributes(attributesHint), Body: body}
	var stack [20]byte
	var eventTS []byte // its digits, as the key's body: no allocation
	if v, ok := root.Get("event_ts"); ok {
		ev.Time = bodyfields.Time(v)
		if v.Type() == pcommon.ValueTypeInt {
			eventTS = strconv.AppendInt(stack[:0], v.Int(), 10)
		} else {
			eventTS = []byte(bodyfields.Text(v))
		}
	}
	e := evt{ev: &ev, at: ev.Time}
	if e.at.IsZero() {
		e.at = d.Received // spans still need a time
	}
	var account, uuid, id string
	if payload, ok := object(root, "payload"); ok {
		account = bodyfields.TextAt(payload, "account_id")
		e.put("zoom.account.id", account)
		if obj, ok := object(payload, "object"); ok {
			uuid, id = bodyfields.TextAt(obj, "uuid"), bodyfields.TextAt(obj, "id")
			e.object(obj, uuid, id)
		}
	}
	ev.DeliveryKey = provider.ContentKey(d.Body)
	if len(eventTS) > 0 {
		ev.DeliveryKey = provider.ContentKey(eventTS, event, account, uuid, id, e.who)
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
func (e *evt) object(obj pcommon.Map, uuid, id string) {
	family, _, _ := strings.Cut(e.ev.Type, ".")
	switch family {
	case "meeting", "recording":
		e.kind = &meeting
		if isWebinarType(bodyfields.TextAt(obj, "type")) { // a webinar's recording
			e.kind = &webinar
		}
	case "webinar":
		e.kind = &webinar
	default:
		return
	}
	e.obj = obj
	e.uuid = uuid
	e.put(e.kind.id, id)
	e.put(e.kind.uuid, e.uuid)
	e.put("zoom.host.id", bodyfields.TextAt(obj, "host_id"))
	if p, ok := object(obj, "participant"); ok {
		e.participant = p
		e.put("zoom.participant.user_id", bodyfields.TextAt(p, "user_id"))
		e.put("zoom.participant.id", bodyfields.TextAt(p, "id"))
		e.put("zoom.participant.uuid", bodyfields.TextAt(p, "participant_uuid"))
		e.put("zoom.participant.registrant_id", bodyfields.TextAt(p, "registrant_id"))
		e.put("zoom.participant.leave_reason", bodyfields.TextAt(p, "leave_reason"))
		// participant_uuid is one person's in one instance; user_id is
		// per meeting session, and a rejoin gets a new one.
		for _, k := range []string{"participant_uuid", "user_id", "id"} {
			if e.who = bodyfields.TextAt(p, k); e.who != "" {
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
	if t, err := time.Parse(time.RFC3339Nano, bodyfields.TextAt(m, k)); err == nil {
		return t
	}
	return e.at
}
