package webhookreceiver

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// A request's body is the one thing a stranger can make the receiver hold:
// what is not trusted yet is refused before it is read (HeaderVerifier); what
// is read is reserved against one budget for the whole receiver as it
// arrives, never from what a request claims; and a body that stops arriving
// is cut off (pace), so that memory and budget grow with the bytes senders
// really send, and no sender can sit on them.

// bodyBudget bounds the body bytes held by the requests being read and
// handled, across the receiver. Requests whose sender is not known yet (a
// platform whose headers show only the form of a signature, which anyone
// can forge) hold at most half of it between them, so that strangers never
// take what the token-checked platforms need.
type bodyBudget struct {
	limit      int64
	used       atomic.Int64 // bytes reserved now
	unverified atomic.Int64 // the part of used held by requests not verified yet
}

// add grows v by n unless that takes it past limit.
func add(v *atomic.Int64, n, limit int64) bool {
	for {
		old := v.Load()
		if old+n > limit {
			return false
		}
		if v.CompareAndSwap(old, old+n) {
			return true
		}
	}
}

// reserve takes n bytes of the budget, or nothing when they do not fit.
func (b *bodyBudget) reserve(n int64, unverified bool) bool {
	if !add(&b.used, n, b.limit) {
		return false
	}
	if unverified && !add(&b.unverified, n, b.limit/2) {
		b.used.Add(-n)
		return false
	}
	return true
}

// reservation is what one request holds of the budget.
type reservation struct {
	budget *bodyBudget
	held   int64
	// fixed is the part of held that is not the body's buffer: a decoder's
	// own memory.
	fixed int64
	// unverified: held counts against the strangers' half too.
	unverified bool
}

// cover grows the body's part of the reservation to n bytes; false when the
// budget has no room.
func (r *reservation) cover(n int64) bool {
	return r.grow(r.fixed + n)
}

// hold adds n bytes that are not the body's (a decoder's window).
func (r *reservation) hold(n int64) bool {
	if !r.grow(r.held + n) {
		return false
	}
	r.fixed += n
	return true
}

func (r *reservation) grow(to int64) bool {
	if to <= r.held {
		return true
	}
	if !r.budget.reserve(to-r.held, r.unverified) {
		return false
	}
	r.held = to
	return true
}

// verified moves what the request holds out of the strangers' half: its
// sender is known now.
func (r *reservation) verified() {
	if r.unverified {
		r.budget.unverified.Add(-r.held)
		r.unverified = false
	}
}

// release gives back everything held.
func (r *reservation) release() {
	r.verified()
	if r.held != 0 {
		r.budget.used.Add(-r.held)
		r.held, r.fixed = 0, 0
	}
}

// errOverBudget: the body does not fit in what is left of the budget now.
var errOverBudget = errors.New("too many body bytes in flight")

// errTooSlow: the body stopped arriving (pace), or took longer than
// read_timeout.
var errTooSlow = errors.New("the body arrived too slowly")

// pace is how fast a body must arrive once its request's headers passed:
// its first bytes within grace, and from then on at least rate bytes a
// second on average. It is kept by the connection's read deadline, moved on
// as bytes arrive, so that an upload that stalls is closed after grace
// whatever length it claimed; read_timeout still bounds the whole request.
type pace struct {
	conn  readDeadliner // nil: no deadline can be set (a test's recorder)
	start time.Time
	grace time.Duration
	rate  int64 // bytes per second
}

type readDeadliner interface{ SetReadDeadline(time.Time) error }

// deadlinerOf finds, through the wrappers the collector's HTTP server puts
// around it, the ResponseWriter that can set its connection's read
// deadline (what http.ResponseController does, without its allocation).
func deadlinerOf(w http.ResponseWriter) readDeadliner {
	for {
		if d, ok := w.(readDeadliner); ok {
			return d
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// arrived moves the deadline on by what has arrived so far.
func (p *pace) arrived(n int) {
	if p == nil || p.conn == nil {
		return
	}
	due := p.start.Add(p.grace + time.Duration(int64(n)*int64(time.Second)/p.rate))
	_ = p.conn.SetReadDeadline(due)
}

// done lifts the deadline once the body is read: the server's reader of
// the connection goes on in the background while the delivery is handled,
// and a deadline passing then would cancel the request's context.
func (p *pace) done() {
	if p != nil && p.conn != nil {
		_ = p.conn.SetReadDeadline(time.Time{})
	}
}

const (
	maxPooledBody = 64 << 10
	// firstRead is what a request may hold before any of its body has
	// arrived: a stalled upload costs this much, whatever it claimed.
	firstRead = 4 << 10
)

// pooledDelivery is what a delivery reuses: the buffer its body is read into
// and the Delivery handed to the platform, which would otherwise go to the
// heap through the Provider interface. Nothing decoded refers to either
// (strings are copied into pdata, and no platform keeps the *Delivery), so
// both are reused once the delivery is answered.
type pooledDelivery struct {
	body     []byte
	delivery provider.Delivery
}

var deliveries = sync.Pool{New: func() any { return &pooledDelivery{body: make([]byte, 0, firstRead)} }}

// readBody reads at most limit bytes into buf; more is a
// *http.MaxBytesError. Every byte of the buffer is covered by res before it
// is read into (errOverBudget when it cannot be), and the buffer grows only
// as the body fills it: a declared length is checked against limit, never
// reserved or allocated before it arrives. p, if not nil, is kept as the body
// arrives (errTooSlow when it is not).
func readBody(body io.Reader, contentLength, limit int64, buf []byte, res *reservation, p *pace) ([]byte, error) {
	if limit <= 0 {
		limit = defaultMaxBodySize
	}
	if contentLength > limit {
		return buf, &http.MaxBytesError{Limit: limit}
	}
	// most is what the body can be: its declared length, else the limit.
	// The buffer never grows past it and one byte to see the end.
	most := limit
	if contentLength > 0 {
		most = contentLength
	}
	// room is how much of buf is reserved and read into: at first no more
	// than firstRead, however large a pooled buffer is.
	room := min(int64(firstRead), most+1)
	if int64(cap(buf)) < room {
		buf = make([]byte, 0, room)
	}
	if !res.cover(min(room, most)) {
		return buf, errOverBudget
	}
	r := io.LimitReader(body, limit+1)
	for {
		if int64(len(buf)) == room {
			if room > most { // longer than it said: held to the limit alone
				most = limit
			}
			// That one byte aside, a body of max_request_body_size fits a
			// budget of as much.
			grown := min(max(2*room, 512), most+1)
			if !res.cover(min(grown, most)) {
				return buf, errOverBudget
			}
			if int64(cap(buf)) < grown {
				buf = append(make([]byte, 0, grown), buf...)
			}
			room = grown
		}
		p.arrived(len(buf))
		n, err := r.Read(buf[len(buf):room])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return buf, errTooSlow
		}
		if err != nil {
			return buf, err
		}
	}
	if int64(len(buf)) > limit {
		return buf, &http.MaxBytesError{Limit: limit}
	}
	return buf, nil
}
