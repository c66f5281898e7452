package lifecycle

// A heap of dues, oldest first: 4-ary, each due's time in its slot, so that with a hundred thousand
// lifecycles open a sift reads a few cache lines per level, in half a binary heap's levels. A removal
// leaves its place empty rather than sifting: most groups change well before they are due. Empty
// places go when they reach the top, or all at once when they outnumber the dues.

import (
	"math"
	"time"
)

// due is a root's place in a heap, by when expiry next has to do with it.
type due struct {
	at   time.Time
	root string
	i    int // its index in the heap, -1 once out
}

// slot is a due in the heap, with what orders it.
type slot struct {
	at  int64  // due.at in Unix nanoseconds
	seq uint64 // of equal times, the first come goes first
	d   *due   // nil: the place of a due removed
}

type timeline struct {
	s     []slot
	seq   uint64
	empty int // places of dues removed
}

const arity = 4

func (h *timeline) len() int { return len(h.s) - h.empty }

func (h *timeline) less(i, j int) bool {
	a, b := &h.s[i], &h.s[j]
	return a.at < b.at || a.at == b.at && a.seq < b.seq
}

func (h *timeline) swap(i, j int) {
	h.s[i], h.s[j] = h.s[j], h.s[i]
	if h.s[i].d != nil {
		h.s[i].d.i = i
	}
	if h.s[j].d != nil {
		h.s[j].d.i = j
	}
}

// nanos is t in Unix nanoseconds, held within what an int64 can say.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func (h *timeline) push(d *due) {
	h.seq++
	d.i = len(h.s)
	h.s = append(h.s, slot{at: nanos(d.at), seq: h.seq, d: d})
	h.up(d.i)
}

// fix puts d, whose time changed, in its new place.
func (h *timeline) fix(d *due) {
	h.remove(d)
	h.push(d)
}

func (h *timeline) remove(d *due) {
	h.leave(d)
	if h.empty > len(h.s)-h.empty+4096 {
		h.compact()
	}
}

// leave empties d's place.
func (h *timeline) leave(d *due) {
	h.s[d.i].d = nil
	d.i = -1
	h.empty++
}

// top is the oldest due, nil when there is none; the empty places above it go.
func (h *timeline) top() *due {
	for len(h.s) > 0 && h.s[0].d == nil {
		last := len(h.s) - 1
		h.swap(0, last)
		h.s = h.s[:last]
		h.empty--
		h.down(0)
	}
	if len(h.s) == 0 {
		return nil
	}
	return h.s[0].d
}

// compact drops the empty places and heapifies what is left.
func (h *timeline) compact() {
	kept := h.s[:0]
	for _, s := range h.s {
		if s.d != nil {
			s.d.i = len(kept)
			kept = append(kept, s)
		}
	}
	clear(h.s[len(kept):])
	h.s, h.empty = kept, 0
	for i := (len(h.s) - 2) / arity; i >= 0; i-- {
		h.down(i)
	}
}

func (h *timeline) up(i int) {
	for i > 0 && h.less(i, (i-1)/arity) {
		h.swap(i, (i-1)/arity)
		i = (i - 1) / arity
	}
}

// down sinks i below its younger children.
func (h *timeline) down(i int) {
	for first := arity*i + 1; first < len(h.s); first = arity*i + 1 {
		least := first
		for c := first + 1; c < first+arity && c < len(h.s); c++ {
			if h.less(c, least) {
				least = c
			}
		}
		if !h.less(least, i) {
			return
		}
		h.swap(i, least)
		i = least
	}
}

// first takes out, oldest first, at most limit dues from the top of h while take says yes to
// the next (given how many came before), and puts them back: a cost in what it returns only.
func (h *timeline) first(limit int, take func(d *due, before int) bool) []*due {
	var out []*due
	for len(out) < limit {
		d := h.top()
		if d == nil || !take(d, len(out)) {
			break
		}
		h.leave(d)
		out = append(out, d)
	}
	for _, d := range out {
		h.push(d)
	}
	return out
}
