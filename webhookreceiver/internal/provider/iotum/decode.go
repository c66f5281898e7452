package iotum

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Decode reads {"event": ..., "payload": "<JSON as a string>", "timestamp":
// ...}: one event per delivery, with the payload decoded in the body.
func (p *iotum) Decode(d *provider.Delivery) ([]provider.Event, error) {
	text := string(d.Body)
	body := pcommon.NewValueEmpty()
	env := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(text, env); err != nil {
		return nil, err
	}
	event := bodyfields.TextAt(env, "event")
	if event == "" {
		return nil, errors.New(`"event" must be a non-empty string`)
	}
	timestamp := bodyfields.TextAt(env, "timestamp")
	payloadText := ""
	payload := pcommon.NewMap()
	if v, ok := env.Get("payload"); ok {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			payloadText = v.Str()
			if err := jsonpdata.ParseMap(payloadText, payload); err != nil {
				return nil, errors.New(`"payload" is not a JSON object encoded as a string: ` + err.Error())
			}
			payload.MoveTo(v.SetEmptyMap())
			payload = v.Map()
		case pcommon.ValueTypeMap: // already an object: taken as it is
			payloadText = text
			payload = v.Map()
		case pcommon.ValueTypeEmpty:
		default:
			return nil, errors.New(`"payload" must be a string`)
		}
	}

	// iotum sends no delivery ID: a delivery is known by what it says.
	ev := provider.Event{Type: event, DeliveryKey: provider.ContentKey(nil, event, timestamp, payloadText), Attributes: provider.NewAttributes(min(payload.Len(), len(payloadAttributes))), Body: body}
	at, err := time.Parse(time.RFC3339Nano, timestamp)
	if err == nil {
		ev.Time = at
	} else {
		at = d.Received // spans still need a time
	}
	e := evt{ev: &ev, payload: payload, at: at}
	e.attributes()
	e.severity()
	e.lifecycle()
	return []provider.Event{ev}, nil
}

// evt decodes the payload of one event into it.
type evt struct {
	ev      *provider.Event
	payload pcommon.Map
	at      time.Time
	// conference and participant are the payload's IDs, as attributes has
	// them: "" when it has none.
	conference, participant string
}

// payloadAttributes maps payload fields to attribute names; IDs keep every
// digit (large ones arrive as text from the JSON parser).
var payloadAttributes = map[string]string{
	"host_id":                "iotum.host.id",
	"company_id":             "iotum.company.id",
	"conference_id":          "iotum.conference.id",
	"participant_id":         "iotum.participant.id",
	"recording_id":           "iotum.recording.id",
	"original_conference_id": "iotum.original_conference.id",
	"participant_role":       "iotum.participant.role",
	"reason_for_leaving":     "iotum.participant.reason_for_leaving",
	"status":                 "iotum.dialout.status",
	"phone_number":           "iotum.dialout.phone_number",
	"id":                     "iotum.file.id",
	"filename":               "iotum.file.name",
	"download_link":          "iotum.recording.download_link",
	"video_url":              "iotum.stream.video_url",
	"image_url":              "iotum.stream.image_url",
	"meeting_url":            "iotum.meeting_url",
}

// attributes sets the attributes the payload's fields name, in one pass
// over the payload, and keeps the conference and participant for the spans.
func (e *evt) attributes() {
	for k, v := range e.payload.All() {
		if k == "size" {
			if v.Type() == pcommon.ValueTypeInt {
				e.ev.Attributes.PutInt("iotum.file.size", v.Int())
			}
			continue
		}
		attr, ok := payloadAttributes[k]
		if !ok {
			continue
		}
		s := bodyfields.Text(v)
		if s == "" {
			continue
		}
		e.ev.Attributes.PutStr(attr, s)
		switch k {
		case "conference_id":
			e.conference = s
		case "participant_id":
			e.participant = s
		}
	}
}

func (e *evt) severity() {
	switch e.ev.Type {
	case "dialout_status_change":
		if dialoutFailed(bodyfields.TextAt(e.payload, "status")) {
			e.ev.Severity = plog.SeverityNumberWarn
		}
	case "profile_picture_upload_failure":
		e.ev.Severity = plog.SeverityNumberWarn
	case "leave_conference", "leave_livestream":
		switch bodyfields.TextAt(e.payload, "reason_for_leaving") {
		case "user_dropped", "host_kicked", "host_kicked_blocked":
			e.ev.Severity = plog.SeverityNumberWarn
		}
	}
}

// dialoutFailed reports whether a dial-out's status is one of its failed
// outcomes: its log record warns and its span ends in error.
func dialoutFailed(status string) bool {
	switch status {
	case "rejected", "noanswer", "cancelled", "notenabled":
		return true
	}
	return false
}
