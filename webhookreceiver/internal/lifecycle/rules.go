package lifecycle

// The lifecycle rules, as one pure function over one root's group: what a
// transition, or time, makes of the group, and the spans that come out.
// No locks, storage or pdata here (TestRulesArePure): the transaction
// (txn.go) is the only caller, for deliveries and sweeps alike.
//
// A group holds every span its root knows of: open, ended with its start
// unseen (waiting), closed and waiting out the grace, handed to the
// pipeline (sending), and emitted (a tombstone: enough to recognise a late
// start, end or complete event of it, kept for the timeout).

import (
	"slices"
	"strings"
	"time"
)

type state uint8

const (
	stOpen    state = iota // started, its end unseen
	stWaiting              // ended, its start unseen
	stClosed               // closed: emitted once the grace is over
	stSending              // handed to the pipeline by a sweep, until its lease ends
	stSent                 // emitted: a tombstone
)

// closing is how a span closed; all but byEnd mark it incomplete, and a
// delivery that arrives within the grace may still complete it.
type closing uint8

const (
	byEnd      closing = iota + 1 // its own end (or a delivery with both)
	byRoot                        // its root ended with it open
	byTimeout                     // open longer than the timeout
	byEviction                    // beyond max_open
	byLone                        // an end whose start never came
)

func (c closing) incomplete() bool { return c > byEnd }

// rec is one span of a group.
type rec struct {
	key string
	open
	state state
	by    closing
	at    time.Time // when it closed (wall clock): its grace, lease and keeping count from it
}

// id is what the span's ID is made of (a stay's: its key and start).
func (r *rec) id() string { return spanID(r.key, r.open) }

func (r *rec) emitted() bool { return r.state >= stSending }

// group is one root's spans, in no order.
type group struct {
	root string
	recs []rec
	// sent are IDs known emitted that recs may still hold closed or open (a
	// failed write after the pipeline took them): they never come out again.
	sent []string
}

// limits are the times the rules keep to.
type limits struct {
	timeout time.Duration // an open span older than this is closed incomplete; a tombstone is kept this long
	grace   time.Duration // a closed span waits this long before it is emitted
	lease   time.Duration // a span handed to the pipeline by a sweep is handed again after this, if not confirmed
}

// move is a transition as the rules see it (provider.Transition, its
// attributes made attrs).
type move struct {
	key, root, name  string
	start, end, step time.Time
	perStart         bool
	withRoot         bool
	failed           bool
	message          string
	attrs            attrs
}

// apply is what one transition at now makes of g, and the spans whose grace
// is over (with a zero grace, those it closed).
func apply(g group, m move, now time.Time, lim limits) (group, []rec) {
	g = g.clone()
	if !m.step.IsZero() {
		g.addStep(m)
	} else if i := g.span(m, now); i >= 0 {
		g.closeWithRoot(i, now)
	}
	return g, g.flush(now, lim, false)
}

// pressure is what a sweep does to a group beyond the limits.
type pressure uint8

const (
	onlyDue pressure = iota // what is due, no more
	trim                    // and its tombstones go (beyond as many as max_open)
	evict                   // and all it has open closes, and is emitted at once (beyond max_open)
)

// expire is what time makes of g at now: spans open longer than the timeout
// close incomplete; spans whose grace is over, and those a sweep handed over
// whose lease ended, are emitted; tombstones past the timeout go. Under
// pressure, more goes (see pressure).
func expire(g group, now time.Time, lim limits, p pressure) (group, []rec) {
	g = g.clone()
	by, evict := byTimeout, p == evict
	if evict {
		by = byEviction
	}
	for i := range g.recs { // the root last: closing it closes its children at its end
		if r := &g.recs[i]; r.key != g.root && (r.state == stOpen || r.state == stWaiting) && (evict || now.Sub(r.since()) > lim.timeout) {
			g.closeIncomplete(i, now, now, by)
		}
	}
	if i := g.find(g.root); i >= 0 && (g.recs[i].state == stOpen || g.recs[i].state == stWaiting) && (evict || now.Sub(g.recs[i].since()) > lim.timeout) {
		g.closeIncomplete(i, now, now, by)
	}
	out := g.flush(now, lim, evict)
	g.recs = slices.DeleteFunc(g.recs, func(r rec) bool { // under pressure, all but what just closed
		return r.state == stSent && (p != onlyDue || now.Sub(maxTime(r.at, r.end)) > lim.timeout)
	})
	return g, out
}

