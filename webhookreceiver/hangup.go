package webhookreceiver

import (
	"net/http"
	"strconv"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/connlimit"
)

// A request refused before its body is read (a wrong token, a claimed
// length past the limit, a stalled upload) leaves that body in the
// connection. net/http then either reads it to throw it away (for up to
// read_timeout, when it is short) or, with Connection: close, holds the
// connection half-closed for half a second so that the answer is not lost
// to a reset. Either way a stranger who opens connections as fast as they
// are refused keeps thousands of them in the server, and max_connections
// full against the platforms. hangUp takes the connection from the server
// instead: it writes the answer, ends its side, and lets a small goroutine
// of its own drain what the sender still sends for that half second, so
// the connection's place and the server's buffers are free at once.

// lingerFor is how long a hung-up connection is drained before it is
// closed (connlimit.Linger).
const lingerFor = 500 * time.Millisecond

// lingering bounds the goroutines draining hung-up connections; past it a
// connection is closed at once (its answer may then be lost to a reset).
var lingering = make(chan struct{}, 1024)

// hangUp answers req with status and message and closes its connection
// without reading its body. Where the connection cannot be taken from the
// server (HTTP/2, a test's recorder), the answer asks net/http to close it.
func hangUp(w http.ResponseWriter, status int, message string, header http.Header) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Connection", "close")
		http.Error(w, message, status)
		return
	}
	body := message + "\n"
	head := "HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	for k, v := range header {
		for _, s := range v {
			head += k + ": " + s + "\r\n"
		}
	}
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = buf.WriteString(head + "\r\n" + body)
	if buf.Flush() != nil {
		conn.Close()
		return
	}
	select {
	case lingering <- struct{}{}:
		go func() {
			defer func() { <-lingering }()
			connlimit.Linger(conn, time.Now().Add(lingerFor))
		}()
	default:
		conn.Close()
	}
}
