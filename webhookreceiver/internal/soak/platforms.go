// Package soak sends the platforms' deliveries the way the platforms
// send them — whole stories of bots, conferences, Zoom meetings and Airmeet events, EventsAir
// registrations, each delivery retried by its platform's own rules — and
// records what every delivery was finally answered. The crash-loop soak
// (TestE2ESoak, `make soak`) runs it against the distribution while killing
// it, then holds the backends to what was answered 200.
package soak

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// Policy is how a platform retries one delivery: the wait before each
// attempt (the first is 0) and how long it waits for an answer.
type Policy struct {
	Waits   []time.Duration
	Timeout time.Duration
}

// Attempts is how many times the platform tries a delivery in all.
func (p Policy) Attempts() int { return len(p.Waits) }

// Scaled returns p with every wait multiplied by factor (a test cannot wait
// EventsAir's 27 hours); the timeout stays the platform's.
func (p Policy) Scaled(factor float64) Policy {
	waits := make([]time.Duration, len(p.Waits))
	for i, w := range p.Waits {
		waits[i] = time.Duration(float64(w) * factor)
	}
	return Policy{Waits: waits, Timeout: p.Timeout}
}

// The platforms' retry rules, as each documents them.
var (
	// Attendee: 3 attempts in all, on any non-2xx answer or after 10 s
	// without one; the same idempotency_key every time. Its waits between
	// attempts are short: seconds.
	Attendee = Policy{Waits: []time.Duration{0, time.Second, 2 * time.Second}, Timeout: 10 * time.Second}
	// EventsAir (Svix's Standard Webhooks schedule): at once, 5 s, 5 min,
	// 30 min, 2 h, 5 h, 10 h, 10 h; the same webhook-id, signed anew with
	// the time of each attempt; 15 s to answer.
	EventsAir = Policy{Waits: []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}, Timeout: 15 * time.Second}
	// Zoom: 3 more attempts when no 2xx comes within 3 s: 5 minutes after
	// the first, 20 after the first retry, 60 after the second; signed
	// anew with each attempt's time.
	Zoom = Policy{Waits: []time.Duration{0, 5 * time.Minute, 20 * time.Minute, 60 * time.Minute}, Timeout: 3 * time.Second}
	// iotum and Airmeet publish no schedule; they resend the identical
	// request. Five attempts, backing off from a second.
	Identical = Policy{Waits: []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, Timeout: 10 * time.Second}
)

// Delivery is one webhook as its platform sends it.
type Delivery struct {
	Platform string
	// Key is the delivery key the receiver puts in webhook.delivery_id.
	Key string
	// Records is how many log records the delivery makes (an Airmeet batch
	// one per person, everything else one).
	Records int
	// Ends is the root key (see the reference's Traces and their IDs) of
	// the lifecycle this delivery ends, if it ends one.
	Ends string
	// Path is what follows the base URL: path and query.
	Path string
	Body string
	// sign sets the headers of one attempt.
	sign func(req *http.Request)
}

// Request is one attempt at d, to the collector at base.
func (d Delivery) Request(base string) *http.Request {
	req := loadgen.NewRequest(base+d.Path, d.Body)
	if d.sign != nil {
		d.sign(req)
	}
	return req
}

// Signers of the four platforms, with the secrets of loadgen (the ones
// examples/backends.yaml defaults to for Attendee, EventsAir and Airmeet;
// iotum's token is passed in, as the example's default differs).
type signers struct {
	attendeeKey, eventsAirKey []byte
	iotumToken                string
}

func newSigners(iotumToken string) signers {
	at, _ := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	ea, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(loadgen.EventsAirSecret, "whsec_"))
	return signers{attendeeKey: at, eventsAirKey: ea, iotumToken: iotumToken}
}

// attendee signs as Attendee does, the same signature on every attempt.
func (s signers) attendee(body string) func(*http.Request) {
	return func(req *http.Request) {
		req.Header.Set("User-Agent", "Attendee-Webhook/1.0")
		if err := loadgen.SignAttendee(req, s.attendeeKey, body); err != nil {
			panic(err) // the soak's own bodies are valid JSON
		}
	}
}

// eventsAir signs each attempt anew, with its own time and the same id.
func (s signers) eventsAir(id, body string) func(*http.Request) {
	return func(req *http.Request) { loadgen.SignEventsAir(req, s.eventsAirKey, id, body) }
}

// zoom signs each attempt anew, with its own time.
func (s signers) zoom(body string) func(*http.Request) {
	return func(req *http.Request) {
		req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
		loadgen.SignZoom(req, []byte(loadgen.ZoomSecretToken), time.Now(), []byte(body))
	}
}

func (s signers) iotum() func(*http.Request) {
	return func(req *http.Request) { req.Header.Set("x-signing-token", s.iotumToken) }
}
