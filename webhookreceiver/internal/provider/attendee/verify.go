package attendee

import (
	"crypto/sha256"
	"errors"
	"sync"

	"github.com/eventhooks/collector/webhookreceiver/internal/canonjson"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const headerSignature = "X-Webhook-Signature"

// canonicalBuffers keeps the buffers the signed bytes are rebuilt into.
var canonicalBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// VerifyHeaders refuses, before the body is read, a request whose
// X-Webhook-Signature is missing or is not a base64 HMAC-SHA256: the
// signature itself needs the body.
func (p *attendee) VerifyHeaders(d *provider.Delivery) error {
	_, err := signature(d)
	return err
}

func signature(d *provider.Delivery) ([sha256.Size]byte, error) {
	header := d.Header.Get(headerSignature)
	if header == "" {
		return [sha256.Size]byte{}, errors.New("missing " + headerSignature + " header")
	}
	given, ok := provider.DecodeHMAC(header)
	if !ok {
		return given, errors.New(headerSignature + " is not a base64 HMAC-SHA256")
	}
	return given, nil
}

// Verify checks X-Webhook-Signature: base64 of an HMAC-SHA256, keyed by any
// configured secret, over the payload as Attendee signed it. Attendee signs
// json.dumps(payload, sort_keys=True, ensure_ascii=False,
// separators=(",", ":")) but sends Python's default json.dumps, so the
// signed bytes are rebuilt from the body (internal/canonjson).
func (p *attendee) Verify(d *provider.Delivery) error {
	given, err := signature(d)
	if err != nil {
		return err
	}
	buf := canonicalBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 64<<10 { // a rare large body's buffer is not kept
			canonicalBuffers.Put(buf)
		}
	}()
	signed, err := canonjson.Append((*buf)[:0], d.Body)
	if err != nil {
		return errors.New("the body cannot be what Attendee signed: " + err.Error())
	}
	*buf = signed

	if p.macs.Match([][sha256.Size]byte{given}, signed) {
		return nil
	}
	return errors.New("signature does not match any configured secret")
}
