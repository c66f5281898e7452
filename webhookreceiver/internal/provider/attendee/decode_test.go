package attendee

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

func decodeOne(t *testing.T, payload map[string]any) provider.Event {
	t.Helper()
	body, err := json.Marshal(payload)
	require.NoError(t, err)
	events, err := (&attendee{}).Decode(delivery(string(body), ""))
	require.NoError(t, err)
	require.Len(t, events, 1)
	return events[0]
}

func botState(newState, oldState, eventType string, subType any) map[string]any {
	return map[string]any{
		"idempotency_key": "k", "bot_id": "bot_1", "bot_metadata": nil, "trigger": "bot.state_change",
		"data": map[string]any{"new_state": newState, "old_state": oldState, "created_at": "2025-07-15T14:00:00.5+00:00",
			"event_type": eventType, "event_sub_type": subType, "event_metadata": nil},
	}
}

func TestStateChangeSeverity(t *testing.T) {
	tests := []struct {
		newState, oldState, eventType string
		subType                       any
		want                          plog.SeverityNumber
	}{
		{"joining", "ready", "join_requested", nil, plog.SeverityNumberUnspecified},
		{"fatal_error", "joining", "could_not_join_meeting", "meeting_not_found", plog.SeverityNumberError},
		{"fatal_error", "joined_recording", "fatal_error", "heartbeat_timeout", plog.SeverityNumberError},
		{"fatal_error", "waiting_room", "could_not_join_meeting", "waiting_room_timeout_exceeded", plog.SeverityNumberWarn},
		{"joined_recording_permission_denied", "joined_not_recording", "recording_permission_denied", "host_denied_permission", plog.SeverityNumberWarn},
		{"leaving", "joined_recording", "leave_requested", "auto_leave_silence", plog.SeverityNumberInfo},
		{"fatal_error", "joining", "could_not_join_meeting", "a_sub_type_added_since", plog.SeverityNumberError},
		{"joined_recording_permission_denied", "joined_recording", "recording_permission_denied", "one_added_since", plog.SeverityNumberWarn},
	}
	for _, tt := range tests {
		ev := decodeOne(t, botState(tt.newState, tt.oldState, tt.eventType, tt.subType))
		require.Equal(t, tt.want, ev.Severity, "%s %v", tt.eventType, tt.subType)
	}
}

// botEventSubTypes are all 31 values of Attendee's BotEventSubTypes
// (bots/models.py), as sub_type_to_api_code sends them, with the event type
// each comes with, the state that event leads to, and the severity the
// README's table gives it.
var botEventSubTypes = []struct {
	eventType, newState, subType string
	want                         plog.SeverityNumber
}{
	{"could_not_join_meeting", "fatal_error", "meeting_not_started_waiting_for_host", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "process_terminated", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "zoom_authorization_failed", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "zoom_meeting_status_failed", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "unpublished_zoom_app", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "rtmp_connection_failed", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "zoom_sdk_internal_error", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "ui_element_not_found", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "request_to_join_denied", plog.SeverityNumberError},
	{"leave_requested", "leaving", "user_requested", plog.SeverityNumberInfo},
	{"leave_requested", "leaving", "auto_leave_silence", plog.SeverityNumberInfo},
	{"leave_requested", "leaving", "auto_leave_only_participant_in_meeting", plog.SeverityNumberInfo},
	{"fatal_error", "fatal_error", "heartbeat_timeout", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "meeting_not_found", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "bot_not_launched", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "waiting_room_timeout_exceeded", plog.SeverityNumberWarn},
	{"leave_requested", "leaving", "auto_leave_max_uptime_exceeded", plog.SeverityNumberInfo},
	{"could_not_join_meeting", "fatal_error", "login_required", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "bot_login_attempt_failed", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "out_of_credits", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "unable_to_connect_to_meeting", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "attendee_internal_error", plog.SeverityNumberError},
	{"recording_permission_denied", "joined_recording_permission_denied", "host_denied_permission", plog.SeverityNumberWarn},
	{"recording_permission_denied", "joined_recording_permission_denied", "request_timed_out", plog.SeverityNumberWarn},
	{"recording_permission_denied", "joined_recording_permission_denied", "host_client_cannot_grant_permission", plog.SeverityNumberWarn},
	{"leave_requested", "leaving", "auto_leave_could_not_enable_closed_captions", plog.SeverityNumberWarn},
	{"could_not_join_meeting", "fatal_error", "authorized_user_not_in_meeting_timeout_exceeded", plog.SeverityNumberError},
	{"could_not_join_meeting", "fatal_error", "blocked_by_captcha", plog.SeverityNumberError},
	{"recording_permission_denied", "joined_recording_permission_denied", "webinar_attendee_needs_panelist_promotion", plog.SeverityNumberWarn},
	{"could_not_join_meeting", "fatal_error", "zoom_app_cannot_join_anonymously", plog.SeverityNumberError},
	{"fatal_error", "fatal_error", "global_runtime_timeout", plog.SeverityNumberError},
}

