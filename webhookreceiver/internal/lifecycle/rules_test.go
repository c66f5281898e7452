package lifecycle

import (
	"fmt"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The rules of rules.go, one row each, on the pure functions alone: a
// life's deliveries and expiry ticks as they arrive, and the spans that
// come out, in order. The reference's table (README, Traces and their IDs)
// says the same rules in words.

// at is a delivery (m set) or an expiry tick arriving after t0.
type at struct {
	after time.Duration
	m     *move
}

func mv(key string, start, end time.Duration) *move {
	m := &move{key: key, name: strings.SplitN(strings.TrimPrefix(key, root+"/"), "/", 2)[0]}
	if key == root {
		m.name = "root"
	} else {
		m.root, m.perStart, m.withRoot = root, strings.Contains(key, "/stay/"), true
	}
	if start >= 0 {
		m.start = t0.Add(start)
	}
	if end >= 0 {
		m.end = t0.Add(end)
	}
	return m
}

const none = -1

func start(key string, d time.Duration) *move { return mv(key, d, none) }
func end(key string, d time.Duration) *move   { return mv(key, none, d) }
func both(key string, s, e time.Duration) *move {
	return mv(key, s, e)
}

func stepAt(d time.Duration, state string) *move {
	return &move{key: root + "/state", root: root, name: "phase", step: t0.Add(d), attrs: mapAttrs(map[string]string{"state": state})}
}

// show is a span as a row expects it: name, start-end in minutes after t0,
// and "!" when incomplete; phases follow their root in brackets.
func show(r rec) string {
	m := func(t time.Time) string { return strconv.FormatFloat(t.Sub(t0).Minutes(), 'f', -1, 64) }
	s := fmt.Sprintf("%s %s-%s", r.name, m(r.start), m(r.end))
	if r.by.incomplete() {
		s += "!"
	}
	for _, st := range r.steps {
		s += fmt.Sprintf(" [%s@%s]", st.attrs.asMap()["state"], m(st.at))
	}
	return s
}

// runRules applies the row's arrivals to an empty group; what comes out is
// taken by the pipeline at once. The spans are returned sorted.
func runRules(lim limits, arrivals []at) []string {
	g := group{root: root}
	var out []string
	take := func(rs []rec) {
		for _, r := range rs {
			out = append(out, show(r))
		}
		g = settle(g, rs, true)
	}
	for _, a := range arrivals {
		var rs []rec
		if a.m != nil {
			g, rs = apply(g, *a.m, t0.Add(a.after), lim)
		} else {
			g, rs = expire(g, t0.Add(a.after), lim, onlyDue)
		}
		take(rs)
	}
	slices.Sort(out)
	return out
}

func TestRules(t *testing.T) {
	const (
		bot  = root
		p    = root + "/stay/p"
		rec  = root + "/recording"
		min  = time.Minute
		hour = time.Hour
	)
	lim := limits{timeout: hour, keep: hour, grace: 30 * time.Second, lease: 2 * min}
	noGrace := lim
	noGrace.grace = 0
	tick := func(d time.Duration) at { return at{after: d} }
	arrive := func(d time.Duration, m *move) at { return at{after: d, m: m} }
	for _, row := range []struct {
		name     string
		lim      limits
		arrivals []at
		want     []string
	}{
		{"a closed span waits the grace, then comes out once", lim,
			[]at{arrive(0, start(bot, 0)), arrive(10*min, end(bot, 10*min)), tick(10*min + 29*time.Second), tick(10*min + 30*time.Second), tick(12 * min)},
			[]string{"root 0-10"}},
		{"with no grace it comes out with the delivery that closes it", noGrace,
			[]at{arrive(0, start(bot, 0)), arrive(10*min, end(bot, 10*min))},
			[]string{"root 0-10"}},
		{"a child's end after its root's, within the grace, still counts", lim,
			[]at{arrive(0, start(bot, 0)), arrive(min, start(p, min)), arrive(10*min, end(bot, 10*min)), arrive(10*min+20*time.Second, end(p, 5*min)), tick(11 * min)},
			[]string{"root 0-10", "stay 1-5"}},
		{"past the grace it is a log record only: the child closed with its root", lim,
			[]at{arrive(0, start(bot, 0)), arrive(min, start(p, min)), arrive(10*min, end(bot, 10*min)), tick(11 * min), arrive(12*min, end(p, 5*min)), tick(20 * min)},
			[]string{"root 0-10", "stay 1-10!"}},
		{"a state change after the bot's end, within the grace, is a phase", lim,
			[]at{arrive(0, start(bot, 0)), arrive(0, stepAt(0, "joining")), arrive(10*min, end(bot, 10*min)), arrive(10*min+10*time.Second, stepAt(5*min, "recording")), tick(11 * min)},
			[]string{"root 0-10 [joining@0] [recording@5]"}},
		{"a lifecycle longer than the timeout comes out incomplete, and its late end is a log record only", lim,
			[]at{arrive(0, start(bot, 0)), tick(61 * min), tick(62 * min), arrive(90*min, end(bot, 90*min)), tick(100 * min)},
			[]string{"root 0-61!"}},
		{"a real end within the grace of the timeout completes it", lim,
			[]at{arrive(0, start(bot, 0)), tick(61 * min), arrive(61*min+10*time.Second, end(bot, 61*min)), tick(62 * min)},
			[]string{"root 0-61"}},
		{"a complete event before its start: one span; the start retried late is a log record only", lim,
			[]at{arrive(10*min, both(bot, 0, 10*min)), arrive(10*min+5*time.Second, start(bot, 0)), tick(11 * min), arrive(12*min, start(bot, 0)), tick(13 * min)},
			[]string{"root 0-10"}},
		{"a complete event leaves a tombstone: its retry after emission is a log record only", noGrace,
			[]at{arrive(0, both(p, 0, min)), arrive(5*min, both(p, 0, min))},
			[]string{"stay 0-1"}},
		{"an end waits for its start", lim,
			[]at{arrive(0, end(rec, 10*min)), tick(5 * min), arrive(11*min, start(rec, 2*min)), tick(12 * min)},
			[]string{"recording 2-10"}},
		{"an end whose start never comes is a span of no length at the timeout", lim,
			[]at{arrive(10*min, end(rec, 10*min)), tick(71 * min), tick(72 * min)},
			[]string{"recording 10-10!"}},
		{"stays: each end goes to the latest start before it (join 14:20, join 14:00, leave 14:10, leave 14:30)", lim,
			[]at{arrive(0, start(bot, 0)), arrive(20*min, start(p, 20*min)), arrive(21*min, start(p, 0)), arrive(22*min, end(p, 10*min)), arrive(30*min, end(p, 30*min)), arrive(40*min, end(bot, 40*min)), tick(45 * min)},
			[]string{"root 0-40", "stay 0-10", "stay 20-30"}},
		{"each start to the earliest end waiting at or after it", lim,
			[]at{arrive(0, start(bot, 0)), arrive(10*min, end(p, 10*min)), arrive(30*min, end(p, 30*min)), arrive(31*min, start(p, 20*min)), arrive(32*min, start(p, 0)), arrive(40*min, end(bot, 40*min)), tick(45 * min)},
			[]string{"root 0-40", "stay 0-10", "stay 20-30"}},
		{"a same-second rejoin: the end at a stay's start instant belongs to the stay before", lim,
			[]at{arrive(0, start(bot, 0)), arrive(min, start(p, min)), arrive(10*min, start(p, 10*min)), arrive(10*min, end(p, 10*min)), arrive(30*min, end(p, 30*min)), arrive(40*min, end(bot, 40*min)), tick(45 * min)},
			[]string{"root 0-40", "stay 1-10", "stay 10-30"}},
		{"the same, its leave retried last", lim,
			[]at{arrive(0, start(bot, 0)), arrive(min, start(p, min)), arrive(10*min, start(p, 10*min)), arrive(30*min, end(p, 30*min)), arrive(31*min, end(p, 10*min)), arrive(40*min, end(bot, 40*min)), tick(45 * min)},
			[]string{"root 0-40", "stay 1-10", "stay 10-30"}},
		{"a stay whose end never came ends where the next one starts, with its root", lim,
			[]at{arrive(0, start(bot, 0)), arrive(min, start(p, min)), arrive(5*min, start(p, 5*min)), arrive(40*min, end(bot, 40*min)), tick(45 * min)},
			[]string{"root 0-40", "stay 1-5!", "stay 5-40!"}},
		{"a child that starts after its root closed closes with it", lim,
			[]at{arrive(0, start(bot, 0)), arrive(10*min, end(bot, 10*min)), arrive(10*min+5*time.Second, start(p, 2*min)), tick(11 * min)},
			[]string{"root 0-10", "stay 2-10!"}},
		{"a span ID comes out once, whatever arrives after", noGrace,
			[]at{arrive(0, start(bot, 0)), arrive(10*min, end(bot, 10*min)), arrive(11*min, start(bot, 11*min)), arrive(12*min, end(bot, 12*min)), arrive(13*min, both(bot, 0, 13*min))},
			[]string{"root 0-10"}},
		{"tombstones go after the timeout (keep): then a late delivery starts anew", lim,
			[]at{arrive(0, both(rec, 0, min)), tick(2 * min), tick(62*min + time.Second), arrive(63*min, both(rec, 0, min)), tick(64 * min)},
			[]string{"recording 0-1", "recording 0-1"}},
	} {
		t.Run(row.name, func(t *testing.T) {
			require.Equal(t, row.want, runRules(row.lim, row.arrivals))
		})
	}
}

// Eviction closes what is open at once, emits it with no grace, and keeps
// the tombstone of what it closed: the real end, later, is a log record.
func TestEvictionKeepsWhatItClosed(t *testing.T) {
	lim := limits{timeout: time.Hour, keep: time.Hour, grace: 30 * time.Second, lease: 2 * time.Minute}
	g, out := apply(group{root: root}, *start(root, 0), t0, lim)
	require.Empty(t, out)
	g, out = expire(g, t0.Add(time.Minute), lim, evict)
	require.Equal(t, []string{"root 0-1!"}, showAll(out))
	g = settle(g, out, true)
	g, out = apply(g, *end(root, 5*time.Minute), t0.Add(5*time.Minute), lim)
	require.Empty(t, out)
	_, out = expire(g, t0.Add(10*time.Minute), lim, onlyDue)
	require.Empty(t, out)
}

// A span handed over by a sweep and refused waits for the next; handed over
// and never answered (the process died), it is handed over again when its
// lease ends; meanwhile a delivery takes it as emitted.
func TestHandedOverSpans(t *testing.T) {
	lim := limits{timeout: time.Hour, keep: time.Hour, grace: 0, lease: 2 * time.Minute}
	cp := func(g group) group { g.recs = slices.Clone(g.recs); return g } // the rules reuse a group's storage
	g, out := apply(group{root: root}, *both(root, 0, time.Minute), t0, lim)
	require.Equal(t, []string{"root 0-1"}, showAll(out))
	refused := settle(cp(g), out, false)
	_, again := expire(refused, t0.Add(time.Second), lim, onlyDue)
	require.Equal(t, []string{"root 0-1"}, showAll(again), "refused: the next sweep")

	g2, _ := apply(cp(g), *start(root, -time.Minute), t0.Add(time.Second), lim)
	require.Equal(t, g.recs, g2.recs, "a delivery takes it as emitted")
	_, none := expire(cp(g), t0.Add(time.Minute), lim, onlyDue)
	require.Empty(t, none, "within its lease")
	_, again = expire(cp(g), t0.Add(2*time.Minute), lim, onlyDue)
	require.Equal(t, []string{"root 0-1"}, showAll(again), "its lease over")
}

func showAll(rs []rec) []string {
	var out []string
	for _, r := range rs {
		out = append(out, show(r))
	}
	return out
}

// The rules are pure: rules.go imports no locks, storage or pdata.
func TestRulesArePure(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "rules.go", nil, parser.ImportsOnly)
	require.NoError(t, err)
	var imports []string
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		require.NoError(t, err)
		imports = append(imports, path)
	}
	require.ElementsMatch(t, []string{"iter", "slices", "strings", "time"}, imports)
}

