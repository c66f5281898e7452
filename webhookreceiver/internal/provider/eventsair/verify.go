package eventsair

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// The Standard Webhooks headers.
const (
	headerID        = "Webhook-Id"
	headerTimestamp = "Webhook-Timestamp"
	headerSignature = "Webhook-Signature"
)

// Verify checks the Standard Webhooks signature: an HMAC-SHA256, keyed by
// any configured secret, over "<id>.<timestamp>.<body>", present among the
// space-separated "v1,<base64>" entries of Webhook-Signature, with a
// timestamp within the tolerance of the time the request arrived.
func (p *eventsAir) Verify(d *provider.Delivery) error {
	id := d.Header.Get(headerID)
	ts := d.Header.Get(headerTimestamp)
	sigs := d.Header.Get(headerSignature)
	switch {
	case id == "":
		return errors.New("missing " + headerID + " header")
	case ts == "":
		return errors.New("missing " + headerTimestamp + " header")
	case sigs == "":
		return errors.New("missing " + headerSignature + " header")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New(headerTimestamp + " is not Unix seconds")
	}
	if skew := d.Received.Sub(time.Unix(sec, 0)); skew > p.tolerance || skew < -p.tolerance {
		return fmt.Errorf("%s is %s away from now, more than the tolerance of %s", headerTimestamp, skew.Round(time.Second).Abs(), p.tolerance)
	}

	var few [4][sha256.Size]byte // a few signatures at once, as rotations have
	given := few[:0]
	for entry := range strings.FieldsSeq(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue // other schemes, such as v1a, are not ours to check
		}
		if sum, ok := provider.DecodeHMAC(sig); ok {
			given = append(given, sum)
		}
	}
	if len(given) == 0 {
		return errors.New(headerSignature + " has no v1 signature")
	}

	if p.macs.Match(given, d.Body, id, ".", ts, ".") {
		return nil
	}
	return errors.New("signature does not match any configured secret")
}
