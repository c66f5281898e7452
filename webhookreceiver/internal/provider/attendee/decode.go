package attendee

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// subject is a thing a delivery can be about: the envelope carries exactly
// one "<kind>_id". Its names are made once, not per delivery.
type subject struct {
	kind, field string // "bot", "bot_id"
	lives       bool   // bots and app sessions have a lifecycle
	span        string // the name of its root span: "attendee.bot"
	// The names of its attributes: "attendee.bot.id", ...
	id, state, oldState, eventType, eventSubType, finalState string
}

func newSubject(kind string, lives bool) subject {
	prefix := key + "." + kind + "."
	return subject{
		kind: kind, field: kind + "_id", lives: lives, span: key + "." + kind,
		id: prefix + "id", state: prefix + "state", oldState: prefix + "old_state",
		eventType: prefix + "event_type", eventSubType: prefix + "event_sub_type", finalState: prefix + "final_state",
	}
}

var (
	subjects = []subject{newSubject("bot", true), newSubject("app_session", true), newSubject("calendar", false), newSubject("zoom_oauth_connection", false)}
	// noSubject is an envelope without any of the IDs: its attributes are
	// named as the subjects', with the kind left empty.
	noSubject = newSubject("", false)
)

// attributesHint is room for the most attributes a delivery usually has:
// the subject's ID and a trigger's few.
const attributesHint = 6

// Decode reads the envelope {idempotency_key, <subject>_id, trigger, data}:
// one event per delivery.
func (p *attendee) Decode(d *provider.Delivery) ([]provider.Event, error) {
	events, err := p.decode(d)
	if err != nil || p.maxEventAge == 0 {
		return events, err
	}
	oldest := d.Received.Add(-p.maxEventAge)
	for i := range events {
		if t := events[i].Time; !t.IsZero() && t.Before(oldest) {
			return nil, fmt.Errorf("the event's time %s is %w (%s): a delivery that old is refused as a possible replay",
				t.UTC().Format(time.RFC3339), provider.ErrTooOld, p.maxEventAge)
		}
	}
	return events, nil
}

func (p *attendee) decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	env := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(string(d.Body), env); err != nil {
		return nil, err
	}
	idem := str(env, "idempotency_key")
	trigger := str(env, "trigger")
	switch {
	case idem == "":
		return nil, errors.New(`"idempotency_key" must be a non-empty string`)
	case trigger == "":
		return nil, errors.New(`"trigger" must be a non-empty string`)
	}
	data := pcommon.NewMap()
	if v, ok := env.Get("data"); ok {
		switch v.Type() {
		case pcommon.ValueTypeMap:
			data = v.Map()
		case pcommon.ValueTypeEmpty:
		default:
			return nil, errors.New(`"data" must be an object`)
		}
	}

	ev := provider.Event{Type: trigger, DeliveryKey: idem, Attributes: provider.NewAttributes(attributesHint), Body: body}
	attrs := ev.Attributes
	subj, id := &noSubject, ""
	for i := range subjects {
		if v := str(env, subjects[i].field); v != "" {
			subj, id = &subjects[i], v
			attrs.PutStr(subj.id, v)
			break
		}
	}
	putStr(attrs, key+".calendar.deduplication_key", env, "calendar_deduplication_key")
	putStr(attrs, key+".user.id", env, "user_id")
	putStr(attrs, key+".account.id", env, "account_id")

	var root string
	if subj.lives {
		root = key + "/" + subj.kind + "/" + id
		ev.Trace = root
	}
	t := trig{ev: &ev, data: data, root: root, subj: subj, id: id, received: d.Received}
	switch trigger {
	case "bot.state_change":
		t.stateChange()
	case "transcript.update":
		t.utterance()
	case "chat_messages.update":
		t.chatMessage()
	case "participant_events.join_leave", "participant_events.speech_start_stop":
		t.participantEvent()
	case "calendar.events_update", "calendar.state_change", "zoom_oauth_connection.state_change":
		t.connectionState()
	case "async_transcription.state_change":
		t.asyncTranscription()
	case "bot_logs.update":
		t.botLog()
	}
	return []provider.Event{ev}, nil
}

