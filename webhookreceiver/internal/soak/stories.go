package soak

import (
	"fmt"
	"strconv"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Story is what one platform sends about one thing (a bot, a conference, an
// Airmeet event, a registration), in the order it sends it.
type Story struct {
	// At is when the story starts, as a share of the soak's duration: each
	// kind of story is spread over all of it.
	At         float64
	Deliveries []Delivery
}

// stories makes the deliveries of one soak run; run keeps its keys apart
// from any other run's, t0 is when its events happen.
type stories struct {
	run string
	t0  time.Time
	signers
	n int // deliveries made, for unique keys
}

func (s *stories) uuid() string {
	s.n++
	return fmt.Sprintf("%s-50a0-4000-8000-%012d", s.run, s.n)
}

// Bot is one Attendee bot's whole life: it joins, records, hears its
// participants join, speak (transcripts) and leave, leaves, and ends; every
// fifth bot cannot join the meeting and ends in fatal_error instead.
func (s *stories) Bot(i int) Story {
	bot := fmt.Sprintf("bot_soak_%s_%d", s.run, i)
	t := s.t0.Add(time.Duration(i) * time.Minute)
	var out []Delivery
	add := func(trigger, data string, ends bool) {
		key := s.uuid()
		body := fmt.Sprintf(`{"idempotency_key": %q, "bot_id": %q, "bot_metadata": {"soak": %q}, "trigger": %q, "data": %s}`,
			key, bot, s.run, trigger, data)
		d := Delivery{Platform: "attendee", Key: key, Records: 1,
			Path: "/attendee", Body: body, sign: s.attendee(body)}
		if ends {
			d.Ends = "attendee/bot/" + bot
		}
		out = append(out, d)
	}
	state := func(from, to, eventType, subType string, at time.Duration) {
		sub := "null"
		if subType != "" {
			sub = strconv.Quote(subType)
		}
		add("bot.state_change", fmt.Sprintf(`{"new_state": %q, "old_state": %q, "created_at": %q, "event_type": %q, "event_sub_type": %s, "event_metadata": null}`,
			to, from, t.Add(at).Format("2006-01-02T15:04:05.000000+00:00"), eventType, sub), to == "ended" || to == "fatal_error")
	}
	ms := func(at time.Duration) int64 { return t.Add(at).UnixMilli() }
	participant := func(trigger, event string, p int, at time.Duration) {
		add(trigger, fmt.Sprintf(`{"id": "pe_%d_%s", "participant_name": "Person %d", "participant_uuid": "%d", "participant_user_uuid": null, "participant_is_host": %t, "event_type": %q, "event_data": {}, "timestamp_ms": %d}`,
			s.n, event, p, 16778240+p, p == 0, event, ms(at)), false)
	}

	state("ready", "joining", "join_requested", "", 0)
	if i%5 == 4 {
		state("joining", "fatal_error", "could_not_join_meeting", "meeting_not_found", 30*time.Second)
		return Story{Deliveries: out}
	}
	state("joining", "joined_not_recording", "joined_meeting", "", 5*time.Second)
	state("joined_not_recording", "joined_recording", "recording_permission_granted", "", 7*time.Second)
	const people = 2
	for p := range people {
		participant("participant_events.join_leave", "join", p, time.Duration(10+p)*time.Second)
	}
	for u := range 3 {
		p, at := u%people, time.Duration(60+30*u)*time.Second
		participant("participant_events.speech_start_stop", "speech_start", p, at)
		add("transcript.update", fmt.Sprintf(`{"speaker_name": "Person %d", "speaker_uuid": "%d", "speaker_user_uuid": null, "speaker_is_host": %t, "timestamp_ms": %d, "duration_ms": 4000, "transcription": {"transcript": "utterance %d"}}`,
			p, 16778240+p, p == 0, ms(at), u), false)
		participant("participant_events.speech_start_stop", "speech_stop", p, at+4*time.Second)
	}
	for p := range people {
		participant("participant_events.join_leave", "leave", p, time.Duration(300+p)*time.Second)
	}
	state("joined_recording", "leaving", "leave_requested", "auto_leave_silence", 310*time.Second)
	state("leaving", "post_processing", "bot_left_meeting", "", 313*time.Second)
	state("post_processing", "ended", "post_processing_completed", "", 400*time.Second)
	return Story{Deliveries: out}
}

// Conference is one iotum conference: it starts, participants enter, it is
// recorded, they leave, it ends and its recording is ready.
func (s *stories) Conference(i int) Story {
	id := 7000000 + i
	t := s.t0.Add(time.Duration(i) * time.Minute)
	var out []Delivery
	add := func(event, extra string, at time.Duration) {
		payload := fmt.Sprintf(`{"host_id":40217,"company_id":9001,"conference_id":%d%s}`, id, extra)
		timestamp := t.Add(at).Format("2006-01-02T15:04:05.000Z")
		body := fmt.Sprintf(`{"event":%q,"payload":%q,"timestamp":%q}`, event, payload, timestamp)
		d := Delivery{Platform: "iotum", Key: provider.ContentKey(nil, event, timestamp, payload), Records: 1,
			Path: "/iotum", Body: body, sign: s.iotum()}
		if event == "conference_end" {
			d.Ends = "iotum/conference/" + strconv.Itoa(id)
		}
		out = append(out, d)
	}
	add("conference_start", "", 0)
	const people = 3
	for p := range people {
		add("enter_conference", fmt.Sprintf(`,"participant_id":%d,"participant_role":"participant"`, id*10+p), time.Duration(5+p)*time.Second)
	}
	add("start_recording", "", 20*time.Second)
	add("stop_recording", "", 20*time.Minute)
	for p := range people {
		add("leave_conference", fmt.Sprintf(`,"participant_id":%d,"participant_role":"participant","reason_for_leaving":"user_exit"`, id*10+p), time.Duration(25*60+p)*time.Second)
	}
	add("conference_end", "", 26*time.Minute)
	add("recording_ready", `,"recording_id":88,"download_link":"https://example.com/r/88"`, 27*time.Minute)
	return Story{Deliveries: out}
}

// Meeting is one Zoom meeting: it starts, two participants join, it is
// recorded, they leave, it ends, and its recording completes.
func (s *stories) Meeting(i int) Story {
	uuid := fmt.Sprintf("soak%s%04dAAiAiAiiAii==", s.run, i)
	t := s.t0.Add(time.Duration(i) * time.Minute)
	var out []Delivery
	id := strconv.Itoa(85700000000 + i)
	add := func(event, extra, who string, at time.Duration) {
		ts := strconv.FormatInt(t.Add(at).UnixMilli(), 10)
		body := fmt.Sprintf(`{"event":%q,"event_ts":%s,"payload":{"account_id":"soak","object":{"id":%s,"uuid":%q,"host_id":"soakhost","topic":"Soak %d","type":2%s}}}`,
			event, ts, id, uuid, i, extra)
		// The key the receiver gives a Zoom delivery (the reference, Zoom).
		key := provider.ContentKey([]byte(ts), event, "soak", uuid, id, who)
		d := Delivery{Platform: "zoom", Key: key, Records: 1, Path: "/zoom", Body: body, sign: s.zoom(body)}
		if event == "meeting.ended" {
			d.Ends = "zoom/meeting/" + uuid
		}
		out = append(out, d)
	}
	stamp := func(at time.Duration) string { return t.Add(at).Format(time.RFC3339) }
	add("meeting.started", `,"start_time":"`+stamp(0)+`"`, "", 0)
	const people = 2
	for p := range people {
		who := fmt.Sprintf("p%d-%s", p, uuid)
		add("meeting.participant_joined", fmt.Sprintf(`,"participant":{"user_id":"%d","user_name":"Person %d","participant_uuid":%q,"join_time":%q}`,
			16778240+p, p, who, stamp(time.Duration(5+p)*time.Second)), who, time.Duration(5+p)*time.Second)
	}
	add("recording.started", "", "", 20*time.Second)
	for p := range people {
		who := fmt.Sprintf("p%d-%s", p, uuid)
		add("meeting.participant_left", fmt.Sprintf(`,"participant":{"user_id":"%d","user_name":"Person %d","participant_uuid":%q,"leave_time":%q,"leave_reason":"left the meeting"}`,
			16778240+p, p, who, stamp(time.Duration(25*60+p)*time.Second)), who, time.Duration(25*60+p)*time.Second)
	}
	add("meeting.ended", `,"end_time":"`+stamp(26*time.Minute)+`"`, "", 26*time.Minute)
	add("recording.completed", `,"recording_count":1,"recording_files":[{"id":"f1","file_type":"MP4","status":"completed"}]`, "", 30*time.Minute)
	return Story{Deliveries: out}
}

// Airmeet is one Airmeet event: it starts, a batch of attendees joins a
// session (one record per person), it finishes.
func (s *stories) Airmeet(i int) Story {
	id := fmt.Sprintf("%s-7f3b-4d2a-9c1e-%012d", s.run, i)
	t := s.t0.Add(time.Duration(i) * time.Hour)
	event := func(status string) string {
		return fmt.Sprintf(`{"airmeet_id": %q, "name": "Soak %d", "status": %q, "start_time": %q, "end_time": %q, "timezone": "UTC"}`,
			id, i, status, t.Format("2006-01-02T15:04:05.000Z"), t.Add(time.Hour).Format("2006-01-02T15:04:05.000Z"))
	}
	const people = 4
	batch := fmt.Sprintf(`{"airmeetId": %q, "sessionId": "session-%d", "attendees": [`, id, i)
	for p := range people {
		if p > 0 {
			batch += ", "
		}
		batch += fmt.Sprintf(`{"airmeetId": %q, "name": "Person %d", "email": "p%d@example.com", "user_id": "u-%d", "joinedAt": %q}`,
			id, p, p, p, t.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"))
	}
	batch += "]}"
	return Story{Deliveries: []Delivery{
		s.airmeet("trigger.airmeet.started", event("ONGOING"), 1, ""),
		s.airmeet("trigger.session.attendee.joined", batch, people, ""),
		s.airmeet("trigger.airmeet.finished", event("FINISHED"), 1, "airmeet/airmeet/"+id),
	}}
}

func (s *stories) airmeet(trigger, body string, records int, ends string) Delivery {
	return Delivery{Platform: "airmeet", Key: provider.ContentKey([]byte(body), trigger), Records: records, Ends: ends,
		Path: "/airmeet/" + trigger + "?token=" + loadgen.AirmeetToken, Body: body}
}

// Registration is one EventsAir registration.
func (s *stories) Registration(i int) Story {
	id := fmt.Sprintf("msg_soak_%s_%d", s.run, i)
	body := fmt.Sprintf(`{"type": "Event.Registration.Created", "data": {"eventId": "41196390-92e6-2c55-ea8b-e348e4d9260d", "registrationId": "r-%s-%d", "contactId": "c-%d", "timestamp": %q, "correlationId": "corr-%d"}}`,
		s.run, i, i, s.t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i)
	return Story{Deliveries: []Delivery{{Platform: "eventsair", Key: id, Records: 1, Path: "/eventsair", Body: body, sign: s.eventsAir(id, body)}}}
}
