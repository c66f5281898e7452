package zoom

import (
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// lifecycle turns the event into transitions of its instance's trace.
func (e *evt) lifecycle() {
	if e.kind == nil || e.uuid == "" {
		return
	}
	root := e.kind.root + e.uuid
	e.ev.Trace = root
	var trs []provider.Transition
	switch e.ev.Type {
	case "meeting.started", "webinar.started":
		instance := e.instance(root)
		instance.Start = e.timeOf(e.obj, "start_time")
		trs = append(trs, instance)
	case "meeting.ended", "webinar.ended":
		instance := e.instance(root)
		instance.End = e.timeOf(e.obj, "end_time")
		trs = append(trs, instance)
	case "meeting.participant_joined", "webinar.participant_joined":
		if tr, ok := e.stay(root); ok {
			tr.Start = e.timeOf(e.participant, "join_time")
			trs = append(trs, tr)
		}
	case "meeting.participant_left", "webinar.participant_left":
		if tr, ok := e.stay(root); ok {
			tr.End = e.timeOf(e.participant, "leave_time")
			trs = append(trs, tr)
		}
	case "recording.started":
		trs = append(trs, e.recording(root, true))
	case "recording.completed":
		trs = append(trs, e.recording(root, false))
	}
	e.ev.Transitions = trs
}

// instance is the root span of the meeting or webinar.
func (e *evt) instance(root string) provider.Transition {
	return provider.Transition{Key: root, Name: e.kind.span,
		Attributes: provider.SpanAttributes(e.ev.Attributes, e.kind.id, e.kind.uuid, "zoom.host.id", "zoom.account.id")}
}

// stay is a participant's time in the instance: each join its own span,
// closed with the instance if the leave never comes.
func (e *evt) stay(root string) (provider.Transition, bool) {
	if e.who == "" {
		return provider.Transition{}, false
	}
	return provider.Transition{Key: root + "/participant/" + e.who, Root: root, Name: key + ".participant",
		PerStart: true, EndsWithRoot: true,
		Attributes: provider.SpanAttributes(e.ev.Attributes, "zoom.participant.uuid", "zoom.participant.user_id", "zoom.participant.id",
			"zoom.participant.registrant_id", "zoom.participant.leave_reason")}, true
}

// recording is a cloud recording, from its start in the instance to its
// files being ready, which Zoom reports after the instance ends.
func (e *evt) recording(root string, start bool) provider.Transition {
	tr := provider.Transition{Key: root + "/recording", Root: root, Name: key + ".recording"}
	if start {
		tr.Start = e.at
	} else {
		tr.End = e.at
	}
	return tr
}