func TestSeverityOfEverySubType(t *testing.T) {
	require.Len(t, botEventSubTypes, 31)
	require.Len(t, subTypeSeverity, len(botEventSubTypes), "no sub-type the receiver knows that Attendee does not send")
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md")) // the component's reference
	require.NoError(t, err)
	for _, st := range botEventSubTypes {
		ev := decodeOne(t, botState(st.newState, "joined_recording", st.eventType, st.subType))
		require.Equal(t, st.want, ev.Severity, st.subType)
		require.Equal(t, st.subType, ev.Attributes.AsRaw()["attendee.bot.event_sub_type"])
		row := fmt.Sprintf("| `%s` | `%s` | %s |", st.eventType, st.subType, severityName[st.want])
		require.True(t, strings.Contains(string(readme), row), "the README's severity table has no row %s", row)
	}
}

var severityName = map[plog.SeverityNumber]string{
	plog.SeverityNumberInfo: "INFO", plog.SeverityNumberWarn: "WARN", plog.SeverityNumberError: "ERROR",
}

// TestParticipantUpdate: "update" is a ParticipantEventTypes value Attendee
// never sends (its bot controller returns before the webhook); were it sent,
// it is a record that moves no presence.
func TestParticipantUpdate(t *testing.T) {
	ev := decodeOne(t, map[string]any{
		"idempotency_key": "k", "bot_id": "bot_1", "bot_metadata": nil, "trigger": "participant_events.join_leave",
		"data": map[string]any{"id": "pe_1", "participant_name": "Ana", "participant_uuid": "1677", "participant_user_uuid": nil,
			"participant_is_host": true, "event_type": "update", "event_data": map[string]any{"isHost": map[string]any{"before": false, "after": true}},
			"timestamp_ms": 1752588130000},
	})
	require.Empty(t, ev.Transitions)
	require.Equal(t, "update", ev.Attributes.AsRaw()["attendee.participant_event.type"])
	require.Equal(t, "attendee/bot/bot_1", ev.Trace, "still in the bot's trace")
	require.Equal(t, plog.SeverityNumberUnspecified, ev.Severity)
}

// TestBotLogEntryTypes: the entry types of BotLogEntryTypes, each at the
// level Attendee writes it, and the level is the severity.
func TestBotLogEntryTypes(t *testing.T) {
	for _, tt := range []struct {
		entryType, level string
		want             plog.SeverityNumber
	}{
		{"could_not_enable_closed_captions", "warning", plog.SeverityNumberWarn},
		{"webinar_panelist_promotion", "info", plog.SeverityNumberInfo},
		{"uncategorized", "debug", plog.SeverityNumberDebug},
		{"uncategorized", "error", plog.SeverityNumberError},
	} {
		ev := decodeOne(t, map[string]any{
			"idempotency_key": "k", "bot_id": "bot_1", "bot_metadata": nil, "trigger": "bot_logs.update",
			"data": map[string]any{"id": "bl_1", "level": tt.level, "entry_type": tt.entryType, "message": "m", "created_at": "2025-07-15T14:02:00.000000+00:00"},
		})
		require.Equal(t, tt.want, ev.Severity, tt.entryType)
		require.Equal(t, tt.entryType, ev.Attributes.AsRaw()["attendee.bot_log.entry_type"])
		require.Equal(t, tt.level, ev.Attributes.AsRaw()["attendee.bot_log.level"])
	}
}

