package attack

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// StallConfig sizes a stall: uploads that pass every check made before the
// body (a well-formed Attendee signature, forged) and then send nothing,
// each re-opened as soon as the receiver closes it, while the platforms'
// real deliveries are sent at a steady pace.
type StallConfig struct {
	// Attackers is the number of stalled uploads kept open at once.
	Attackers int
	// Length is the Content-Length each claims (ignored with Chunked).
	Length int
	// Encoding, if set, is the Content-Encoding a quarter of them send,
	// with the first bytes of that format's stream: "lz4" (the legacy
	// frame's magic), "zstd" (a frame declaring an 8 MiB window) or
	// "snappy" (a block declaring 4 MiB).
	Encoding string
	// Chunked sends the bodies with Transfer-Encoding: chunked, no length.
	Chunked bool
	// Duration is how long the attack lasts.
	Duration time.Duration
	// Every is the pace of the real deliveries: one to each of Platforms
	// every Every, each sent once (no retry), as a platform's first try.
	Every     time.Duration
	Platforms []string
}

// StallReport is how the receiver answered.
type StallReport struct {
	// Opened is how many stalled uploads were opened; Answers counts them
	// by what ended them: a status, or "closed" without one.
	Opened  int
	Answers map[string]int
	// Real counts the real deliveries by status (0: no answer).
	Real map[int]int
	// Sent and Accepted: real deliveries sent, and answered 200.
	Sent, Accepted int
}

func (r StallReport) String() string {
	return fmt.Sprintf("%d stalled uploads opened, ended by %v; real deliveries %d of %d answered 200 on their first try, by status %v",
		r.Opened, r.Answers, r.Accepted, r.Sent, r.Real)
}

// firstBytes are what an encoded upload sends before it stalls.
var firstBytes = map[string][]byte{
	"lz4":    {0x02, 0x21, 0x4c, 0x18},             // legacy frame magic: 8 MiB blocks
	"zstd":   {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}, // frame, window 2^(10+13) = 8 MiB
	"snappy": {0x80, 0x80, 0x80, 0x02},             // block of 4 MiB decoded
}

// Stall runs the attack on the receiver at addr (host:port).
func Stall(addr string, c StallConfig) StallReport {
	rep := StallReport{Answers: map[string]int{}, Real: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(c.Duration)
	for i := range c.Attackers {
		encoding := ""
		if c.Encoding != "" && i%4 == 0 {
			encoding = c.Encoding
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				answer := stallOnce(addr, c, encoding, deadline)
				mu.Lock()
				rep.Opened++
				rep.Answers[answer]++
				mu.Unlock()
			}
		}()
	}
	// The real deliveries, once the stalls are in place.
	time.Sleep(min(c.Duration/10, time.Second))
	generators := map[string]loadgen.Platform{}
	for _, p := range loadgen.Platforms() {
		generators[p.Name] = p
	}
	// Attendee's own timeout, and a new connection for every delivery, as
	// its requests.post makes: each has to get past max_connections.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(c.Every)
	for n := uint64(1 << 42); time.Now().Before(deadline); n++ {
		for _, name := range c.Platforms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status := 0
				if resp, err := client.Do(generators[name].Next("http://"+addr, n)); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				defer mu.Unlock()
				rep.Sent++
				rep.Real[status]++
				if status == http.StatusOK {
					rep.Accepted++
				}
			}()
		}
		<-tick.C
	}
	tick.Stop()
	wg.Wait()
	return rep
}

// stallOnce opens one upload, sends its headers and first bytes, and waits
// for the receiver to end it (or for the attack's deadline).
func stallOnce(addr string, c StallConfig, encoding string, deadline time.Time) string {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		time.Sleep(10 * time.Millisecond)
		return "dial failed"
	}
	defer conn.Close()
	head := "POST /attendee HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"X-Webhook-Signature: " + forgedSignature() + "\r\n"
	if c.Chunked {
		head += "Transfer-Encoding: chunked\r\n"
	} else {
		head += "Content-Length: " + strconv.Itoa(c.Length) + "\r\n"
	}
	first := []byte("{")
	if encoding != "" {
		head += "Content-Encoding: " + encoding + "\r\n"
		first = firstBytes[encoding]
	}
	if c.Chunked {
		first = append([]byte(strconv.FormatInt(int64(len(first)), 16)+"\r\n"), append(first, "\r\n"...)...)
	}
	if _, err := conn.Write(append([]byte(head+"\r\n"), first...)); err != nil {
		return "closed"
	}
	// Then nothing, until the receiver answers or closes.
	_ = conn.SetReadDeadline(deadline)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return "still open at the end"
		}
		return "closed"
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}
