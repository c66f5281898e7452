package iotum

import (
	"strings"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// lifecycle turns the event into transitions of its conference's trace.
func (e *evt) lifecycle() {
	if e.conference == "" {
		return
	}
	root := key + "/conference/" + e.conference
	e.ev.Trace = root
	participant := e.participant

	// child is a span under the conference that each start begins anew.
	child := func(kind, name string, withRoot bool) provider.Transition {
		return provider.Transition{Key: root + "/" + kind, Root: root, Name: name, PerStart: true, EndsWithRoot: withRoot}
	}
	start := func(tr provider.Transition) provider.Transition { tr.Start = e.at; return tr }
	end := func(tr provider.Transition) provider.Transition { tr.End = e.at; return tr }
	presence := func(kind, name string) provider.Transition {
		tr := child(kind+"/"+participant, name, true)
		tr.Attributes = provider.SpanAttributes(e.ev.Attributes, "iotum.participant.id", "iotum.participant.role", "iotum.participant.reason_for_leaving")
		return tr
	}

	var trs []provider.Transition
	switch e.ev.Type {
	case "conference_start", "conference_end":
		tr := provider.Transition{Key: root, Name: key + ".conference",
			Attributes: provider.SpanAttributes(e.ev.Attributes, "iotum.conference.id", "iotum.host.id", "iotum.company.id")}
		if e.ev.Type == "conference_start" {
			trs = append(trs, start(tr))
		} else {
			trs = append(trs, end(tr))
		}
	case "start_recording":
		trs = append(trs, start(child("recording", key+".recording", true)))
	case "stop_recording":
		// The recording stops; processing it goes on after the conference.
		trs = append(trs, end(child("recording", key+".recording", true)),
			start(child("recording_processing", key+".recording.processing", false)))
	case "recording_ready":
		ready := end(child("recording_processing", key+".recording.processing", false))
		ready.Attributes = provider.SpanAttributes(e.ev.Attributes, "iotum.recording.id")
		trs = append(trs, ready, start(child("transcription_processing", key+".transcription.processing", false)))
	case "transcription_ready":
		trs = append(trs, end(child("transcription_processing", key+".transcription.processing", false)))
	case "start_streaming":
		trs = append(trs, start(child("streaming", key+".streaming", true)))
	case "stop_streaming":
		trs = append(trs, end(child("streaming", key+".streaming", true)))
	case "start_broadcasting":
		trs = append(trs, start(child("broadcasting", key+".broadcasting", true)))
	case "stop_broadcasting":
		trs = append(trs, end(child("broadcasting", key+".broadcasting", true)))
	case "enter_conference", "leave_conference", "enter_livestream", "leave_livestream":
		if participant == "" {
			break
		}
		kind, name := "participant", key+".participant"
		if e.ev.Type == "enter_livestream" || e.ev.Type == "leave_livestream" {
			kind, name = "livestream_viewer", key+".livestream.viewer"
		}
		tr := presence(kind, name)
		if strings.HasPrefix(e.ev.Type, "enter") {
			trs = append(trs, start(tr))
		} else {
			trs = append(trs, end(tr))
		}
	case "dialout_status_change":
		trs = append(trs, e.dialout(root, participant)...)
	}
	e.ev.Transitions = trs
}

// dialout: a dial-out lasts from "new" to its outcome; every outcome but
// "answered" is a failure.
func (e *evt) dialout(root, participant string) []provider.Transition {
	who := participant
	if who == "" {
		who = bodyfields.TextAt(e.payload, "phone_number")
	}
	if who == "" {
		return nil
	}
	status := bodyfields.TextAt(e.payload, "status")
	tr := provider.Transition{Key: root + "/dialout/" + who, Root: root, Name: key + ".dialout", PerStart: true, EndsWithRoot: true,
		Attributes: provider.SpanAttributes(e.ev.Attributes, "iotum.participant.id", "iotum.dialout.status")}
	switch {
	case status == "new":
		tr.Start = e.at
	case status == "answered":
		tr.End = e.at
	case dialoutFailed(status):
		tr.End, tr.Failed, tr.Message = e.at, true, status
	default: // dialed: still ringing
		return nil
	}
	return []provider.Transition{tr}
}
