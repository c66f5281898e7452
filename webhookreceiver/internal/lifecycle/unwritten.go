package lifecycle

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Spans emitted but not written. A commit writes the storage after emit
// accepted the spans (a span is never lost to a write), so a write that
// fails leaves spans emitted while the storage, and so memory, still has
// them open; the delivery is refused and its platform retries it, or the
// sweep tries its batch again. The retry must not emit them a second time:
// the tracker remembers them, by what their IDs are made of, until a
// commit that left them out is written, or for the timeout.

// sent is a span a plan or a sweep emitted: the key its ID is made of
// (timedKey for a stay), and its end.
type sent struct {
	id  string
	end time.Time
}

// outbox is what a plan's or a sweep's spans were: appended (sent, noted
// only with a storage, where a write can fail), or left out as emitted
// before (resent).
type outbox struct {
	sent   []sent
	resent []string
}

// spanID is the key a span's ID is made of (see appendSpan).
func spanID(key string, o open) string {
	if o.perStart {
		return timedKey(key, o.start)
	}
	return key
}

// unwrote remembers spans whose commit could not be written.
func (t *Tracker) unwrote(spans []sent) {
	if len(spans) == 0 {
		return
	}
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	if t.unwritten == nil {
		t.unwritten = map[string]time.Time{}
	}
	for _, s := range spans {
		t.unwritten[s.id] = s.end
	}
	t.nUnwritten.Store(int64(len(t.unwritten)))
}

// wrote forgets spans that a written commit left out.
func (t *Tracker) wrote(ids []string) {
	if len(ids) == 0 {
		return
	}
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	for _, id := range ids {
		delete(t.unwritten, id)
	}
	t.nUnwritten.Store(int64(len(t.unwritten)))
}

// forgetUnwritten drops, under timeMu, what ended longer ago than the
// timeout: its retry, if any, is past coming.
func (t *Tracker) forgetUnwritten(now time.Time) {
	for id, end := range t.unwritten {
		if t.forgotten(end, now) {
			delete(t.unwritten, id)
		}
	}
	t.nUnwritten.Store(int64(len(t.unwritten)))
}

// appendUnlessSent appends the span of o under key to td, unless it was
// emitted by a commit whose write failed: then it is only noted in box, as
// resent. With a storage, what is appended is noted in box too, for
// unwrote.
func (t *Tracker) appendUnlessSent(td func() ptrace.Traces, box *outbox, key string, o open, end time.Time, failed bool, message string) time.Time {
	if t.nUnwritten.Load() > 0 { // else, the usual case, without timeMu
		id := spanID(key, o)
		t.timeMu.Lock()
		was, ok := t.unwritten[id]
		t.timeMu.Unlock()
		if ok {
			box.resent = append(box.resent, id)
			return was
		}
	}
	appendSpan(td(), key, o, end, failed, message)
	if t.groups != nil { // a write can fail
		box.sent = append(box.sent, sent{spanID(key, o), end})
	}
	return end
}
