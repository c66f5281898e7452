package soak

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recorder answers with the statuses given, in turn (then the last one
// again), and keeps every request it got.
type recorder struct {
	mu       sync.Mutex
	statuses []int
	bodies   []string
	headers  []http.Header
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.bodies = append(rec.bodies, string(body))
	rec.headers = append(rec.headers, req.Header.Clone())
	status := rec.statuses[min(len(rec.bodies), len(rec.statuses))-1]
	w.WriteHeader(status)
}

func serve(t *testing.T, statuses ...int) (*recorder, string) {
	rec := &recorder{statuses: statuses}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

var fast = Plan{Bots: 1, Conferences: 1, Meetings: 1, Airmeets: 1, Registrations: 1, Scale: 1e-5, IotumToken: "t"}

func firstOf(t *testing.T, platform string) Delivery {
	for _, s := range fast.Stories() {
		for _, d := range s.Deliveries {
			if d.Platform == platform {
				return d
			}
		}
	}
	t.Fatalf("no %s delivery", platform)
	return Delivery{}
}

func TestAttendeeGivesUpAfterThreeAttemptsOfTheSameDelivery(t *testing.T) {
	rec, url := serve(t, http.StatusServiceUnavailable)
	d := firstOf(t, "attendee")
	r := Send(context.Background(), url, d, fast.Policy(d))
	require.False(t, r.Accepted())
	require.Equal(t, 3, r.Attempts)
	require.Len(t, rec.bodies, 3)
	for i := range 3 {
		require.Equal(t, d.Body, rec.bodies[i], "the same idempotency_key, the same body")
		require.Equal(t, rec.headers[0].Get("X-Webhook-Signature"), rec.headers[i].Get("X-Webhook-Signature"))
	}
}

func TestAttendeeCountsARedirectAsAFailure(t *testing.T) {
	rec, url := serve(t, http.StatusTemporaryRedirect, http.StatusOK)
	d := firstOf(t, "attendee")
	r := Send(context.Background(), url, d, fast.Policy(d))
	require.True(t, r.Accepted())
	require.Equal(t, 2, r.Attempts)
	require.Len(t, rec.bodies, 2)
}

func TestEventsAirRetriesEightTimesWithTheSameWebhookID(t *testing.T) {
	rec, url := serve(t, http.StatusInternalServerError)
	d := firstOf(t, "eventsair")
	r := Send(context.Background(), url, d, fast.Policy(d))
	require.Equal(t, 8, r.Attempts)
	for _, h := range rec.headers {
		require.Equal(t, d.Key, h.Get("webhook-id"))
		require.NotEmpty(t, h.Get("webhook-signature"))
	}
}

func TestIotumAndAirmeetResendTheIdenticalRequest(t *testing.T) {
	for _, platform := range []string{"iotum", "airmeet"} {
		rec, url := serve(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusOK)
		d := firstOf(t, platform)
		r := Send(context.Background(), url, d, fast.Policy(d))
		require.True(t, r.Accepted(), platform)
		require.Equal(t, 3, r.Attempts)
		require.Equal(t, []string{d.Body, d.Body, d.Body}, rec.bodies)
		require.Equal(t, rec.headers[0].Get("x-signing-token"), rec.headers[2].Get("x-signing-token"))
	}
}

func TestZoomRetriesThreeTimesSignedAnew(t *testing.T) {
	rec, url := serve(t, http.StatusServiceUnavailable)
	d := firstOf(t, "zoom")
	r := Send(context.Background(), url, d, fast.Policy(d))
	require.False(t, r.Accepted())
	require.Equal(t, 4, r.Attempts, "the first attempt and three retries")
	require.Equal(t, []string{d.Body, d.Body, d.Body, d.Body}, rec.bodies, "the same body every time")
	for _, h := range rec.headers {
		require.Regexp(t, `^v0=[0-9a-f]{64}$`, h.Get("x-zm-signature"))
		require.NotEmpty(t, h.Get("x-zm-request-timestamp"))
	}
	require.Equal(t, 3*time.Second, Zoom.Timeout)
}

func TestZoomScheduleScaled(t *testing.T) {
	p := Plan{ZoomScale: 1.0 / 300}
	d := Delivery{Platform: "zoom"}
	require.Equal(t, []time.Duration{0, time.Second, 4 * time.Second, 12 * time.Second}, p.Policy(d).Waits)
	require.Equal(t, 3*time.Second, p.Policy(d).Timeout)
	require.Equal(t, Zoom.Waits, Plan{}.Policy(d).Waits, "unscaled: Zoom's own")
}

func TestAConnectionRefusedIsRetried(t *testing.T) {
	d := firstOf(t, "iotum")
	r := Send(context.Background(), "http://127.0.0.1:1", d, fast.Policy(d))
	require.Equal(t, Identical.Attempts(), r.Attempts)
	require.Equal(t, 0, r.Status)
}

func TestEventsAirScheduleScaled(t *testing.T) {
	p := EventsAir.Scaled(1.0 / 3600)
	want := []time.Duration{0, 5 * time.Second / 3600, 300 * time.Second / 3600, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second, 10 * time.Second, 10 * time.Second}
	require.Len(t, p.Waits, len(want))
	for i := range want {
		require.InDelta(t, want[i], p.Waits[i], float64(time.Microsecond), "wait %d", i)
	}
	require.Equal(t, 15*time.Second, p.Timeout)
}

func TestTally(t *testing.T) {
	res := []Result{
		{Delivery: Delivery{Platform: "attendee", Key: "a", Records: 1, Ends: "attendee/bot/b"}, Status: 200, Attempts: 1},
		{Delivery: Delivery{Platform: "airmeet", Key: "b", Records: 4}, Status: 200},
		{Delivery: Delivery{Platform: "iotum", Key: "c", Records: 1, Ends: "iotum/conference/1"}, Status: 200},
		{Delivery: Delivery{Platform: "eventsair", Key: "d", Records: 1}, Status: 503},
	}
	r := Tally(res, 3, Found{Records: map[string]int{"a": 2, "b": 3, "c": 1}, Roots: map[string]int{"attendee/bot/b": 2}})
	require.False(t, r.OK())
	require.Equal(t, []string{"airmeet b"}, r.Lost, "3 of the batch's 4 records are not enough")
	require.Equal(t, []string{"iotum/conference/1"}, r.Unrooted)
	require.Equal(t, "soak: 3 deliveries answered 200, 3 kills, 1 lost, 1 duplicate records, 1 of 2 ended lifecycles with one root span", r.String())
	require.Equal(t, 1, r.GivenUp)
	require.Equal(t, 1, r.ExtraRoots)
	require.Equal(t, 1, r.FirstAttemptDuplicates)

	r = Tally(res[:1], 1, Found{Records: map[string]int{"a": 1}, Roots: map[string]int{"attendee/bot/b": 1}})
	require.True(t, r.OK())
}
