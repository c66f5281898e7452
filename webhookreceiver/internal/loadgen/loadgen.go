// Package loadgen makes the deliveries the benchmarks send: for each
// platform, signed, valid 1 KiB deliveries, each with a fresh delivery key,
// so that the receiver does all its work every time. Its requests and
// signers serve the demo as well.
package loadgen

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/canonjson"
)

// The secrets the receiver under load is configured with.
const (
	EventsAirSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	AttendeeSecret  = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	IotumToken      = "load-test-iotum-signing-token"
	AirmeetToken    = "3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11"
	ZoomSecretToken = "demo-zoom-secret-token"
)

// Config is the receiver's configuration under load: every platform on,
// with the secrets above.
func Config(endpoint string) map[string]any {
	return map[string]any{
		"endpoint":  endpoint,
		"attendee":  map[string]any{"secrets": []any{AttendeeSecret}},
		"eventsair": map[string]any{"secrets": []any{EventsAirSecret}},
		"iotum":     map[string]any{"signing_tokens": []any{IotumToken}},
		"airmeet":   map[string]any{"tokens": []any{AirmeetToken}},
		"zoom":      map[string]any{"secret_tokens": []any{ZoomSecretToken}},
	}
}

// deliverySize is the size every generated body is padded to.
const deliverySize = 1024

// Platform makes fresh, signed deliveries of one platform: for every n a
// new delivery key.
type Platform struct {
	Name string
	Next func(base string, n uint64) *http.Request
}

// pad fills a body to deliverySize with a "note" field before its last brace.
func pad(body string) string {
	missing := deliverySize - len(body) - len(`, "note": ""`)
	if missing < 0 {
		missing = 0
	}
	return body[:len(body)-1] + `, "note": "` + strings.Repeat("x", missing) + `"}`
}

// NewRequest is a POST of the JSON body to url.
func NewRequest(url, body string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

// SignAttendee signs req as Attendee does: X-Webhook-Signature is the base64
// HMAC-SHA256, keyed by key, of body's canonical JSON.
func SignAttendee(req *http.Request, key []byte, body string) error {
	canonical, err := canonjson.Append(nil, []byte(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Webhook-Signature", hmacBase64(key, canonical))
	return nil
}

// SignEventsAir signs req with Standard Webhooks as EventsAir does: message
// id, the time now, and a v1 HMAC-SHA256 of both and the body.
func SignEventsAir(req *http.Request, key []byte, id, body string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", "v1,"+hmacBase64(key, []byte(id+"."+ts+"."), []byte(body)))
}

// SignZoom signs req as Zoom does at the time at: x-zm-request-timestamp,
// and x-zm-signature "v0=" and the hex HMAC-SHA256, keyed by key, of
// "v0:<timestamp>:<body>".
func SignZoom(req *http.Request, key []byte, at time.Time, body []byte) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

func hmacBase64(key []byte, parts ...[]byte) string {
	mac := hmac.New(sha256.New, key)
	for _, p := range parts {
		mac.Write(p)
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Platforms returns the generators of the platforms with code of their own.
func Platforms() []Platform {
	eaKey, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(EventsAirSecret, "whsec_"))
	atKey, _ := base64.StdEncoding.DecodeString(AttendeeSecret)
	return []Platform{
		{"attendee", func(base string, n uint64) *http.Request {
			body := pad(fmt.Sprintf(`{"idempotency_key": "3e0f3c42-5f6b-4e8a-9d0e-%012d", "bot_id": "bot_load%d", "bot_metadata": {"customer": "Zo\u00eb & co"}, "trigger": "transcript.update", "data": {"speaker_name": "Ana", "speaker_uuid": "16778240", "speaker_user_uuid": null, "speaker_is_host": true, "timestamp_ms": %d, "duration_ms": 4250, "transcription": {"transcript": "Let us start with the release notes."}}}`, n, n%100, 1752588300000+n))
			req := NewRequest(base+"/attendee", body)
			if err := SignAttendee(req, atKey, body); err != nil {
				panic(err)
			}
			return req
		}},
		{"eventsair", func(base string, n uint64) *http.Request {
			body := pad(fmt.Sprintf(`{"type": "Event.Registration.Created", "data": {"eventId": "41196390-92e6-2c55-ea8b-e348e4d9260d", "registrationId": "r-%d", "contactId": "c-%d", "timestamp": "2025-09-19T08:09:00Z", "correlationId": "corr-%d"}}`, n, n, n))
			req := NewRequest(base+"/eventsair", body)
			SignEventsAir(req, eaKey, "msg_"+strconv.FormatUint(n, 10), body)
			return req
		}},
		{"iotum", func(base string, n uint64) *http.Request {
			// Participants enter, then leave, as in a real conference: a
			// leave without its enter would be held as a pending end for
			// lifecycle.timeout, which is not what a conference sends.
			event, extra := "enter_conference", `"meeting_url": "https://example.com/m/abc"`
			if n%2 == 1 {
				event, extra = "leave_conference", `"reason_for_leaving": "user_exit"`
			}
			payload := strings.ReplaceAll(pad(fmt.Sprintf(`{"host_id": 40217, "company_id": 9001, "conference_id": %d, "participant_id": %d, "participant_role": "participant", %s}`, 1258835+n/2%50, n/2, extra)), `"`, `\"`)
			body := `{"event":"` + event + `","payload":"` + payload + `","timestamp":"2022-08-24T20:` + fmt.Sprintf("%02d:%02d", n%2*30, n%60) + `.000Z"}`
			req := NewRequest(base+"/iotum", body)
			req.Header.Set("x-signing-token", IotumToken)
			return req
		}},
		{"airmeet", func(base string, n uint64) *http.Request {
			body := pad(fmt.Sprintf(`{"airmeetId": "5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80", "airmeetName": "Platform Summit", "firstName": "Ana", "lastName": "Garcia", "email": "ana%d@example.com", "user_id": "u-%d", "registrationTime": "2025-02-10T08:15:00.000Z"}`, n, n))
			return NewRequest(base+"/airmeet/trigger.airmeet.attendee.added?token="+AirmeetToken, body)
		}},
		{"zoom", func(base string, n uint64) *http.Request {
			// Participants join, then leave, as iotum's do.
			event, at := "joined", "join_time"
			if n%2 == 1 {
				event, at = "left", "leave_time"
			}
			body := pad(fmt.Sprintf(`{"event": "meeting.participant_%s", "event_ts": %d, "payload": {"account_id": "lAAAAAAAAAAAAAAAAAAAAA", "object": {"id": 85746065432, "uuid": "load%dAAiAAAAAiAiAiiAii==", "host_id": "z8yCxjabcdEFGHfp8uQ", "topic": "Weekly stand-up", "type": 2, "participant": {"user_id": "%d", "user_name": "Ana", "participant_uuid": "p-%d", %q: "2025-09-30T10:00:%02dZ"}}}}`,
				event, 1759226400000+n, n/2%50, 16778240+n/2, n/2, at, n%60))
			req := NewRequest(base+"/zoom", body)
			SignZoom(req, []byte(ZoomSecretToken), time.Now(), []byte(body))
			return req
		}},
	}
}