// A participant's stays come out the same whatever the order their joins
// and leaves arrive in within the grace, several late at once included:
// every permutation of two stays with a gap, two in the same second, and
// three.
func TestStaysInEveryOrder(t *testing.T) {
	lim := limits{timeout: time.Hour, keep: time.Hour, grace: time.Hour, lease: time.Minute}
	p, m := root+"/stay/p", time.Minute
	for name, moves := range map[string][]*move{
		"with a gap":         {start(p, m), end(p, 10*m), start(p, 20*m), end(p, 30*m)},
		"in the same second": {start(p, m), end(p, 10*m), start(p, 10*m), end(p, 30*m)},
		"three":              {start(p, m), end(p, 10*m), start(p, 10*m), end(p, 20*m), start(p, 25*m), end(p, 30*m)},
	} {
		var want []string
		orders := 0
		var permute func(order []*move, left []*move)
		permute = func(order []*move, left []*move) {
			if len(left) == 0 {
				arrivals := []at{{0, start(root, 0)}}
				for k, mv := range order {
					arrivals = append(arrivals, at{time.Duration(k) * time.Second, mv})
				}
				arrivals = append(arrivals, at{m, end(root, 40*m)}, at{3 * time.Hour, nil})
				got := runRules(lim, arrivals)
				if orders++; want == nil {
					want = got
				}
				require.Equal(t, want, got, "%s, order %d", name, orders)
				return
			}
			for i := range left {
				permute(append(slices.Clip(order), left[i]), slices.Concat(left[:i], left[i+1:]))
			}
		}
		permute(nil, moves)
		require.Len(t, want, len(moves)/2+1, name)
		for _, s := range want {
			require.NotContains(t, s, "!", "%s: every stay complete", name)
		}
	}
}
