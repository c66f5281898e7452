package airmeet

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/names"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// batchFields are the fields under which Airmeet's post-event triggers send
// a list of people: each item becomes a record of its own.
var batchFields = []string{"attendees", "registrants", "users", "participants", "data"}

// attributesHint is room for the IDs a delivery usually carries (the
// event, a session, a user, a booth).
const attributesHint = 4

// Decode reads a flat object (or a batch) for the trigger named by the URL.
func (p *airmeet) Decode(d *provider.Delivery) ([]provider.Event, error) {
	trigger := d.Subpath
	if trigger == "" || strings.Contains(trigger, "/") {
		return nil, errors.New("the URL must end with the trigger id: {path}/{triggerMetaInfoId}?token=...")
	}
	root := pcommon.NewValueEmpty()
	if err := jsonpdata.Parse(string(d.Body), root); err != nil {
		return nil, err
	}
	deliveryKey := provider.ContentKey(d.Body, trigger) // Airmeet sends no delivery ID

	var bodies []pcommon.Value
	switch root.Type() {
	case pcommon.ValueTypeSlice:
		for _, item := range root.Slice().All() {
			bodies = append(bodies, item)
		}
	case pcommon.ValueTypeMap:
		bodies = splitBatch(root.Map())
	default:
		return nil, errors.New("the body must be a JSON object or array")
	}

	events := make([]provider.Event, 0, len(bodies))
	for _, body := range bodies {
		ev := provider.Event{
			Type:        trigger,
			Name:        strings.TrimPrefix(trigger, "trigger."),
			DeliveryKey: deliveryKey,
			Attributes:  provider.NewAttributes(attributesHint),
			Body:        body,
		}
		if body.Type() == pcommon.ValueTypeMap {
			fields := body.Map()
			putIDs(ev.Attributes, fields)
			ev.Time = firstTime(fields, time.Time{}, timeFields...)
			lifecycle(&ev, trigger, fields, d.Received)
		}
		events = append(events, ev)
	}
	return events, nil
}

// splitBatch returns one body per item of a list of people, each a copy of
// the delivery with the list replaced by that item, so that nothing of the
// delivery is lost; or the delivery itself when it holds no such list.
func splitBatch(m pcommon.Map) []pcommon.Value {
	for _, field := range batchFields {
		list, ok := m.Get(field)
		if !ok || list.Type() != pcommon.ValueTypeSlice || list.Slice().Len() == 0 {
			continue
		}
		var out []pcommon.Value
		for _, item := range list.Slice().All() {
			if item.Type() != pcommon.ValueTypeMap {
				return []pcommon.Value{mapValue(m)}
			}
			v := pcommon.NewValueEmpty()
			one := v.SetEmptyMap()
			for k, val := range m.All() {
				if k != field {
					val.CopyTo(one.PutEmpty(k))
				}
			}
			// The item's own fields, at the top, as a single delivery has them.
			for k, val := range item.Map().All() {
				val.CopyTo(one.PutEmpty(k))
			}
			out = append(out, v)
		}
		return out
	}
	return []pcommon.Value{mapValue(m)}
}

func mapValue(m pcommon.Map) pcommon.Value {
	v := pcommon.NewValueEmpty()
	m.MoveTo(v.SetEmptyMap())
	return v
}

// putIDs makes every "...Id"/"..._id" field an attribute airmeet.<entity>.id:
// airmeetId → airmeet.airmeet.id, sessionId → airmeet.session.id,
// user_id → airmeet.user.id.
func putIDs(attrs pcommon.Map, fields pcommon.Map) {
	for k, v := range fields.All() {
		name, ok := names.Attribute(key, k)
		if !ok {
			continue
		}
		switch v.Type() {
		case pcommon.ValueTypeStr, pcommon.ValueTypeInt:
			if s := v.AsString(); s != "" {
				attrs.PutStr(name, s)
			}
		}
	}
}

// timeFields are where Airmeet's payloads carry the event's own time, most
// specific first.
var timeFields = []string{"timestamp", "time", "joinedAt", "joined_at", "joinTime", "registrationTime",
	"registration_time", "createdAt", "created_at"}

// timeOf reads a time as Airmeet writes them: RFC 3339, "2006-01-02
// 15:04:05" (UTC), or Unix seconds or milliseconds.
func timeOf(fields pcommon.Map, name string) time.Time {
	v, ok := fields.Get(name)
	if !ok {
		return time.Time{}
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, v.Str()); err == nil {
				return t
			}
		}
		if n, err := strconv.ParseInt(v.Str(), 10, 64); err == nil {
			return unixTime(n)
		}
	case pcommon.ValueTypeInt:
		return unixTime(v.Int())
	case pcommon.ValueTypeDouble:
		return unixTime(int64(v.Double()))
	}
	return time.Time{}
}

func unixTime(n int64) time.Time {
	if n <= 0 {
		return time.Time{}
	}
	if n > 1e11 { // milliseconds
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

func str(m pcommon.Map, names ...string) string {
	for _, n := range names {
		if v, ok := m.Get(n); ok && (v.Type() == pcommon.ValueTypeStr || v.Type() == pcommon.ValueTypeInt) && v.AsString() != "" {
			return v.AsString()
		}
	}
	return ""
}
