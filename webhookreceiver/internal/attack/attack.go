// Package attack does to a receiver what anyone on the internet can do
// without a secret: many large uploads at once, unauthenticated or with
// forged signatures, sent slowly so that they stay in flight, while the
// platforms' real, signed deliveries go on. It reports how each side was
// answered. The attack test (`make test`) and `make bench` share it.
package attack

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// Config sizes an attack.
type Config struct {
	// Uploads is the number of hostile uploads in flight at once, spread
	// over the four kinds of Kinds.
	Uploads int
	// Size is the Content-Length the unauthenticated uploads claim; forged
	// ones claim what the platform's default limit lets through.
	Size int
	// Hold is how long an upload takes to send its whole body.
	Hold time.Duration
	// Real is the number of real deliveries sent per platform meanwhile,
	// each retried on 503 as the platforms do, until Deadline.
	Real     int
	Deadline time.Duration
}

// Report is how the receiver answered.
type Report struct {
	// Hostile counts the uploads by their answer: a status, or "closed"
	// when the connection ended without one.
	Hostile map[string]int
	// Real counts the real deliveries' attempts by status.
	Real map[int]int
	// Accepted is how many real deliveries were answered 200 in the end, of
	// Sent.
	Accepted, Sent int
}

func (r Report) String() string {
	return fmt.Sprintf("hostile uploads answered %v; real deliveries %d of %d accepted, attempts by status %v", r.Hostile, r.Accepted, r.Sent, r.Real)
}

// kind is one way to upload without a secret.
type kind struct {
	name   string
	path   string
	header http.Header
	size   func(c Config) int
}

// kinds are the hostile uploads: two that the receiver can refuse from
// their headers alone, and two whose signature header is well formed but
// forged, so that only the body can tell.
func kinds() []kind {
	forged := forgedSignature
	return []kind{
		{"iotum without a token", "/iotum", http.Header{}, func(c Config) int { return c.Size }},
		{"airmeet with a wrong token", "/airmeet/trigger.airmeet.created?token=" + url.QueryEscape("wrong-token-0000000000000000"), http.Header{}, func(c Config) int { return c.Size }},
		{"attendee with a forged signature", "/attendee", http.Header{"X-Webhook-Signature": {forged()}}, func(Config) int { return 1_000_000 }},
		{"eventsair with a forged signature", "/eventsair", http.Header{
			"Webhook-Id": {"msg_forged"}, "Webhook-Timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "Webhook-Signature": {"v1," + forged()},
		}, func(Config) int { return 250_000 }},
	}
}

// forgedSignature has the form of an HMAC-SHA256 in base64, and is no
// one's: 32 random bytes.
func forgedSignature() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Run attacks the receiver at addr (host:port) as c says.
func Run(addr string, c Config) Report {
	rep := Report{Hostile: map[string]int{}, Real: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	all := kinds()
	for i := range c.Uploads {
		k := all[i%len(all)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			answer := upload(addr, k, c)
			mu.Lock()
			rep.Hostile[answer]++
			mu.Unlock()
		}()
	}
	// The real deliveries start once the uploads are under way.
	time.Sleep(c.Hold / 10)
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(c.Deadline)
	for pi, p := range loadgen.Platforms() {
		for n := range c.Real {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := uint64(1<<40 + pi*1_000_000 + n) // a fresh delivery each
				ok, statuses := deliver(client, "http://"+addr, p, key, deadline)
				mu.Lock()
				defer mu.Unlock()
				rep.Sent++
				if ok {
					rep.Accepted++
				}
				for _, s := range statuses {
					rep.Real[s]++
				}
			}()
		}
	}
	wg.Wait()
	return rep
}

// deliver sends one real delivery until it is answered 200, waiting a
// little after each 503 as a platform would (faster than any does), or
// until deadline.
func deliver(client *http.Client, base string, p loadgen.Platform, n uint64, deadline time.Time) (ok bool, statuses []int) {
	for time.Now().Before(deadline) {
		resp, err := client.Do(p.Next(base, n))
		if err != nil {
			statuses = append(statuses, 0)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusOK {
			return true, statuses
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false, statuses
}

// spaces is what every upload's body is made of, shared: the attacker's own
// memory stays small beside the receiver's.
var spaces = []byte(strings.Repeat(" ", 1<<20))

// upload sends one hostile request over a connection of its own: its
// headers, then its body slowly, until the receiver answers; it returns the
// answer's status, or "closed".
func upload(addr string, k kind, c Config) string {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "dial failed"
	}
	defer conn.Close()
	size := k.size(c)
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", k.path, addr, size)
	for name, values := range k.header {
		for _, v := range values {
			head += name + ": " + v + "\r\n"
		}
	}
	// The body is "{" and then spaces, JSON to the last byte it gets.
	if _, err := conn.Write([]byte(head + "\r\n{")); err != nil {
		return "closed"
	}
	answered := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- "closed"
			return
		}
		resp.Body.Close()
		answered <- strconv.Itoa(resp.StatusCode)
	}()
	// The rest of it in 64 steps over Hold.
	step := max(size/64, 1)
	for sent := 1; sent < size; {
		select {
		case a := <-answered:
			return a
		case <-time.After(c.Hold / 64):
		}
		n := min(step, size-sent, len(spaces))
		if _, err := conn.Write(spaces[:n]); err != nil {
			break
		}
		sent += n
	}
	select {
	case a := <-answered:
		return a
	case <-time.After(10 * time.Second):
		return "no answer"
	}
}