// settle records how the pipeline answered spans a sweep handed to it:
// taken, they are tombstones; refused, they wait for the next sweep.
func settle(g group, sent []rec, taken bool) group {
	g = g.clone()
	for _, s := range sent {
		for i := range g.recs {
			if r := &g.recs[i]; r.state == stSending && r.key == s.key && r.start.Equal(s.start) {
				if taken {
					g.recs[i] = tombstone(*r)
				} else {
					r.state = stClosed
				}
			}
		}
	}
	return g
}

// due is when expire next has something to do with g; zero when never.
func (g *group) due(lim limits) time.Time {
	var at time.Time
	soonest := func(t time.Time) {
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	for i := range g.recs {
		switch r := &g.recs[i]; r.state {
		case stOpen, stWaiting:
			soonest(r.since().Add(lim.timeout + time.Nanosecond))
		case stClosed:
			soonest(r.at.Add(lim.grace))
		case stSending:
			soonest(r.at.Add(lim.lease))
		case stSent:
			soonest(maxTime(r.at, r.end).Add(lim.timeout + time.Nanosecond))
		}
	}
	return at
}

// oldest is the earliest time a span of g in a state from first to last
// dates from (a tombstone: its close); zero when none is.
func (g *group) oldest(first, last state) time.Time {
	var at time.Time
	for i := range g.recs {
		r := &g.recs[i]
		if r.state < first || r.state > last {
			continue
		}
		t := r.since()
		if r.state == stSent {
			t = maxTime(r.at, r.end)
		}
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	return at
}

// opened is how many of g's spans are open (or waiting for their start).
func (g *group) opened() int {
	n := 0
	for i := range g.recs {
		if g.recs[i].state <= stWaiting {
			n++
		}
	}
	return n
}

// kept is how many of g's spans are tombstones.
func (g *group) kept() int {
	n := 0
	for i := range g.recs {
		if g.recs[i].state == stSent {
			n++
		}
	}
	return n
}

func (g group) clone() group { g.recs = slices.Clone(g.recs); return g }

func (g *group) find(key string) int {
	return slices.IndexFunc(g.recs, func(r rec) bool { return r.key == key })
}

// span applies a start and/or end, and returns the span it touched (-1 for none).
func (g *group) span(m move, now time.Time) int {
	if m.perStart {
		return g.stay(m, now)
	}
	if i := g.find(m.key); i >= 0 {
		g.update(i, m, now)
		return i
	}
	return g.add(m, now)
}

// add makes a new span of m: open, waiting for its start, or closed.
func (g *group) add(m move, now time.Time) int {
	r := rec{key: m.key, open: open{root: m.root, name: m.name, start: m.start, perStart: m.perStart, withRoot: m.withRoot, attrs: m.attrs}}
	switch {
	case m.start.IsZero() && m.end.IsZero():
		return -1
	case m.end.IsZero():
		r.state = stOpen
	case m.start.IsZero():
		r.state, r.end, r.failed, r.message = stWaiting, m.end, m.failed, m.message
	default:
		r.end, r.failed, r.message = maxTime(m.start, m.end), m.failed, m.message
		r.state, r.by, r.at = stClosed, byEnd, now
	}
	g.recs = append(g.recs, r)
	return len(g.recs) - 1
}

// update applies m to the span i already is. An emitted span is past
// changing: a late delivery of it is its log record only.
func (g *group) update(i int, m move, now time.Time) {
	r := &g.recs[i]
	if r.emitted() {
		return
	}
	r.attrs = merged(r.attrs, m.attrs)
	switch r.state {
	case stOpen:
		if !m.start.IsZero() && m.start.Before(r.start) {
			r.start = m.start
		}
		if !m.end.IsZero() {
			g.close(i, m.end, m, now)
		}
	case stWaiting:
		if !m.start.IsZero() {
			r.start = minTime(m.start, r.end)
			g.close(i, r.end, move{failed: r.failed, message: r.message}, now)
		}
	case stClosed:
		if !m.start.IsZero() && (m.start.Before(r.start) || r.by == byLone) && !m.start.After(r.end) {
			r.start = m.start
			if r.by == byLone {
				r.by = byEnd
			}
		}
		if !m.end.IsZero() && r.by.incomplete() && r.by != byLone && !m.end.Before(r.start) {
			r.end, r.by, r.failed, r.message = m.end, byEnd, m.failed, m.message
		}
	}
}

// close ends the open or waiting span i at end, as m says; a root closes
// its children with it.
func (g *group) close(i int, end time.Time, m move, now time.Time) {
	r := &g.recs[i]
	r.end, r.failed, r.message = maxTime(r.start, end), m.failed, m.message
	r.state, r.by, r.at = stClosed, byEnd, now
	if r.key == g.root {
		g.closeChildren(r.end, now)
	}
}

// closeIncomplete closes the open or waiting span i at end, incomplete:
// an end whose start never came is a span of no length at that end; a stay
// ends no later than the next stay of its key starts.
func (g *group) closeIncomplete(i int, end, now time.Time, by closing) {
	r := &g.recs[i]
	switch {
	case r.state == stWaiting:
		r.start, by = r.end, byLone
	case r.perStart:
		for j := range g.recs {
			if s := &g.recs[j]; s.key == r.key && s.start.After(r.start) && s.start.Before(end) {
				end = s.start
			}
		}
		fallthrough
	default:
		r.end = maxTime(r.start, end)
		r.failed, r.message = false, ""
	}
	r.state, r.by, r.at = stClosed, by, now
	if r.key == g.root {
		g.closeChildren(r.end, now)
	}
}

// closeChildren closes, incomplete, the children open when their root
// ended that end with it (a participant still in the meeting when the bot
// left); a real end arriving within the grace still completes them.
func (g *group) closeChildren(end, now time.Time) {
	for j := range g.recs {
		if c := &g.recs[j]; c.key != g.root && c.withRoot && c.state == stOpen {
			g.closeIncomplete(j, maxTime(c.start, end), now, byRoot)
		}
	}
}

// closeWithRoot closes a child just started after its root closed (its
// start retried late) as its root's end closed the others.
func (g *group) closeWithRoot(i int, now time.Time) {
	c := &g.recs[i]
	if c.key == g.root || !c.withRoot || c.state != stOpen {
		return
	}
	if j := g.find(g.root); j >= 0 && g.recs[j].state >= stClosed && !c.start.After(g.recs[j].end) {
		g.closeIncomplete(i, g.recs[j].end, now, byRoot)
	}
}

// stay applies m to the stays of a per-start key (a participant who leaves
// and rejoins): each end goes to the latest stay started before it (at its
// instant when none is), each start to the earliest end waiting at or
// after it; so an end at the instant a stay starts belongs to the stay
// before.
func (g *group) stay(m move, now time.Time) int {
	if !m.start.IsZero() {
		if i := slices.IndexFunc(g.recs, func(r rec) bool { return r.key == m.key && r.state != stWaiting && r.start.Equal(m.start) }); i >= 0 {
			g.update(i, m, now) // this stay again
			return i
		}
	}
	switch {
	case !m.start.IsZero() && !m.end.IsZero():
		return g.add(m, now)
	case !m.start.IsZero():
		i := g.earliestEnd(m.key, m.start)
		if i < 0 {
			return g.add(m, now)
		}
		g.update(i, m, now)
		return i
	case !m.end.IsZero():
		i := g.latestStart(m.key, m.end)
		if i < 0 {
			if slices.ContainsFunc(g.recs, func(r rec) bool { return r.key == m.key && r.end.Equal(m.end) }) {
				return -1 // this end again
			}
			return g.add(m, now)
		}
		g.update(i, m, now)
		return i
	}
	return -1
}

// latestStart is the stay of key an end at end belongs to: of those whose
// end is not known (open, or closed incomplete), the latest started before
// end, else at end; -1 for none.
func (g *group) latestStart(key string, end time.Time) int {
	best := -1
	for i := range g.recs {
		r := &g.recs[i]
		if r.key != key || r.state == stWaiting || r.by == byEnd || r.by == byLone || r.start.After(end) {
			continue
		}
		if best < 0 || better(r.start, g.recs[best].start, end) {
			best = i
		}
	}
	return best
}

// better reports whether a stay started at a is a better match than one
// started at b for an end at end: one before end beats one at it, a later
// one beats an earlier.
func better(a, b, end time.Time) bool {
	if a.Equal(end) != b.Equal(end) {
		return b.Equal(end)
	}
	return a.After(b)
}

// earliestEnd is the end a start at start belongs to: of the ends whose
// start is not known (waiting, or closed alone), the earliest at or after
// start; -1 for none.
func (g *group) earliestEnd(key string, start time.Time) int {
	best := -1
	for i := range g.recs {
		r := &g.recs[i]
		if r.key != key || !(r.state == stWaiting || r.by == byLone) || r.end.Before(start) {
			continue
		}
		if best < 0 || r.end.Before(g.recs[best].end) {
			best = i
		}
	}
	return best
}

// addStep puts a phase on the timeline of its root, open or closed within
// the grace; a root not seen yet, or emitted, takes none.
func (g *group) addStep(m move) {
	i := g.find(m.root)
	if i < 0 || g.recs[i].emitted() || g.recs[i].state == stWaiting {
		return
	}
	r := &g.recs[i]
	s := step{slot: m.key, name: m.name, at: m.step, attrs: m.attrs.compact()}
	steps := slices.Clone(r.steps)
	j, found := slices.BinarySearchFunc(steps, s, func(a, b step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.slot, b.slot)
	})
	if found {
		steps[j] = s
	} else {
		steps = slices.Insert(steps, j, s)
	}
	r.steps = steps
}

// flush returns the closed spans whose grace is over (all of them when
// evict), and those handed over whose lease ended, in key order; a span
// whose ID was emitted before never comes out again.
func (g *group) flush(now time.Time, lim limits, evict bool) []rec {
	var out []rec
	var again []int // closed again after their ID came out (a retry after a failed write)
	for i := range g.recs {
		r := &g.recs[i]
		ready := r.state == stClosed && (evict || !now.Before(r.at.Add(lim.grace))) ||
			r.state == stSending && !now.Before(r.at.Add(lim.lease))
		if !ready {
			continue
		}
		if slices.ContainsFunc(g.recs, func(s rec) bool { return s.state == stSent && s.key == r.key && s.id() == r.id() }) {
			again = append(again, i) // at most once, ever: its tombstone stays
			continue
		}
		if slices.Contains(g.sent, r.id()) {
			*r = tombstone(*r)
			continue
		}
		r.state, r.at = stSending, now
		out = append(out, *r)
	}
	for k := len(again) - 1; k >= 0; k-- {
		g.recs = slices.Delete(g.recs, again[k], again[k]+1)
	}
	slices.SortFunc(out, func(a, b rec) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.start.Compare(b.start)
	})
	return out
}

// tombstone is what is kept of an emitted span: enough to know a late
// delivery of it.
func tombstone(r rec) rec {
	return rec{key: r.key, open: open{root: r.root, name: r.name, start: r.start, end: r.end, perStart: r.perStart}, state: stSent, by: r.by, at: r.at}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
