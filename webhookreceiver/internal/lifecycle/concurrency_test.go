package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// errRefused is a pipeline's retryable refusal (a memory_limiter): the
// sender retries the delivery as a platform would.
var errRefused = errors.New("refused, retry")

// collector is a traces pipeline that refuses at random and keeps what it
// accepted.
type collector struct {
	mu       sync.Mutex
	rng      *rand.Rand
	refusals float64 // the share of calls refused
	accepted []string
}

func (c *collector) emit(spans ptrace.Traces) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rng.Float64() < c.refusals {
		return errRefused
	}
	c.accepted = append(c.accepted, describe(spans)...)
	return nil
}

// describe writes every span as one line of all that a backend sees of it.
func describe(td ptrace.Traces) []string {
	var out []string
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				attrs := s.Attributes().AsRaw()
				keys := make([]string, 0, len(attrs))
				for k := range attrs {
					keys = append(keys, fmt.Sprintf("%s=%v", k, attrs[k]))
				}
				slices.Sort(keys)
				out = append(out, fmt.Sprintf("%s %s<%s %s [%s, %s] %v %q {%s}", s.TraceID(), s.SpanID(), s.ParentSpanID(), s.Name(),
					s.StartTimestamp().AsTime().Format(time.RFC3339), s.EndTimestamp().AsTime().Format(time.RFC3339),
					s.Status().Code(), s.Status().Message(), strings.Join(keys, " ")))
			}
		}
	}
	return out
}

// botLife is the deliveries of one bot, in the order its platform sends
// them (not the order of their times): it starts and goes through states,
// participants join and leave, one never leaves, utterances, a recording
// that outlives the bot, a leave that comes before its join, and the end.
func botLife(n int, rng *rand.Rand) [][]provider.Transition {
	root := fmt.Sprint("demo/bot/", n)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	state := func(min int, s string) []provider.Transition {
		return []provider.Transition{
			{Key: root, Name: "bot", Start: at(min), Attributes: map[string]string{"bot.id": root}},
			{Key: root + "/state", Root: root, Name: "bot.state", Step: at(min), Attributes: map[string]string{"state": s}},
		}
	}
	child := func(kind, id string, start, end int, withRoot bool) provider.Transition {
		tr := provider.Transition{Key: root + "/" + kind + "/" + id, Root: root, Name: "bot." + kind, PerStart: kind == "participant",
			EndsWithRoot: withRoot, Attributes: map[string]string{kind + ".id": id}}
		if start >= 0 {
			tr.Start = at(start)
		}
		if end >= 0 {
			tr.End = at(end)
		}
		return tr
	}
	life := [][]provider.Transition{
		state(0, "joining"), state(2, "recording"), state(1, "waiting"),
		{child("participant", "a", 3, -1, true)}, {child("participant", "a", -1, 9, true)},
		{child("participant", "b", -1, 12, true)}, {child("participant", "b", 4, -1, true)}, // the leave first
		{child("participant", "c", 5, -1, true)}, // never leaves
		{child("utterance", "u1", 6, 7, false)}, {child("utterance", "u2", 8, 9, false)},
		{child("recording", "r", 10, -1, false)},
		{{Key: root, Name: "bot", End: at(20), Attributes: map[string]string{"final": "ended"}}},
		{child("recording", "r", -1, 25, false)}, // after the bot ended
	}
	// Out of order: the platform's retries and its parallel senders move
	// deliveries about; the end stays after what it closes, as the serial
	// run it is compared with sees it.
	body := life[:11]
	rng.Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
	return life
}