func TestStateChangeTransitions(t *testing.T) {
	at := time.Date(2025, 7, 15, 14, 0, 0, 500_000_000, time.UTC)

	ev := decodeOne(t, botState("waiting_room", "joining", "put_in_waiting_room", nil))
	require.Equal(t, "attendee/bot/bot_1", ev.Trace)
	require.Equal(t, at, ev.Time.UTC())
	require.Len(t, ev.Transitions, 2)
	require.Equal(t, provider.Transition{Key: "attendee/bot/bot_1", Name: "attendee.bot", Start: ev.Time,
		Attributes: map[string]string{"attendee.bot.id": "bot_1"}}, ev.Transitions[0])
	require.Equal(t, provider.Transition{Key: "attendee/bot/bot_1/state", Root: "attendee/bot/bot_1", Name: "attendee.bot.state", Step: ev.Time,
		Attributes: map[string]string{"attendee.bot.state": "waiting_room"}}, ev.Transitions[1])

	ev = decodeOne(t, botState("fatal_error", "joining", "could_not_join_meeting", "meeting_not_found"))
	require.Len(t, ev.Transitions, 1)
	end := ev.Transitions[0]
	require.Equal(t, "attendee/bot/bot_1", end.Key)
	require.Equal(t, ev.Time, end.End)
	require.True(t, end.Failed)
	require.Equal(t, "meeting_not_found", end.Message)
	require.Equal(t, "fatal_error", end.Attributes["attendee.bot.final_state"])

	ev = decodeOne(t, botState("ended", "post_processing", "post_processing_completed", nil))
	require.False(t, ev.Transitions[0].Failed)

	ev = decodeOne(t, botState("data_deleted", "ended", "data_deleted", nil))
	require.Empty(t, ev.Transitions, "the bot's span ended long before its data was deleted")
	require.Equal(t, "attendee/bot/bot_1", ev.Trace, "its log still links to the bot")
}

func TestSubjects(t *testing.T) {
	ev := decodeOne(t, map[string]any{"idempotency_key": "k", "calendar_id": "cal_1", "calendar_deduplication_key": "dk",
		"calendar_metadata": nil, "trigger": "calendar.state_change", "data": map[string]any{"state": "disconnected"}})
	require.Equal(t, map[string]any{"attendee.calendar.id": "cal_1", "attendee.calendar.deduplication_key": "dk",
		"attendee.calendar.state": "disconnected"}, ev.Attributes.AsRaw())
	require.Equal(t, plog.SeverityNumberWarn, ev.Severity)
	require.Empty(t, ev.Trace)

	ev = decodeOne(t, map[string]any{"idempotency_key": "k", "zoom_oauth_connection_id": "z", "zoom_oauth_connection_metadata": nil,
		"user_id": "u", "account_id": "a", "trigger": "zoom_oauth_connection.state_change", "data": map[string]any{"state": "connected"}})
	require.Equal(t, map[string]any{"attendee.zoom_oauth_connection.id": "z", "attendee.user.id": "u", "attendee.account.id": "a",
		"attendee.zoom_oauth_connection.state": "connected"}, ev.Attributes.AsRaw())
	require.Equal(t, plog.SeverityNumberUnspecified, ev.Severity)

	ev = decodeOne(t, map[string]any{"idempotency_key": "k", "app_session_id": "as", "app_session_metadata": nil,
		"trigger": "bot.state_change", "data": map[string]any{"new_state": "connecting", "old_state": "ready", "created_at": "2025-01-01T00:00:00Z"}})
	require.Equal(t, "attendee/app_session/as", ev.Trace)
	require.Equal(t, "attendee.app_session", ev.Transitions[0].Name)
	require.Equal(t, "connecting", ev.Attributes.AsRaw()["attendee.app_session.state"])
}

func TestUnknownTriggerIsARecord(t *testing.T) {
	ev := decodeOne(t, map[string]any{"idempotency_key": "k", "bot_id": "b", "trigger": "recording.ready", "data": map[string]any{"x": 1}})
	require.Equal(t, "recording.ready", ev.Type)
	require.Equal(t, map[string]any{"attendee.bot.id": "b"}, ev.Attributes.AsRaw())
	require.Empty(t, ev.Transitions)
}

