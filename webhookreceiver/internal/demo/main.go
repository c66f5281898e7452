// Command demo sends a realistic, signed day of deliveries from all four
// platforms to a running collector (`make run` in another terminal, then
// `make demo`): a bot's whole life and a bot that could not join, a
// conference with participants and a recording, an Airmeet event with its
// registrations, EventsAir registrations. It signs with the same secrets as
// examples/default.yaml: the environment's, or the demo defaults.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

var (
	target   = flag.String("url", "http://localhost:8088", "where the collector listens")
	testdata = flag.String("testdata", "testdata", "the repository's testdata folder")
)

func env(name, demo string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return demo
}

var (
	attendeeSecret  = env("ATTENDEE_WEBHOOK_SECRET", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	eventsAirSecret = env("EVENTSAIR_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	iotumToken      = env("IOTUM_SIGNING_TOKEN", "demo-iotum-signing-token")
	airmeetToken    = env("AIRMEET_WEBHOOK_TOKEN", "3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11")
	zoomSecretToken = env("ZOOM_SECRET_TOKEN", loadgen.ZoomSecretToken)
)

// run is this demo's own suffix, so that every run is new to the receiver.
var run = randomHex(4)

func main() {
	flag.Parse()
	sent, failed := 0, 0
	send := func(what string, req *http.Request) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintf(os.Stderr, "demo: %s: %v (is the collector running? make run)\n", what, err)
			os.Exit(1)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sent++
		if resp.StatusCode != http.StatusOK {
			failed++
			fmt.Printf("  %-55s %d %s\n", what, resp.StatusCode, strings.TrimSpace(string(body)))
		}
	}

	bot := "bot_demo_" + run
	fmt.Printf("Attendee: the life of %s, and a bot that could not join\n", bot)
	for _, dir := range []string{"bot_life", "failed_join"} {
		for _, f := range files(filepath.Join(*testdata, "attendee", dir)) {
			body := strings.ReplaceAll(read(f), "bot_3hfP0PXEsNinIZmh", bot)
			body = strings.ReplaceAll(body, "bot_failed_join_01", bot+"_failed")
			body = freshIdempotencyKey(body)
			send("attendee "+filepath.Base(f), attendeeRequest(body))
		}
	}

	conference := strconv.Itoa(2000000 + int(time.Now().Unix()%1000000))
	fmt.Printf("iotum: conference %s with participants, a recording, a dial-out\n", conference)
	for _, f := range files(filepath.Join(*testdata, "iotum", "conference")) {
		body := strings.ReplaceAll(read(f), "1258835", conference)
		req := loadgen.NewRequest(*target+"/iotum", body)
		req.Header.Set("x-signing-token", iotumToken)
		send("iotum "+filepath.Base(f), req)
	}

	airmeetID := "5a1c0e62-7f3b-4d2a-9c1e-" + run + "7a80"
	fmt.Printf("Airmeet: event %s, its registrations and attendance\n", airmeetID)
	for _, trigger := range []string{"trigger.airmeet.created", "trigger.airmeet.attendee.added", "trigger.airmeet.registrant.added",
		"trigger.airmeet.started", "trigger.airmeet.attendee.joined", "trigger.session.attendee.joined",
		"trigger.attendee.joined_booth", "trigger.airmeet.polls", "trigger.airmeet.finished", "trigger.airmeet.recording.available"} {
		body := strings.ReplaceAll(read(filepath.Join(*testdata, "airmeet", trigger+".json")), "5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80", airmeetID)
		send("airmeet "+trigger, loadgen.NewRequest(*target+"/airmeet/"+trigger+"?token="+airmeetToken, body))
	}

	instance := run + "AAiAAAAAiAiAiiAii=="
	fmt.Printf("Zoom: meeting instance %s with two participants and a recording, a webinar\n", instance)
	for _, story := range []string{"meeting", "webinar"} {
		for _, f := range files(filepath.Join(*testdata, "zoom", story)) {
			var signed struct{ Body string }
			check(json.Unmarshal([]byte(read(f)), &signed))
			body := strings.NewReplacer("4444AAAiAAAAAiAiAiiAii==", instance, "Wb1nAAAiAAAAAiAiAiiAii==", "W"+instance).Replace(signed.Body)
			req := loadgen.NewRequest(*target+"/zoom", body)
			loadgen.SignZoom(req, []byte(zoomSecretToken), time.Now(), []byte(body))
			send("zoom "+filepath.Base(f), req)
		}
	}

	fmt.Println("EventsAir: an event, contacts, registrations, an invoice")
	for _, f := range files(filepath.Join(*testdata, "eventsair")) {
		send("eventsair "+filepath.Base(f), eventsAirRequest(read(f)))
	}

	traceID, _ := traceids.Root("attendee/bot/" + bot)
	fmt.Printf("\nsent %d deliveries, %d refused\n", sent, failed)
	fmt.Printf("the bot's trace ID: %s (printf '%%s' attendee/bot/%s | sha256sum, first 32 hex digits)\n", traceID, bot)
	if failed > 0 {
		os.Exit(1)
	}
}

func files(dir string) []string {
	out, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(out) == 0 {
		fmt.Fprintf(os.Stderr, "demo: no deliveries in %s (run from the repository's root)\n", dir)
		os.Exit(1)
	}
	sort.Strings(out)
	return out
}

func read(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	return string(b)
}

// freshIdempotencyKey gives a delivery a key of its own, as a new delivery
// from Attendee has.
func freshIdempotencyKey(body string) string {
	const field = `"idempotency_key": "`
	i := strings.Index(body, field)
	if i < 0 {
		return body
	}
	start := i + len(field)
	end := start + strings.Index(body[start:], `"`)
	return body[:start] + uuid() + body[end:]
}

// attendeeRequest signs as Attendee does: HMAC-SHA256 of the canonical JSON.
func attendeeRequest(body string) *http.Request {
	key, err := base64.StdEncoding.DecodeString(attendeeSecret)
	check(err)
	req := loadgen.NewRequest(*target+"/attendee", body)
	req.Header.Set("User-Agent", "Attendee-Webhook/1.0")
	check(loadgen.SignAttendee(req, key, body))
	return req
}

// eventsAirRequest signs with Standard Webhooks.
func eventsAirRequest(body string) *http.Request {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(eventsAirSecret, "whsec_"))
	check(err)
	req := loadgen.NewRequest(*target+"/eventsair", body)
	loadgen.SignEventsAir(req, key, "msg_demo_"+randomHex(8), body)
	return req
}

func uuid() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
