package lifecycle

// The lifecycle rules: what a transition, or time, makes of one root's group, and the
// spans that come out. Pure (TestRulesArePure): no locks, storage or pdata. A group holds
// every span its root knows of, emitted ones too: a tombstone, kept for the timeout, knows a late event.

import (
	"iter"
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

// closing is how a span closed; all but byEnd are incomplete, which a delivery within the grace may still complete.
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
	idx  map[string][]int // positions by key, for a group with many (of)
}

type limits struct {
	timeout time.Duration // an open span older than this is closed incomplete
	keep    time.Duration // a tombstone is kept this long after its span closed (the timeout)
	grace   time.Duration // a closed span waits this long before it is emitted
	lease   time.Duration // a span handed to the pipeline by a sweep is handed again after this, if not confirmed
}

// move is a provider.Transition as the rules see it.
type move struct {
	key, root, name            string
	start, end, step           time.Time
	perStart, withRoot, failed bool
	message                    string
	attrs                      attrs
}

// apply is what one transition at now makes of g, and the spans whose grace is over. As with
// append, the group returned may share g's storage: the caller gives g up.
func apply(g group, m move, now time.Time, lim limits) (group, []rec) {
	if !m.step.IsZero() {
		g.addStep(m)
	} else if i := g.span(m, now); i >= 0 {
		g.closeWithRoot(i, now)
	}
	if lim.grace > 0 {
		return g, nil // what closed now waits; what waited long enough, a check emits
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

// expire is what time makes of g at now: what is open past the timeout closes incomplete, what is due is
// emitted, tombstones past keeping go; under pressure, more (see pressure).
func expire(g group, now time.Time, lim limits, p pressure) (group, []rec) {
	by, evict := byTimeout, p == evict
	if evict {
		by = byEviction
	}
	for _, root := range []bool{false, true} { // the root last: it closes its children at its end
		for i := range g.recs {
			if r := &g.recs[i]; (r.key == g.root) == root && r.state <= stWaiting && (evict || now.Sub(r.since()) > lim.timeout) {
				g.close(i, now, move{}, by, now)
			}
		}
	}
	out := g.flush(now, lim, evict)
	g.recs = slices.DeleteFunc(g.recs, func(r rec) bool { // under pressure, all but what just closed
		return r.state == stSent && (p != onlyDue || now.Sub(maxTime(r.at, r.end)) > lim.keep)
	})
	g.idx = nil // positions moved
	return g, out
}

// settle records the pipeline's answer: spans taken are tombstones, refused ones wait.
func settle(g group, sent []rec, taken bool) group {
	for _, s := range sent {
		for i := range g.of(s.key) {
			if r := &g.recs[i]; r.state == stSending && r.start.Equal(s.start) {
				r.state = stClosed // refused, it waits
				if taken {
					g.recs[i] = tombstone(*r)
				}
			}
		}
	}
	return g
}

// groupStats is what the tracker's index keeps of a group.
type groupStats struct {
	open, kept             int       // spans open or waiting for their start; tombstones
	due                    time.Time // when expire next has something to do with g; zero for never
	oldestOpen, oldestKept time.Time // when the oldest open span dates from, the oldest tombstone closed
}

// stats is g's, in one pass: a root may hold thousands of spans.
func (g *group) stats(lim limits) (s groupStats) {
	soonest := func(at *time.Time, t time.Time) {
		if at.IsZero() || t.Before(*at) {
			*at = t
		}
	}
	for i := range g.recs {
		switch r := &g.recs[i]; r.state {
		case stOpen, stWaiting:
			s.open++
			soonest(&s.oldestOpen, r.since())
			soonest(&s.due, r.since().Add(lim.timeout+1))
		case stClosed:
			soonest(&s.due, r.at.Add(lim.grace))
		case stSending:
			soonest(&s.due, r.at.Add(lim.lease))
		case stSent:
			s.kept++
			soonest(&s.oldestKept, maxTime(r.at, r.end))
			soonest(&s.due, maxTime(r.at, r.end).Add(lim.keep+1))
		}
	}
	return s
}

func (g *group) find(key string) int {
	for i := range g.of(key) {
		return i
	}
	return -1
}

// of yields the positions of key's spans. A root with many (a meeting's
// participants, a bot's utterances) has them indexed by key, so that a
// delivery costs what it touches, not what its root holds.
func (g *group) of(key string) iter.Seq[int] {
	return func(yield func(int) bool) {
		if g.idx == nil && len(g.recs) > indexFrom {
			g.idx = make(map[string][]int, len(g.recs))
			for i := range g.recs {
				g.idx[g.recs[i].key] = append(g.idx[g.recs[i].key], i)
			}
		}
		if g.idx != nil {
			for _, i := range g.idx[key] {
				if !yield(i) {
					return
				}
			}
			return
		}
		for i := range g.recs {
			if g.recs[i].key == key && !yield(i) {
				return
			}
		}
	}
}

// indexFrom is how many spans a group holds before it is indexed: a map
// costs some 200 bytes more than a short walk.
const indexFrom = 8

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
	if m.start.IsZero() && m.end.IsZero() {
		return -1
	}
	r := rec{key: m.key, open: open{root: m.root, name: m.name, start: m.start, perStart: m.perStart, withRoot: m.withRoot, attrs: m.attrs.compact()}}
	if m.start.IsZero() {
		r.state, r.end, r.failed, r.message = stWaiting, m.end, m.failed, m.message
	}
	g.recs = append(g.recs, r)
	i := len(g.recs) - 1
	if g.idx != nil {
		g.idx[m.key] = append(g.idx[m.key], i)
	}
	if !m.start.IsZero() && !m.end.IsZero() {
		g.close(i, m.end, m, byEnd, now)
	}
	return i
}

// update applies m to span i. An emitted span is past changing: a late delivery of it is its log record only.
func (g *group) update(i int, m move, now time.Time) {
	r := &g.recs[i]
	if r.emitted() {
		return
	}
	r.attrs = merged(r.attrs, m.attrs).compact()
	switch r.state {
	case stOpen:
		if !m.start.IsZero() && m.start.Before(r.start) {
			r.start = m.start
		}
		if !m.end.IsZero() {
			g.close(i, m.end, m, byEnd, now)
		}
	case stWaiting:
		if !m.start.IsZero() {
			r.start = m.start
			if m.start.After(r.end) {
				r.start = r.end
			}
			g.close(i, r.end, move{failed: r.failed, message: r.message}, byEnd, now)
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

// close ends the open or waiting span i at end, as m says; a root closes its children with it. Incomplete,
// a lone end is a span of no length, and a stay ends no later than the next stay of its key starts.
func (g *group) close(i int, end time.Time, m move, by closing, now time.Time) {
	r := &g.recs[i]
	switch {
	case by == byEnd:
	case r.state == stWaiting:
		r.start, end, by, m = r.end, r.end, byLone, move{failed: r.failed, message: r.message}
	case r.perStart:
		for j := range g.of(r.key) {
			if s := &g.recs[j]; s.start.After(r.start) && s.start.Before(end) {
				end = s.start
			}
		}
	}
	r.end, r.failed, r.message = maxTime(r.start, end), m.failed, m.message
	r.state, r.by, r.at = stClosed, by, now
	if r.key == g.root {
		g.closeChildren(r.end, now)
	}
}

// closeChildren closes, incomplete, the open children that end with the root (a
// participant still in when the bot left); a real end within the grace completes them.
func (g *group) closeChildren(end, now time.Time) {
	for j := range g.recs {
		if c := &g.recs[j]; c.key != g.root && c.withRoot && c.state == stOpen {
			g.close(j, maxTime(c.start, end), move{}, byRoot, now)
		}
	}
}

// closeWithRoot closes a child started after its root closed, as the root's end closed the others.
func (g *group) closeWithRoot(i int, now time.Time) {
	c := &g.recs[i]
	if c.key == g.root || !c.withRoot || c.state != stOpen {
		return
	}
	if j := g.find(g.root); j >= 0 && g.recs[j].state >= stClosed && !c.start.After(g.recs[j].end) {
		g.close(i, g.recs[j].end, move{}, byRoot, now)
	}
}

// stay applies m to the stays of a per-start key (a participant who leaves and rejoins): an end
// goes to the latest stay started before it (else at its instant), a start to the earliest end at
// or after it: an end at the instant a stay starts belongs to the stay before (a rejoin in the same
// second). A pair not emitted yet that a later delivery shows wrong is paired anew.
func (g *group) stay(m move, now time.Time) int {
	if !m.start.IsZero() {
		for i := range g.of(m.key) {
			if r := &g.recs[i]; r.state != stWaiting && r.start.Equal(m.start) {
				g.update(i, m, now) // this stay again
				return i
			}
		}
	}
	i := -1
	switch {
	case !m.start.IsZero() && !m.end.IsZero(): // a whole stay, added
	case !m.start.IsZero():
		if i = g.earliestEnd(m.key, m.start); i >= 0 && g.paired(i) {
			r := &g.recs[i]
			again := m
			again.start, again.attrs = r.start, r.attrs
			r.start, r.attrs, r.at = m.start, merged(r.attrs, m.attrs).compact(), now
			if j := g.stay(again, now); j >= 0 {
				g.closeWithRoot(j, now)
			}
			return i
		}
	case !m.end.IsZero():
		if i = g.latestStart(m.key, m.end); i >= 0 && g.paired(i) {
			r := &g.recs[i]
			again := m
			again.end, again.failed, again.message = r.end, r.failed, r.message
			r.end, r.failed, r.message, r.at = m.end, m.failed, m.message, now
			g.stay(again, now)
			return i
		}
		for j := range g.of(m.key) {
			if i < 0 && g.recs[j].end.Equal(m.end) {
				return -1 // this end again
			}
		}
	}
	if i < 0 {
		return g.add(m, now)
	}
	g.update(i, m, now)
	return i
}

// paired: span i is a stay closed by its own end, not emitted yet: a pair a delivery may still show wrong.
func (g *group) paired(i int) bool { return g.recs[i].state == stClosed && g.recs[i].by == byEnd }

// latestStart is the stay of key an end at end belongs to: of those whose end is unknown (open, closed
// incomplete) or later (a pair not emitted yet), the latest started before end, else at end; -1 for none.
func (g *group) latestStart(key string, end time.Time) int {
	best := -1
	for i := range g.of(key) {
		r := &g.recs[i]
		around := g.paired(i) && r.start.Before(end) && r.end.After(end)
		if r.state == stWaiting || (r.by == byEnd || r.by == byLone) && !around || r.start.After(end) && !naiveStays {
			continue
		}
		if best < 0 || better(r.start, g.recs[best].start, end) || naiveStays && r.start.After(g.recs[best].start) {
			best = i
		}
	}
	return best
}

// naiveStays, set by TestTheRulesAreNeeded alone, pairs an end with its key's latest stay, as the old engine did.
var naiveStays bool

// better: a stay started at a fits an end better than one at b: before the end beats at it, later beats earlier.
func better(a, b, end time.Time) bool {
	if a.Equal(end) != b.Equal(end) {
		return b.Equal(end)
	}
	return a.After(b)
}

// earliestEnd is the end a start at start belongs to: of the ends whose start is unknown
// (waiting, closed alone) or not the latest before them (a pair not emitted yet starting
// after start at its end's instant, or before start), the earliest at or after start.
func (g *group) earliestEnd(key string, start time.Time) int {
	best := -1
	for i := range g.of(key) {
		r := &g.recs[i]
		steal := g.paired(i) && (r.start.Equal(r.end) && r.start.After(start) || r.start.Before(start) && r.end.After(start))
		if !(r.state == stWaiting || r.by == byLone || steal) || r.end.Before(start) {
			continue
		}
		if best < 0 || r.end.Before(g.recs[best].end) {
			best = i
		}
	}
	return best
}

// addStep puts a phase on its root's timeline while the root is open or closed within the grace.
func (g *group) addStep(m move) {
	i := g.find(m.root)
	if i < 0 || g.recs[i].emitted() || g.recs[i].state == stWaiting {
		return
	}
	r := &g.recs[i]
	s := step{slot: m.key, name: m.name, at: m.step, attrs: m.attrs.compact()}
	j, found := slices.BinarySearchFunc(r.steps, s, func(a, b step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.slot, b.slot)
	})
	r.steps = slices.Clone(r.steps) // the group apply cloned shares it
	if found {
		r.steps[j] = s
	} else {
		r.steps = slices.Insert(r.steps, j, s)
	}
}

// flush returns, in key order, the closed spans whose grace is over (all when evict) and
// those handed over whose lease ended; a span whose ID was emitted before never comes out again.
func (g *group) flush(now time.Time, lim limits, evict bool) []rec {
	var out []rec
	for i := range g.recs {
		r := &g.recs[i]
		switch {
		case !(r.state == stClosed && (evict || !now.Before(r.at.Add(lim.grace))) || r.state == stSending && !now.Before(r.at.Add(lim.lease))):
		case g.emittedAs(i) || slices.Contains(g.sent, r.id()):
			*r = tombstone(*r) // at most once, ever
		default:
			r.state, r.at = stSending, now
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, byKeyStart)
	return out
}

// emittedAs: another span of g with span i's ID was emitted (a lone end and a stay starting at its instant share one).
func (g *group) emittedAs(i int) bool {
	for j := range g.of(g.recs[i].key) {
		if s := &g.recs[j]; j != i && s.emitted() && s.id() == g.recs[i].id() {
			return true
		}
	}
	return false
}

func byKeyStart(a, b rec) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return a.start.Compare(b.start)
}

// tombstone is what is kept of an emitted span: enough to know a late delivery of it.
func tombstone(r rec) rec {
	return rec{key: r.key, open: open{root: r.root, name: r.name, start: r.start, end: r.end, perStart: r.perStart}, state: stSent, by: r.by, at: r.at}
}