// conferenceParts is the deliveries of one conference's participants, each
// a join and a leave in either order: whoever sends them, in whatever order,
// the spans are the same.
func conferenceParts(root string, parts int, rng *rand.Rand) [][]provider.Transition {
	var out [][]provider.Transition
	for i := range parts {
		tr := provider.Transition{Key: fmt.Sprint(root, "/participant/", i), Root: root, Name: "conference.participant", PerStart: true, EndsWithRoot: true}
		in, leave := tr, tr
		in.Start, leave.End = t0.Add(time.Duration(i)*time.Second), t0.Add(time.Hour+time.Duration(i)*time.Second)
		out = append(out, []provider.Transition{in}, []provider.Transition{leave})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// workload is a conference's start and end, the lives of bots (botLife)
// and the deliveries of the conference's participants (conferenceParts),
// shuffled from seed.
func workload(bots, parts int, seed uint64) (confStart, confEnd []provider.Transition, lives [][][]provider.Transition, shared [][]provider.Transition) {
	conference := "demo/conference/1"
	confStart = []provider.Transition{{Key: conference, Name: "conference", Start: t0}}
	confEnd = []provider.Transition{{Key: conference, Name: "conference", End: t0.Add(2 * time.Hour)}}
	rng := rand.New(rand.NewPCG(seed, 1))
	lives = make([][][]provider.Transition, bots)
	for i := range lives {
		lives[i] = botLife(i, rng)
	}
	return confStart, confEnd, lives, conferenceParts(conference, parts, rng)
}

// deliver applies one delivery until the pipeline accepts it. It runs in
// goroutines of the test's own: it asserts.
func deliver(t *testing.T, tr *Tracker, c *collector, d []provider.Transition) {
	deliverOn(t, func() *Tracker { return tr }, c, d)
}

// deliverOn is deliver on the tracker that on names, for the first try and
// for every retry.
func deliverOn(t *testing.T, on func() *Tracker, c *collector, d []provider.Transition) {
	for {
		err := on().Apply(src, []provider.Event{ev(d...)}, t0, c.emit)
		if err == nil || !assert.ErrorIs(t, err, errRefused) {
			return
		}
	}
}

// serialRun is what one tracker alone, which nothing refuses, emits of
// first, the lives one after the other, and last: the oracle.
func serialRun(t *testing.T, first []provider.Transition, lives [][][]provider.Transition, last []provider.Transition) []string {
	serial := &collector{rng: rand.New(rand.NewPCG(0, 0))}
	oracle := NewTracker(24*time.Hour, 0, 1_000_000)
	deliver(t, oracle, serial, first)
	for _, life := range lives {
		for _, d := range life {
			deliver(t, oracle, serial, d)
		}
	}
	deliver(t, oracle, serial, last)
	require.Zero(t, oracle.Open())
	slices.Sort(serial.accepted)
	return serial.accepted
}

// Many bots and a shared conference, delivered from many goroutines, out of
// order, into a pipeline that refuses a third of the time, over a slow
// storage: every lifecycle gives exactly the spans that a serial run, which
// nothing refuses, gives; none twice, none lost.
func TestConcurrentDeliveriesMatchASerialRun(t *testing.T) {
	const bots, senders, parts = 48, 12, 40
	confStart, confEnd, lives, shared := workload(bots, parts, 19)

	serial := serialRun(t, confStart, append(slices.Clone(lives), shared), confEnd)

	concurrent := &collector{rng: rand.New(rand.NewPCG(19, 2)), refusals: 1.0 / 3}
	tr := NewTracker(24*time.Hour, 0, 1_000_000)
	slow := storagetest.SlowClient{Client: storagetest.NewMapClient(), Delay: 100 * time.Microsecond}
	require.NoError(t, tr.UseStorage(context.Background(), slow, zap.NewNop()))
	deliver(t, tr, concurrent, confStart)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The sender's bots, interleaved at random, each in its own
			// order, and its share of the conference's participants.
			rng := rand.New(rand.NewPCG(19, uint64(s)))
			var mine [][][]provider.Transition
			for i := s; i < bots; i += senders {
				mine = append(mine, lives[i])
			}
			for i := s; i < len(shared); i += senders {
				mine = append(mine, [][]provider.Transition{shared[i]})
			}
			for len(mine) > 0 {
				i := rng.IntN(len(mine))
				deliver(t, tr, concurrent, mine[i][0])
				if mine[i] = mine[i][1:]; len(mine[i]) == 0 {
					mine = slices.Delete(mine, i, i+1)
				}
			}
		}()
	}
	wg.Wait()
	deliver(t, tr, concurrent, confEnd)

	slices.Sort(concurrent.accepted)
	require.Equal(t, serial, concurrent.accepted)
	// A bot: itself, 3 phases, 3 participants, 2 utterances, a recording.
	require.Len(t, serial, bots*10+parts+1, "the oracle saw every span")
	require.Zero(t, tr.Open())
}

// A sweep that expires thousands of lifecycles while deliveries add phases
// to some of them, and open and close others, each refused at random:
// every lifecycle gives one root span, and nothing stays open.
func TestSweepWhileDeliveriesGoOn(t *testing.T) {
	const due, senders = 3000, 8
	tr := NewTracker(time.Hour, 0, 1_000_000)
	c := &collector{rng: rand.New(rand.NewPCG(19, 3)), refusals: 0.2}
	key := func(n int) string { return fmt.Sprint("demo/thing/", n) }
	for n := range due {
		deliver(t, tr, c, []provider.Transition{{Key: key(n), Name: "thing", Start: t0}})
	}
	now := t0.Add(2 * time.Hour)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := s; n < due; n += senders * 4 { // some of the due go on
				deliver(t, tr, c, []provider.Transition{{Key: key(n) + "/state", Root: key(n), Name: "thing.state", Step: now}})
			}
			for n := due + s; n < due+2000; n += senders { // others live and end
				deliver(t, tr, c, []provider.Transition{{Key: key(n), Name: "thing", Start: now}})
				deliver(t, tr, c, []provider.Transition{{Key: key(n), Name: "thing", End: now.Add(time.Minute)}})
			}
		}()
	}
	for expireErr(tr, now, c.emit) != nil { // a refused batch waits for the next tick
	}
	wg.Wait()
	require.NoError(t, expireErr(tr, now, func(ptrace.Traces) error { return nil }))
	require.Zero(t, tr.Open())

	roots := map[string]int{} // root spans by trace
	for _, s := range c.accepted {
		if f := strings.Fields(s); strings.HasSuffix(f[1], "<") {
			roots[f[0]]++
		}
	}
	require.Len(t, roots, due+2000, "one trace each")
	for trace, n := range roots {
		require.Equal(t, 1, n, trace)
	}
}

// Deliveries that touch three roots, named in opposite orders, applied side
// by side many times: each takes the roots in the one order of their keys,
// so none waits for another in a circle, and every root sees every start.
func TestDeliveriesOfSeveralRootsTakeThemInOneOrder(t *testing.T) {
	tr := NewTracker(24*time.Hour, 0, 1_000_000)
	roots := []string{"demo/thing/c", "demo/thing/a", "demo/thing/b"}
	const rounds = 300
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				var d []provider.Transition
				for j := range roots {
					root := roots[j]
					if g%2 == 1 {
						root = roots[len(roots)-1-j]
					}
					key := fmt.Sprint(root, "/part/", g, "/", i)
					d = append(d, provider.Transition{Key: key, Root: root, Name: "part", Start: t0})
				}
				assert.NoError(t, tr.Apply(src, []provider.Event{ev(d...)}, t0, func(ptrace.Traces) error { return nil }))
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 4*rounds*len(roots), tr.Open())
}