func TestDecodeRejects(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `{"idempotency_key": `,
		"no key":          `{"trigger": "bot.state_change", "data": {}}`,
		"no trigger":      `{"idempotency_key": "k", "data": {}}`,
		"data not object": `{"idempotency_key": "k", "trigger": "t", "data": [1]}`,
		"array":           `[]`,
	} {
		_, err := (&attendee{}).Decode(delivery(body, ""))
		require.Error(t, err, name)
	}
}

func TestParticipantAndUtteranceTransitions(t *testing.T) {
	ev := decodeOne(t, map[string]any{"idempotency_key": "k", "bot_id": "b", "trigger": "participant_events.join_leave",
		"data": map[string]any{"id": "pe", "participant_uuid": "p1", "participant_is_host": true, "event_type": "leave", "timestamp_ms": 1752588065000}})
	require.Equal(t, provider.Transition{Key: "attendee/bot/b/participant/p1", Root: "attendee/bot/b", Name: "attendee.participant",
		End: time.UnixMilli(1752588065000).UTC(), PerStart: true, EndsWithRoot: true, Attributes: map[string]string{"attendee.participant.id": "p1"}}, ev.Transitions[0])
	require.Equal(t, true, ev.Attributes.AsRaw()["attendee.participant.is_host"])

	ev = decodeOne(t, map[string]any{"idempotency_key": "k", "bot_id": "b", "trigger": "transcript.update",
		"data": map[string]any{"speaker_uuid": "p1", "timestamp_ms": 1752588300000, "duration_ms": 4250, "transcription": nil}})
	tr := ev.Transitions[0]
	require.Equal(t, "attendee/bot/b/utterance/p1/1752588300000", tr.Key)
	require.Equal(t, 4250*time.Millisecond, tr.End.Sub(tr.Start))
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{vector1Body, vector2Body,
		`{"idempotency_key": "k", "bot_id": "b", "trigger": "transcript.update", "data": {"speaker_uuid": "p", "timestamp_ms": 1.5e12, "duration_ms": -1}}`,
		`{"idempotency_key": "k", "bot_id": "b", "trigger": "participant_events.join_leave", "data": {"participant_uuid": 7, "event_type": "join", "timestamp_ms": 9223372036854775807}}`,
		`{"idempotency_key": "k", "calendar_id": "c", "trigger": "calendar.state_change", "data": {"state": "disconnected", "connection_failure_data": {"timestamp": "x"}}}`,
		`{"idempotency_key": 1, "trigger": 2}`, `{}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := (&attendee{}).Decode(delivery(string(body), ""))
		if err != nil {
			return
		}
		require.Len(t, events, 1)
		require.NotEmpty(t, events[0].DeliveryKey)
		require.NotEmpty(t, events[0].Type)
		for _, tr := range events[0].Transitions {
			require.NotEmpty(t, tr.Key)
			require.NotEmpty(t, tr.Name)
		}
	})
}

// With max_event_age, a delivery whose event is older than it is refused
// as a possible replay (ErrTooOld); one just within it, or one whose event
// has no time of its own, is decoded. Off (zero), age is not looked at.
func TestMaxEventAge(t *testing.T) {
	body, err := json.Marshal(botState("joining", "ready", "join_requested", nil)) // 2025-07-15T14:00:00.5Z
	require.NoError(t, err)
	created := time.Date(2025, 7, 15, 14, 0, 0, 500_000_000, time.UTC)
	p := &attendee{maxEventAge: 72 * time.Hour}
	at := func(received time.Time) *provider.Delivery {
		d := delivery(string(body), "")
		d.Received = received
		return d
	}
	_, err = p.Decode(at(created.Add(72 * time.Hour)))
	require.NoError(t, err, "at the limit")
	_, err = p.Decode(at(created.Add(72*time.Hour + time.Millisecond)))
	require.ErrorIs(t, err, provider.ErrTooOld)
	require.ErrorContains(t, err, "2025-07-15T14:00:00Z")
	_, err = (&attendee{}).Decode(at(created.Add(1000 * time.Hour)))
	require.NoError(t, err, "off")

	timeless, err := json.Marshal(map[string]any{"idempotency_key": "k", "bot_id": "bot_1", "trigger": "some.new_trigger", "data": map[string]any{}})
	require.NoError(t, err)
	d := delivery(string(timeless), "")
	d.Received = created.Add(1000 * time.Hour)
	_, err = p.Decode(d)
	require.NoError(t, err, "no time of its own: nothing tells its age")
}