// trig decodes the data of one trigger into its event.
type trig struct {
	ev       *provider.Event
	data     pcommon.Map
	root     string // the bot's or app session's root key; "" for others
	subj     *subject
	id       string // the subject's
	received time.Time
}

// terminal states end a bot's (or app session's) life.
func terminal(state string) bool {
	return state == "ended" || state == "fatal_error" || state == "data_deleted"
}

// subTypeSeverity is the severity of a state change by its event_sub_type:
// every value of Attendee's BotEventSubTypes (bots/models.py), by the API
// code its webhooks send. Each belongs to one event type: could_not_join_meeting
// and fatal_error are ERROR, but for the bot kept out by people rather than
// by the system (WARN); recording_permission_denied is WARN; leave_requested
// is INFO, but for leaving because captions could not be enabled (WARN: the
// bot left without doing its work).
var subTypeSeverity = map[string]plog.SeverityNumber{
	// could_not_join_meeting
	"meeting_not_started_waiting_for_host":            plog.SeverityNumberError,
	"zoom_authorization_failed":                       plog.SeverityNumberError,
	"zoom_meeting_status_failed":                      plog.SeverityNumberError,
	"unpublished_zoom_app":                            plog.SeverityNumberError,
	"zoom_sdk_internal_error":                         plog.SeverityNumberError,
	"request_to_join_denied":                          plog.SeverityNumberError,
	"meeting_not_found":                               plog.SeverityNumberError,
	"waiting_room_timeout_exceeded":                   plog.SeverityNumberWarn, // nobody let the bot in
	"login_required":                                  plog.SeverityNumberError,
	"bot_login_attempt_failed":                        plog.SeverityNumberError,
	"unable_to_connect_to_meeting":                    plog.SeverityNumberError,
	"authorized_user_not_in_meeting_timeout_exceeded": plog.SeverityNumberError,
	"blocked_by_captcha":                              plog.SeverityNumberError,
	"zoom_app_cannot_join_anonymously":                plog.SeverityNumberError,
	// fatal_error
	"process_terminated":      plog.SeverityNumberError,
	"rtmp_connection_failed":  plog.SeverityNumberError,
	"ui_element_not_found":    plog.SeverityNumberError,
	"heartbeat_timeout":       plog.SeverityNumberError,
	"bot_not_launched":        plog.SeverityNumberError,
	"out_of_credits":          plog.SeverityNumberError,
	"attendee_internal_error": plog.SeverityNumberError,
	"global_runtime_timeout":  plog.SeverityNumberError,
	// recording_permission_denied
	"host_denied_permission":                    plog.SeverityNumberWarn,
	"request_timed_out":                         plog.SeverityNumberWarn,
	"host_client_cannot_grant_permission":       plog.SeverityNumberWarn,
	"webinar_attendee_needs_panelist_promotion": plog.SeverityNumberWarn,
	// leave_requested
	"user_requested":                              plog.SeverityNumberInfo,
	"auto_leave_silence":                          plog.SeverityNumberInfo,
	"auto_leave_only_participant_in_meeting":      plog.SeverityNumberInfo,
	"auto_leave_max_uptime_exceeded":              plog.SeverityNumberInfo,
	"auto_leave_could_not_enable_closed_captions": plog.SeverityNumberWarn,
}

