package webhookreceiver

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// A request's body is the one thing a stranger can make the receiver hold:
// what is not trusted yet is refused before it is read (HeaderVerifier), and
// what is read is reserved against one budget for the whole receiver first,
// so that memory grows with the deliveries being handled, not with the
// connections someone opens.

// bodyBudget bounds the body bytes reserved by the requests being read and
// handled, across the receiver.
type bodyBudget struct {
	limit int64
	used  atomic.Int64 // bytes reserved now
}

// reserve takes n bytes of the budget, or nothing when they do not fit.
func (b *bodyBudget) reserve(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

func (b *bodyBudget) release(n int64) { b.used.Add(-n) }

// reservation is what one request holds of the budget.
type reservation struct {
	budget *bodyBudget
	held   int64
}

// cover grows the reservation to n bytes; false when the budget has no room.
func (r *reservation) cover(n int64) bool {
	if n <= r.held {
		return true
	}
	if !r.budget.reserve(n - r.held) {
		return false
	}
	r.held = n
	return true
}

// release gives back everything held.
func (r *reservation) release() {
	if r.held != 0 {
		r.budget.release(r.held)
		r.held = 0
	}
}

// errOverBudget: the body does not fit in what is left of the budget now.
var errOverBudget = errors.New("too many body bytes in flight")

const maxPooledBody = 64 << 10

// pooledDelivery is what a delivery reuses: the buffer its body is read into
// and the Delivery handed to the platform, which would otherwise go to the
// heap through the Provider interface. Nothing decoded refers to either
// (strings are copied into pdata, and no platform keeps the *Delivery), so
// both are reused once the delivery is answered.
type pooledDelivery struct {
	body     []byte
	delivery provider.Delivery
}

var deliveries = sync.Pool{New: func() any { return &pooledDelivery{body: make([]byte, 0, 4096)} }}

// readBody reads at most limit bytes into buf; more is a
// *http.MaxBytesError. Every byte the buffer can hold beyond its pooled
// size is covered by res first (errOverBudget when it cannot be). The
// confighttp server bounds the body too; this keeps the handler safe alone.
func readBody(body io.Reader, contentLength, limit int64, buf []byte, res *reservation) ([]byte, error) {
	if limit <= 0 {
		limit = defaultMaxBodySize
	}
	if contentLength > limit {
		return buf, &http.MaxBytesError{Limit: limit}
	}
	// A declared length is reserved whole before anything is read, so that a
	// request the budget cannot take is refused without reading it.
	if contentLength > 0 && !res.cover(contentLength) {
		return buf, errOverBudget
	}
	if contentLength > 0 && int64(cap(buf)) < contentLength+1 {
		// +1: room to see the end without growing. Never more than a pooled
		// buffer up front, whatever is claimed: a client that announces
		// megabytes and sends nothing gets nothing allocated for it.
		buf = make([]byte, 0, min(contentLength+1, maxPooledBody))
	}
	// The buffer never grows past what the body can be, its declared
	// length or else the limit, and one byte to see the end.
	most := limit
	if contentLength > 0 {
		most = min(limit, contentLength)
	}
	r := io.LimitReader(body, limit+1)
	for {
		if len(buf) == cap(buf) {
			// A chunked or compressed body grows its reservation as it
			// arrives, by what the buffer grows to (that one byte aside: a
			// body of max_request_body_size fits a budget of as much).
			if int64(cap(buf)) > most { // longer than it said: held to the limit alone
				most = limit
			}
			grown := min(int64(max(2*cap(buf), 512)), most+1)
			if !res.cover(min(grown, most)) {
				return buf, errOverBudget
			}
			buf = append(make([]byte, 0, grown), buf...)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
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
