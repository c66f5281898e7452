package webhookreceiver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/eventhooks/collector/webhookreceiver/internal/decompress"
)

// openBody returns what the body is read from: the request's body, or its
// decoder when it is compressed with an encoding compression_algorithms
// accepts. The decoder's memory is reserved in res before the decoder
// exists; closeBody, if not nil, releases it. A non-zero answer refuses
// the request before its body is read.
func (r *webhookReceiver) openBody(rt *route, req *http.Request, res *reservation) (body io.Reader, length int64, a answer, closeBody func()) {
	encoding := req.Header.Get("Content-Encoding")
	if decompress.Identity(encoding) {
		return req.Body, req.ContentLength, answer{}, nil
	}
	dec, ok := r.decoders[encoding]
	if !ok {
		return nil, 0, answer{status: http.StatusUnsupportedMediaType, outcome: outcomeBadRequest, unread: true,
			message: fmt.Sprintf("Content-Encoding %.32q is not accepted here (compression_algorithms); the platforms send uncompressed bodies", encoding)}, nil
	}
	if !res.hold(dec.Cost(rt.maxBody)) {
		return nil, 0, answer{status: http.StatusServiceUnavailable, outcome: outcomeOverBudget, message: "too many body bytes in flight, retry later", unread: true}, nil
	}
	rc, err := dec.Open(req.Body, rt.maxBody)
	if err != nil {
		a := bodyAnswer(rt, err)
		if a.outcome == outcomeBadRequest {
			a.message = "reading the " + encoding + " body: " + err.Error()
		}
		return nil, 0, a, nil
	}
	return rc, -1, answer{}, func() { _ = rc.Close() }
}

// bodyAnswer is how a body that could not be read is answered; its
// connection is closed.
func bodyAnswer(rt *route, err error) answer {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return answer{status: http.StatusRequestEntityTooLarge, outcome: outcomeTooLarge, message: fmt.Sprintf("body larger than max_request_body_size (%d bytes for %s)", tooLarge.Limit, rt.src.Provider), unread: true}
	case errors.Is(err, errOverBudget):
		return answer{status: http.StatusServiceUnavailable, outcome: outcomeOverBudget, message: "too many body bytes in flight, retry later", unread: true}
	case errors.Is(err, errTooSlow), errors.Is(err, os.ErrDeadlineExceeded):
		return answer{status: http.StatusRequestTimeout, outcome: outcomeTooSlow, message: "the body arrived too slowly (body_timeout, min_body_rate)", unread: true}
	}
	return answer{status: http.StatusBadRequest, outcome: outcomeBadRequest, message: "reading the body: " + err.Error(), unread: true}
}
