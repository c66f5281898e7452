package airmeet

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// lifecycle links the event to its Airmeet event's trace and moves the
// spans it starts or ends.
func lifecycle(ev *provider.Event, trigger string, fields pcommon.Map, received time.Time) {
	airmeetID := str(fields, "airmeetId", "airmeet_id")
	if airmeetID == "" {
		return
	}
	root := key + "/airmeet/" + airmeetID
	ev.Trace = root
	at := ev.Time
	if at.IsZero() {
		at = received
	}
	switch trigger {
	case "trigger.airmeet.started":
		tr := eventSpan(root, airmeetID)
		tr.Start = firstTime(fields, at, "start_time", "startTime")
		ev.Transitions = append(ev.Transitions, tr)
	case "trigger.airmeet.finished":
		tr := eventSpan(root, airmeetID)
		// The payload's own schedule, when it has one, is the event's span.
		tr.Start = firstTime(fields, time.Time{}, "start_time", "startTime")
		tr.End = firstTime(fields, at, "end_time", "endTime")
		ev.Transitions = append(ev.Transitions, tr)
		ev.Transitions = append(ev.Transitions, sessions(root, fields)...)
	case "trigger.attendee.ondemand_session_attendance":
		if tr, ok := replay(root, fields, at); ok {
			ev.Transitions = append(ev.Transitions, tr)
		}
	}
}

// eventSpan is the transition of the Airmeet event's own span, made only for
// the triggers that move it: most deliveries need none.
func eventSpan(root, airmeetID string) provider.Transition {
	return provider.Transition{Key: root, Name: key + ".airmeet", Attributes: map[string]string{key + ".airmeet.id": airmeetID}}
}

// sessions are the Airmeet event's sessions with a schedule: each a span of
// its own under the event.
func sessions(root string, fields pcommon.Map) []provider.Transition {
	list, ok := fields.Get("sessions")
	if !ok || list.Type() != pcommon.ValueTypeSlice {
		return nil
	}
	var out []provider.Transition
	for _, s := range list.Slice().All() {
		if s.Type() != pcommon.ValueTypeMap {
			continue
		}
		id := str(s.Map(), "sessionId", "session_id", "uid", "id")
		start := firstTime(s.Map(), time.Time{}, "start_time", "startTime")
		end := firstTime(s.Map(), time.Time{}, "end_time", "endTime")
		if id == "" || start.IsZero() || end.IsZero() || end.Before(start) {
			continue
		}
		out = append(out, provider.Transition{Key: root + "/session/" + id, Root: root, Name: key + ".session",
			Start: start, End: end, Attributes: map[string]string{key + ".session.id": id}})
	}
	return out
}

// replayDone is the share of a recording whose viewing Airmeet reports a
// second time.
const replayDone = 90

// replay: Airmeet reports an on-demand viewing when it starts and again at
// 90 %; the two make one span per viewer and session.
func replay(root string, fields pcommon.Map, at time.Time) (provider.Transition, bool) {
	session, user := str(fields, "sessionId", "session_id"), str(fields, "user_id", "userId", "email")
	if session == "" || user == "" {
		return provider.Transition{}, false
	}
	tr := provider.Transition{Key: root + "/replay/" + session + "/" + user, Root: root, Name: key + ".replay",
		Attributes: map[string]string{key + ".session.id": session}}
	if watched(fields) >= replayDone {
		tr.End = at
	} else {
		tr.Start = at
	}
	return tr, true
}

// watched is the share of the recording watched, in percent, as the payload
// gives it.
func watched(fields pcommon.Map) float64 {
	for _, f := range []string{"percentage", "watchPercentage", "watch_percentage", "percentageWatched", "progress"} {
		if v, ok := fields.Get(f); ok {
			switch v.Type() {
			case pcommon.ValueTypeInt:
				return float64(v.Int())
			case pcommon.ValueTypeDouble:
				return v.Double()
			}
		}
	}
	return 0
}

func firstTime(fields pcommon.Map, fallback time.Time, names ...string) time.Time {
	for _, n := range names {
		if t := timeOf(fields, n); !t.IsZero() {
			return t
		}
	}
	return fallback
}
