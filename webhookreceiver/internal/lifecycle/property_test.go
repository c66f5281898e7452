package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// The property of the engine under faults: whatever the interleaving of
// deliveries of several lifecycles, their duplicates, the pipeline's
// refusals and the platforms' retries (which reorder a lifecycle's
// deliveries), the storage's failed reads and writes, and expiry ticks,
// every lifecycle that ended yields exactly one root span, no span ID is
// accepted twice, and the spans are those of a serial run without faults
// (phases aside: a state change retried after its bot ended is a log only).

// scriptOf is the deliveries of one bot, in the order the platform sends them:
// it joins, two guests come (one leaves), an utterance, a state change, the
// bot ends.
func scriptOf(bot int) [][]provider.Transition {
	root := fmt.Sprint("demo/bot/", bot)
	at := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	guest := func(g string, start, end time.Time) provider.Transition {
		return provider.Transition{Key: root + "/guest/" + g, Root: root, Name: "guest", Start: start, End: end, PerStart: true, EndsWithRoot: true}
	}
	return [][]provider.Transition{
		{{Key: root, Name: "bot", Start: at(0)}, {Key: root + "/state", Root: root, Name: "phase", Step: at(0)}},
		{guest("a", at(1), time.Time{})},
		{guest("b", at(2), time.Time{})},
		{guest("a", time.Time{}, at(5))},
		{{Key: root + "/utterance/7", Root: root, Name: "utterance", Start: at(6), End: at(7)}},
		{{Key: root + "/state", Root: root, Name: "phase", Step: at(8)}},
		{{Key: root, Name: "bot", End: at(10)}},
	}
}

// faulty is a storage whose calls fail at random while on.
type faulty struct {
	*storagetest.MapClient
	mu    sync.Mutex
	rng   *rand.Rand
	share float64
	on    atomic.Bool
}

func (f *faulty) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if f.on.Load() {
		f.mu.Lock()
		fail := f.rng.Float64() < f.share
		f.mu.Unlock()
		if fail {
			return errors.New("storage unreachable")
		}
	}
	return f.MapClient.Batch(ctx, ops...)
}

// pipeline accepts spans, or refuses them at random while on, and keeps
// what it accepted by span ID.
type pipeline struct {
	mu       sync.Mutex
	rng      *rand.Rand
	share    float64
	on       bool
	accepted map[string]int    // span ID -> times accepted
	names    map[string]string // span ID -> name
}

func newPipeline(seed uint64, share float64) *pipeline {
	return &pipeline{rng: rand.New(rand.NewPCG(seed, 1)), share: share, on: share > 0, accepted: map[string]int{}, names: map[string]string{}}
}

func (p *pipeline) emit(td ptrace.Traces) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.on && p.rng.Float64() < p.share {
		return errRefused
	}

	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				id := s.SpanID().String()
				p.accepted[id]++
				p.names[id] = s.Name()

			}
		}
	}
	return nil
}

// run delivers the lives of bots on trackers (replicas taking turns at
// random), every bot at once, with duplicates and retries, while expiry
// ticks; then turns the faults off and expires everything that is left.
func run(t *testing.T, seed uint64, trackers []*Tracker, p *pipeline, faults *faulty, bots int) {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // expiry ticks, at a time when nothing is due yet
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = trackers[0].Expire(t0.Add(30*time.Minute), p.emit)
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	for bot := range bots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(bot)))
			pending := scriptOf(bot)
			accepted := map[int]bool{} // the dedup store: by delivery
			var queue []int
			for i := range pending {
				queue = append(queue, i)
				if rng.IntN(5) == 0 { // a duplicate of something sent before
					queue = append(queue, rng.IntN(i+1))
				}
			}
			for len(queue) > 0 {
				d := queue[0]
				queue = queue[1:]
				if accepted[d] {
					continue // answered 200 duplicate: nothing applied
				}
				tr := trackers[rng.IntN(len(trackers))]
				if err := tr.Apply(src, []provider.Event{ev(pending[d]...)}, t0, p.emit); err != nil {
					// Refused (503): the platform retries it later, after
					// what it sends next.
					at := min(len(queue), 1+rng.IntN(3))
					queue = append(queue[:at], append([]int{d}, queue[at:]...)...)
					continue
				}
				accepted[d] = true
			}
		}()
	}
	wg.Wait()
	close(stop)
	p.mu.Lock()
	p.on = false
	p.mu.Unlock()
	if faults != nil {
		faults.on.Store(false)
	}
	for _, tr := range trackers {
		_, err := tr.Expire(t0.Add(48*time.Hour), p.emit)
		require.NoError(t, err)
	}
}

func TestPropertyUnderFaults(t *testing.T) {
	const bots = 24
	oracle := newPipeline(0, 0)
	serial := NewTracker(time.Hour, 0, 1<<20)
	for bot := range bots {
		for _, d := range scriptOf(bot) {
			require.NoError(t, serial.Apply(src, []provider.Event{ev(d...)}, t0, oracle.emit))
		}
	}
	_, err := serial.Expire(t0.Add(48*time.Hour), oracle.emit)
	require.NoError(t, err)

	for _, tc := range []struct {
		name     string
		replicas int
		storage  bool
		storageF float64 // the share of storage calls that fail
	}{
		{"memory", 1, false, 0},
		{"storage that fails", 1, true, 0.15},
		{"two replicas", 2, true, 0},
	} {
		for seed := range uint64(8) {
			t.Run(fmt.Sprintf("%s, seed %d", tc.name, seed), func(t *testing.T) {
				p := newPipeline(seed, 0.15)
				var faults *faulty
				trackers := make([]*Tracker, tc.replicas)
				if tc.storage {
					faults = &faulty{MapClient: storagetest.NewMapClient(), rng: rand.New(rand.NewPCG(seed, 2)), share: tc.storageF}
					for i := range trackers {
						trackers[i] = storedTracker(t, faults)
						trackers[i].lim.timeout, trackers[i].lim.keep, trackers[i].maxOpen = time.Hour, time.Hour, 1<<20
					}
					faults.on.Store(true)
				} else {
					trackers[0] = NewTracker(time.Hour, 0, 1<<20)
				}
				run(t, seed, trackers, p, faults, bots)

				for id, n := range p.accepted {
					require.Equal(t, 1, n, "span %s (%s) accepted %d times", id, p.names[id], n)
				}
				roots := 0
				for id, name := range p.names {
					if name == "bot" {
						roots++
					}
					if name != "phase" {
						require.Contains(t, oracle.accepted, id, "a %s span the serial run does not make", name)
					}
				}
				require.Equal(t, bots, roots, "one root span per bot")
				for id, name := range oracle.names {
					if name != "phase" {
						require.Contains(t, p.accepted, id, "the serial run's %s span is missing", name)
					}
				}
			})
		}
	}
}
