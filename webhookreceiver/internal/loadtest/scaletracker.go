package main

// The rows of -stack scale that drive the lifecycle tracker itself: what
// ending a root costs as more is open, what deliveries wait while expiry
// sweeps, and what an open lifecycle weighs.

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/lifecycle"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

var (
	scaleSrc = translate.Source{Provider: "attendee", ServiceName: "attendee", ScopeName: "scale", ScopeVersion: "v"}
	scaleT0  = time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC)
)

func accept(ptrace.Traces) error { return nil }

// scaleGrace is the receiver's default lifecycle.grace.
const scaleGrace = 30 * time.Second

// botStart is the delivery that opens bot n at at, as Attendee's decoder
// makes it: the bot's span, its first phase, and a participant who joined.
func botStart(n int, at time.Time) []provider.Event {
	root := fmt.Sprint("attendee/bot/bot_", n)
	return []provider.Event{{Transitions: []provider.Transition{
		{Key: root, Name: "attendee.bot", Start: at, Attributes: map[string]string{"attendee.bot.id": root[len("attendee/bot/"):]}},
		{Key: root + "/state", Root: root, Name: "attendee.bot.state", Step: at, Attributes: map[string]string{"attendee.bot.state": "joining"}},
	}}}
}

func participantJoins(n int, at time.Time) []provider.Event {
	root := fmt.Sprint("attendee/bot/bot_", n)
	return []provider.Event{{Transitions: []provider.Transition{{Key: root + "/participant/p1", Root: root, Name: "attendee.participant",
		Start: at, PerStart: true, EndsWithRoot: true, Attributes: map[string]string{"attendee.participant.id": "p1"}}}}}
}

func botEnd(n int, at time.Time) []provider.Event {
	return []provider.Event{{Transitions: []provider.Transition{{Key: fmt.Sprint("attendee/bot/bot_", n), Name: "attendee.bot", End: at}}}}
}

// openBots opens bots [from, to) at at, with a participant each.
func openBots(t *lifecycle.Tracker, from, to int, at time.Time) {
	for n := from; n < to; n++ {
		check(t.Apply(scaleSrc, botStart(n, at), at, accept))
		check(t.Apply(scaleSrc, participantJoins(n, at.Add(time.Second)), at.Add(time.Second), accept))
	}
}

// endCosts are the median times of ending a bot (its span, its phase, its
// participant) while few, and while many, bots are open: ends of the two
// in turns, in one heap, as the load harness alternates its servers. Each
// ended bot is followed by a new one, later, so that as many stay open.
func endCosts(few, many int) (time.Duration, time.Duration) {
	sizes := []int{few, many}
	trackers := make([]*lifecycle.Tracker, len(sizes))
	bots := make([][]int, len(sizes)) // the bots open, by place
	for i, open := range sizes {
		trackers[i] = lifecycle.NewTracker(24*time.Hour, scaleGrace, 1<<30)
		openBots(trackers[i], 0, open, scaleT0)
		bots[i] = make([]int, open)
		for n := range bots[i] {
			bots[i][n] = n
		}
	}
	took := make([][]time.Duration, len(sizes))
	// Rounds untimed, 5,000 or 2 s: the heap settles after the opening.
	warm, settled := 5000, time.Now().Add(2*time.Second)
	for i := 0; i < warm+401; i++ {
		if i < warm && time.Now().After(settled) {
			warm = i
		}
		for j, t := range trackers {
			place := i * 7919 % sizes[j] // spread over the open bots
			n := bots[j][place]
			end := scaleT0.Add(time.Duration(2*i+1) * time.Hour)
			start := time.Now()
			check(t.Apply(scaleSrc, botEnd(n, end), end, accept))
			if i >= warm {
				took[j] = append(took[j], time.Since(start))
			}
			bots[j][place] = sizes[j] + i
			openBots(t, sizes[j]+i, sizes[j]+i+1, end.Add(time.Hour))
		}
	}
	for j, t := range trackers {
		if t.Open() != 2*sizes[j] {
			check(fmt.Errorf("%d open, not %d", t.Open(), 2*sizes[j]))
		}
		slices.Sort(took[j])
	}
	return took[0][len(took[0])/2], took[1][len(took[1])/2]
}

// sweepLatency opens due bots, then expires them all while 8 senders
// deliver the lives of other bots, and returns the p99 of the deliveries
// sent during the sweep (those it held up included), how many there were,
// and how long the sweep took.
func sweepLatency(due int) (p99 time.Duration, n int, sweep time.Duration) {
	t := lifecycle.NewTracker(time.Hour, scaleGrace, 1<<30)
	openBots(t, 0, due, scaleT0)
	now := scaleT0.Add(2 * time.Hour)
	type sample struct {
		sent time.Time
		took time.Duration
	}
	var (
		mu      sync.Mutex
		samples []sample
		stop    atomic.Bool
		wg      sync.WaitGroup
		next    atomic.Int64
	)
	next.Store(int64(due))
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []sample
			for !stop.Load() {
				bot := int(next.Add(1))
				for i, d := range [][]provider.Event{botStart(bot, now), botEnd(bot, now.Add(time.Minute))} {
					sent := time.Now()
					check(t.Apply(scaleSrc, d, now.Add(time.Duration(i)*time.Minute), accept))
					local = append(local, sample{sent, time.Since(sent)})
				}
			}
			mu.Lock()
			samples = append(samples, local...)
			mu.Unlock()
		}()
	}
	time.Sleep(10 * time.Millisecond) // the senders are under way
	start := time.Now()
	_, err := t.Expire(now, accept)
	check(err)
	end := time.Now()
	stop.Store(true)
	wg.Wait()
	if t.Open() != 0 {
		check(fmt.Errorf("the sweep left %d open", t.Open()))
	}
	var during []time.Duration
	for _, s := range samples {
		if !s.sent.Before(start) && s.sent.Before(end) {
			during = append(during, s.took)
		}
	}
	if len(during) == 0 {
		return 0, 0, end.Sub(start)
	}
	slices.Sort(during)
	return during[len(during)*99/100], len(during), end.Sub(start)
}

// bytesPerOpen is the heap that open bots (each a span and its first phase)
// hold, per bot.
func bytesPerOpen(open int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // and what pools held
	runtime.ReadMemStats(&before)
	t := lifecycle.NewTracker(24*time.Hour, scaleGrace, 1<<30)
	for n := range open {
		check(t.Apply(scaleSrc, botStart(n, scaleT0), scaleT0, accept))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if t.Open() != open {
		check(fmt.Errorf("%d open, not %d", t.Open(), open))
	}
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(open)
}

// bytesPerClosed is the heap, per bot, of bots that ended (a span, a phase,
// a participant who stayed to the end): while their spans wait out the
// grace, and once emitted, as the tombstones kept for the timeout.
func bytesPerClosed(n int) (waiting, kept float64) {
	var before, closed, emitted runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	t := lifecycle.NewTracker(24*time.Hour, scaleGrace, 1<<30)
	openBots(t, 0, n, scaleT0)
	end := scaleT0.Add(time.Hour)
	for i := range n {
		check(t.Apply(scaleSrc, botEnd(i, end), end, accept))
	}
	runtime.GC()
	runtime.ReadMemStats(&closed)
	_, err := t.Expire(end.Add(scaleGrace), accept)
	check(err)
	runtime.GC()
	runtime.ReadMemStats(&emitted)
	runtime.KeepAlive(t)
	per := func(m runtime.MemStats) float64 {
		return float64(int64(m.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	}
	return per(closed), per(emitted)
}
