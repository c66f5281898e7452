// Package connlimit bounds the connections a server holds open at once. Each
// costs a goroutine and the server's buffers whether or not its request ever
// arrives, so that without a bound, memory grows with what strangers open.
// Past the bound a connection is answered at once and closed.
package connlimit

import (
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// refusalBody is what a connection past the bound is told.
const refusalBody = "too many connections open, retry later\n"

// Refusal is written raw to a connection past the bound before it is
// closed: a 503, which the platforms retry after Retry-After.
var Refusal = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Retry-After: 5\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(refusalBody)) + "\r\n" +
	"\r\n" + refusalBody)

// Listener accepts at most max connections at once from the listener it
// wraps. It returns the connections it accepts as they are (net/http
// recognises a TLS connection by its type), so the server tells it when one
// is closed: ConnState.
type Listener struct {
	net.Listener
	max  int64
	open atomic.Int64
	// answer: whether a refused connection is written Refusal (false when
	// it speaks TLS, to which plain text means nothing: it is only closed).
	answer  bool
	refused func() // counts a refusal; may be nil
}

// New wraps ln so that at most max connections are open at once. answer
// says whether a refused connection is told why; refused, if not nil, is
// called for each.
func New(ln net.Listener, max int, answer bool, refused func()) *Listener {
	return &Listener{Listener: ln, max: int64(max), answer: answer, refused: refused}
}

// Accept returns the next connection there is room for; those past the
// bound are refused meanwhile.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return c, nil
		}
		l.open.Add(-1)
		if l.refused != nil {
			l.refused()
		}
		go l.refuse(c)
	}
}

// ConnState is the server's http.Server.ConnState hook: a connection the
// server is done with frees its place. Every connection Accept returns
// ends in one of these two states, once.
func (l *Listener) ConnState(_ net.Conn, s http.ConnState) {
	if s == http.StateClosed || s == http.StateHijacked {
		l.open.Add(-1)
	}
}

// refuse answers c, if it can, and closes it, in a second at most.
func (l *Listener) refuse(c net.Conn) {
	if !l.answer {
		c.Close()
		return
	}
	deadline := time.Now().Add(time.Second)
	_ = c.SetWriteDeadline(deadline)
	if _, err := c.Write(Refusal); err != nil {
		c.Close()
		return
	}
	Linger(c, deadline)
}

// lingerMax is the most Linger reads of what a sender still sends.
const lingerMax = 64 << 10

// Linger closes c, whose answer is written, without losing that answer: it
// ends c's writing side, reads and drops what the sender still sends (up to
// lingerMax, until deadline), and only then closes it. A socket closed with
// unread bytes is reset, and the client would see the reset, not the
// answer.
func Linger(c net.Conn, deadline time.Time) {
	defer c.Close()
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.SetReadDeadline(deadline)
	var drain [512]byte
	for n := 0; n < lingerMax; {
		m, err := c.Read(drain[:])
		if err != nil {
			return
		}
		n += m
	}
}

// Open is the number of connections open now.
func (l *Listener) Open() int64 { return l.open.Load() }
