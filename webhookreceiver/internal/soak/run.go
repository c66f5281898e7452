package soak

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Plan is what one soak sends, spread over Duration.
type Plan struct {
	Bots, Conferences, Meetings, Airmeets, Registrations int
	// Duration over which the stories start; each story's deliveries follow
	// each other Gap apart, each retried on its own, as a platform's queue
	// does.
	Duration, Gap time.Duration
	// Scale multiplies every platform's waits between attempts (1 when
	// zero), EventsAirScale EventsAir's on top of it: its schedule spans 27
	// hours; ZoomScale Zoom's, which spans 85 minutes. Timeouts stay the
	// platforms' own.
	Scale, EventsAirScale, ZoomScale float64
	// IotumToken is the token the collector under test expects.
	IotumToken string
}

// Result is how one delivery ended.
type Result struct {
	Delivery
	Attempts int
	// Status is the last answer's status code, 0 when the last attempt got
	// no answer (connection refused or reset, timeout).
	Status int
}

// Accepted reports whether the collector answered the delivery 200: the
// platform stops retrying, and the collector owes it to the backends.
func (r Result) Accepted() bool { return r.Status == http.StatusOK }

// Policy returns the retry rules of the platform that sends d, scaled.
func (p Plan) Policy(d Delivery) Policy {
	scale := p.Scale
	if scale == 0 {
		scale = 1
	}
	switch d.Platform {
	case "attendee":
		return Attendee.Scaled(scale)
	case "eventsair":
		if p.EventsAirScale != 0 {
			scale *= p.EventsAirScale
		}
		return EventsAir.Scaled(scale)
	case "zoom":
		if p.ZoomScale != 0 {
			scale *= p.ZoomScale
		}
		return Zoom.Scaled(scale)
	}
	return Identical.Scaled(scale)
}

// Stories makes the plan's stories, with keys no other run shares.
func (p Plan) Stories() []Story {
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	s := &stories{run: hex.EncodeToString(run), t0: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), signers: newSigners(p.IotumToken)}
	var out []Story
	kind := func(n int, story func(int) Story) {
		for i := range n {
			st := story(i)
			st.At = float64(i) / float64(n)
			out = append(out, st)
		}
	}
	kind(p.Bots, s.Bot)
	kind(p.Conferences, s.Conference)
	kind(p.Meetings, s.Meeting)
	kind(p.Airmeets, s.Airmeet)
	kind(p.Registrations, s.Registration)
	return out
}

// Run sends the plan's stories to the collector at base: each starts at its
// share of Duration, its deliveries Gap apart, each retried by its
// platform's policy in the background. It returns when every delivery was
// answered 200 or given up.
func (p Plan) Run(ctx context.Context, base string) []Result {
	all := p.Stories()
	var (
		mu      sync.Mutex
		results []Result
		wg      sync.WaitGroup
	)
	start := time.Now()
	for _, story := range all {
		at := start.Add(time.Duration(float64(p.Duration) * story.At))
		wg.Go(func() {
			if !sleepUntil(ctx, at) {
				return
			}
			var sends sync.WaitGroup
			for j, d := range story.Deliveries {
				if j > 0 && !sleep(ctx, p.Gap) {
					break
				}
				sends.Go(func() {
					r := Send(ctx, base, d, p.Policy(d))
					mu.Lock()
					results = append(results, r)
					mu.Unlock()
				})
			}
			sends.Wait()
		})
	}
	wg.Wait()
	return results
}

// client is a platform's HTTP client: a connection per delivery attempt is
// what a platform's worker has; keep-alive across a collector's restart would
// only add resets.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// Send tries d as its platform does: until an answer 200, at most
// policy.Attempts() times, after the policy's waits. Any other answer, a
// refused or broken connection and a timeout are failures.
func Send(ctx context.Context, base string, d Delivery, policy Policy) Result {
	r := Result{Delivery: d}
	for _, wait := range policy.Waits {
		if !sleep(ctx, jitter(wait)) {
			break
		}
		r.Attempts++
		r.Status = attempt(ctx, d.Request(base), policy.Timeout)
		if r.Accepted() {
			break
		}
	}
	return r
}

func attempt(ctx context.Context, req *http.Request, timeout time.Duration) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// jitter spreads a wait by up to ±10 %, as the platforms' queues do, so that
// a collector's restart is not met by every retry at once.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(float64(d) * (0.9 + 0.2*mrand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func sleepUntil(ctx context.Context, at time.Time) bool {
	return sleep(ctx, time.Until(at))
}
