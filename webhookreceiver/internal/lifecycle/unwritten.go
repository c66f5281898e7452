package lifecycle

import "time"

// Spans emitted but not written. A commit writes only once emit accepted
// the spans, so a failed write leaves spans emitted that the storage, and so
// memory, still has open; the delivery or the sweep's batch is retried. The
// retry must not emit them again: the tracker remembers them, by what their
// IDs are made of, until a commit that left them out is written, or for the
// timeout.

// sent is a span emitted: the key its ID is made of, and its end.
type sent struct {
	id  string
	end time.Time
}

// outbox is what a transaction's spans were: appended (sent, noted only with
// a storage, where a write can fail), or left out as emitted before (resent).
type outbox struct {
	sent   []sent
	resent []string
}

// spanID is the key a span's ID is made of (timedKey for a stay).
func spanID(key string, o open) string {
	if o.perStart {
		return timedKey(key, o.start)
	}
	return key
}

// unwrittenEnd reports where the span of id ended, if it was emitted by a
// commit whose write failed.
func (t *Tracker) unwrittenEnd(id string) (time.Time, bool) {
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	end, ok := t.unwritten[id]
	return end, ok
}

// settle records what a commit's write made of its spans: written, those
// it left out as emitted before are forgotten; not, those it emitted are
// remembered.
func (t *Tracker) settle(box *outbox, written bool) {
	if written && len(box.resent) == 0 || !written && len(box.sent) == 0 {
		return
	}
	t.timeMu.Lock()
	defer t.timeMu.Unlock()
	if written {
		for _, id := range box.resent {
			delete(t.unwritten, id)
		}
	} else {
		if t.unwritten == nil {
			t.unwritten = map[string]time.Time{}
		}
		for _, s := range box.sent {
			t.unwritten[s.id] = s.end
		}
	}
	t.nUnwritten.Store(int64(len(t.unwritten)))
}