func (t *trig) stateChange() {
	newState, oldState := str(t.data, "new_state"), str(t.data, "old_state")
	eventType, subType := str(t.data, "event_type"), str(t.data, "event_sub_type")
	attrs, subj := t.ev.Attributes, t.subj
	putNonEmpty(attrs, subj.state, newState)
	putNonEmpty(attrs, subj.oldState, oldState)
	putNonEmpty(attrs, subj.eventType, eventType)
	putNonEmpty(attrs, subj.eventSubType, subType)
	at := timeOf(t.data, "created_at")
	t.ev.Time = at

	if sev, ok := subTypeSeverity[subType]; ok {
		t.ev.Severity = sev
	} else {
		switch { // no sub-type, or one Attendee added since
		case newState == "fatal_error" || eventType == "fatal_error" || eventType == "could_not_join_meeting":
			t.ev.Severity = plog.SeverityNumberError
		case eventType == "recording_permission_denied" || newState == "joined_recording_permission_denied":
			t.ev.Severity = plog.SeverityNumberWarn
		}
	}

	if t.root == "" || at.IsZero() || newState == "" {
		return
	}
	name := subj.span
	rootAttrs := map[string]string{subj.id: t.id}
	if terminal(newState) {
		if terminal(oldState) { // data deleted after the end: the span is long closed
			return
		}
		message := subType
		if message == "" {
			message = eventType
		}
		rootAttrs[subj.finalState] = newState
		t.ev.Transitions = append(t.ev.Transitions, provider.Transition{
			Key: t.root, Name: name, End: at, Attributes: rootAttrs,
			Failed: newState == "fatal_error", Message: message,
		})
		return
	}
	t.ev.Transitions = append(t.ev.Transitions,
		provider.Transition{Key: t.root, Name: name, Start: at, Attributes: rootAttrs},
		provider.Transition{Key: t.root + "/state", Root: t.root, Name: name + ".state", Step: at,
			Attributes: map[string]string{subj.state: newState}},
	)
}

func (t *trig) utterance() {
	speaker := str(t.data, "speaker_uuid")
	t.participant(speaker, str(t.data, "speaker_user_uuid"), "speaker_is_host")
	start, ok := msTime(t.data, "timestamp_ms")
	if !ok {
		return
	}
	t.ev.Time = start
	// Every field may be missing: Get's zero Value has no type to ask.
	duration, ok := t.data.Get("duration_ms")
	if !ok || t.root == "" || duration.Type() != pcommon.ValueTypeInt || duration.Int() < 0 {
		return
	}
	var ms [20]byte // the time written on the stack: the key is the one string made
	t.ev.Transitions = append(t.ev.Transitions, provider.Transition{
		Key:   t.root + "/utterance/" + speaker + "/" + string(strconv.AppendInt(ms[:0], start.UnixMilli(), 10)),
		Root:  t.root,
		Name:  key + ".transcript.utterance",
		Start: start, End: start.Add(time.Duration(duration.Int()) * time.Millisecond),
		Attributes: map[string]string{key + ".participant.id": speaker},
	})
}

func (t *trig) chatMessage() {
	putStr(t.ev.Attributes, key+".chat_message.id", t.data, "id")
	putStr(t.ev.Attributes, key+".chat_message.to", t.data, "to")
	t.participant(str(t.data, "sender_uuid"), str(t.data, "sender_user_uuid"), "")
	if at, ok := msTime(t.data, "timestamp_ms"); ok {
		t.ev.Time = at
	}
}

// participantEvent: join/leave is the participant's presence, speech
// start/stop their speaking; each stay is its own span.
func (t *trig) participantEvent() {
	uuid := str(t.data, "participant_uuid")
	t.participant(uuid, str(t.data, "participant_user_uuid"), "participant_is_host")
	putStr(t.ev.Attributes, key+".participant_event.id", t.data, "id")
	eventType := str(t.data, "event_type")
	putNonEmpty(t.ev.Attributes, key+".participant_event.type", eventType)
	at, ok := msTime(t.data, "timestamp_ms")
	if !ok {
		return
	}
	t.ev.Time = at
	if t.root == "" || uuid == "" {
		return
	}
	tr := provider.Transition{Root: t.root, PerStart: true, EndsWithRoot: true, Attributes: map[string]string{key + ".participant.id": uuid}}
	switch eventType {
	case "join":
		tr.Key, tr.Name, tr.Start = t.root+"/participant/"+uuid, key+".participant", at
	case "leave":
		tr.Key, tr.Name, tr.End = t.root+"/participant/"+uuid, key+".participant", at
	case "speech_start":
		tr.Key, tr.Name, tr.Start = t.root+"/speech/"+uuid, key+".participant.speech", at
	case "speech_stop":
		tr.Key, tr.Name, tr.End = t.root+"/speech/"+uuid, key+".participant.speech", at
	default:
		return
	}
	t.ev.Transitions = append(t.ev.Transitions, tr)
}

// participant puts who the event is about.
func (t *trig) participant(uuid, userUUID, isHostField string) {
	putNonEmpty(t.ev.Attributes, key+".participant.id", uuid)
	putNonEmpty(t.ev.Attributes, key+".participant.user_id", userUUID)
	if isHostField != "" {
		if v, ok := t.data.Get(isHostField); ok && v.Type() == pcommon.ValueTypeBool {
			t.ev.Attributes.PutBool(key+".participant.is_host", v.Bool())
		}
	}
}

// connectionState: calendars and Zoom OAuth connections, connected or not.
func (t *trig) connectionState() {
	state := str(t.data, "state")
	putNonEmpty(t.ev.Attributes, t.subj.state, state)
	failedAt := time.Time{}
	if f, ok := t.data.Get("connection_failure_data"); ok && f.Type() == pcommon.ValueTypeMap {
		failedAt = timeOf(f.Map(), "timestamp")
	}
	switch {
	case state == "disconnected" && !failedAt.IsZero():
		t.ev.Time = failedAt
	default:
		t.ev.Time = timeOf(t.data, "last_attempted_sync_at")
	}
	if state == "disconnected" {
		t.ev.Severity = plog.SeverityNumberWarn
	}
}

// asyncTranscription: Attendee's payload has no time, so the span takes
// the times the deliveries arrived.
func (t *trig) asyncTranscription() {
	id, state := str(t.data, "id"), str(t.data, "state")
	putNonEmpty(t.ev.Attributes, key+".async_transcription.id", id)
	putNonEmpty(t.ev.Attributes, key+".async_transcription.state", state)
	if state == "failed" {
		t.ev.Severity = plog.SeverityNumberError
	}
	if t.root == "" || id == "" {
		return
	}
	tr := provider.Transition{Key: t.root + "/async_transcription/" + id, Root: t.root, Name: key + ".async_transcription",
		Attributes: map[string]string{key + ".async_transcription.id": id}}
	switch state {
	case "in_progress":
		tr.Start = t.received
	case "complete":
		tr.End = t.received
	case "failed":
		tr.End, tr.Failed, tr.Message = t.received, true, "failed"
		if f, ok := t.data.Get("failure_data"); ok && f.Type() != pcommon.ValueTypeEmpty {
			tr.Message = f.AsString()
		}
	default:
		return
	}
	t.ev.Transitions = append(t.ev.Transitions, tr)
}

var logLevels = map[string]plog.SeverityNumber{
	"debug": plog.SeverityNumberDebug, "info": plog.SeverityNumberInfo,
	"warning": plog.SeverityNumberWarn, "error": plog.SeverityNumberError,
}

func (t *trig) botLog() {
	level := str(t.data, "level")
	putStr(t.ev.Attributes, key+".bot_log.id", t.data, "id")
	putNonEmpty(t.ev.Attributes, key+".bot_log.level", level)
	putStr(t.ev.Attributes, key+".bot_log.entry_type", t.data, "entry_type")
	t.ev.Severity = logLevels[level]
	t.ev.Time = timeOf(t.data, "created_at")
}

// str returns m[k] when it is a string or a number (IDs may be either), ""
// otherwise.
func str(m pcommon.Map, k string) string {
	v, ok := m.Get(k)
	if !ok {
		return ""
	}
	switch v.Type() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeInt:
		return v.AsString()
	}
	return ""
}

func putStr(attrs pcommon.Map, name string, m pcommon.Map, k string) {
	putNonEmpty(attrs, name, str(m, k))
}

func putNonEmpty(attrs pcommon.Map, name, v string) {
	if v != "" {
		attrs.PutStr(name, v)
	}
}

// timeOf reads an ISO 8601 time, as Attendee writes them ("+00:00" or "Z").
func timeOf(m pcommon.Map, k string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, str(m, k))
	if err != nil {
		return time.Time{}
	}
	return t
}

// msTime reads Unix milliseconds.
func msTime(m pcommon.Map, k string) (time.Time, bool) {
	v, ok := m.Get(k)
	if !ok {
		return time.Time{}, false
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return time.UnixMilli(v.Int()).UTC(), true
	case pcommon.ValueTypeDouble:
		return time.UnixMicro(int64(v.Double() * 1000)).UTC(), true
	}
	return time.Time{}, false
}
