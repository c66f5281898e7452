// Package hmacsig verifies the most common webhook signature: an
// HMAC-SHA256 keyed with a shared secret, over the body alone or over a
// template of a timestamp header and the body, sent in one header as hex or
// base64 after an optional prefix. GitHub ("sha256=<hex>" of the body),
// Slack and Zoom ("v0=<hex>" of "v0:<timestamp>:<body>") and many others
// sign so. The zoom platform uses it with Zoom's scheme, the generic hmac
// platform with the one its configuration describes.
package hmacsig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Encodings of the signature in its header.
const (
	Hex    = "hex"
	Base64 = "base64"
)

// The placeholders of a signed-content template.
const (
	Body      = "{body}"
	Timestamp = "{timestamp}"
)

// Scheme is how a sender signs.
type Scheme struct {
	// Header carries the signature ("X-Hub-Signature-256").
	Header string
	// Prefix comes before the signature in the header ("sha256=", "v0=").
	Prefix string
	// Encoding is Hex or Base64.
	Encoding string
	// Signed is what the HMAC covers: Body alone, or a template such as
	// "v0:{timestamp}:{body}" that ends with Body and holds Timestamp at
	// most once.
	Signed string
	// TimestampHeader carries the Unix seconds that Signed's Timestamp
	// stands for; required with it, and checked against Tolerance.
	TimestampHeader string
	// Tolerance is how far the timestamp may be from the time the request
	// arrived, either way.
	Tolerance time.Duration
}

// template is Signed taken apart: before, the timestamp when it has one,
// between, the body.
type template struct {
	before, between string
	timestamp       bool
}

// parse reads a Signed template.
func parse(signed string) (template, error) {
	head, ok := strings.CutSuffix(signed, Body)
	if !ok {
		return template{}, errors.New(`must end with "{body}"`)
	}
	var t template
	t.before, t.between, t.timestamp = strings.Cut(head, Timestamp)
	if !t.timestamp {
		t.before, t.between = head, ""
	}
	for _, lit := range []string{t.before, t.between} {
		if strings.ContainsAny(lit, "{}") {
			return template{}, errors.New(`may hold "{timestamp}" once and "{body}" at its end, and no other braces`)
		}
	}
	return t, nil
}

// Validate reports every problem of the scheme, under the names of the
// options given by name (the Scheme's field names mapped to the
// configuration's).
func (s *Scheme) Validate(name func(field string) string) []error {
	var errs []error
	if s.Header == "" {
		errs = append(errs, errors.New(name("Header")+": must not be empty"))
	}
	if s.Encoding != Hex && s.Encoding != Base64 {
		errs = append(errs, errors.New(name("Encoding")+`: must be "hex" or "base64"`))
	}
	t, err := parse(s.Signed)
	switch {
	case err != nil:
		errs = append(errs, errors.New(name("Signed")+": "+strconv.Quote(s.Signed)+": "+err.Error()))
	case t.timestamp && s.TimestampHeader == "":
		errs = append(errs, errors.New(name("TimestampHeader")+`: required when `+name("Signed")+` holds "{timestamp}"`))
	}
	if s.TimestampHeader != "" && s.Tolerance < time.Second {
		errs = append(errs, errors.New(name("Tolerance")+": must be at least 1s (timestamps are whole seconds)"))
	}
	return errs
}

// Verifier checks deliveries against a scheme and the configured secrets.
type Verifier struct {
	macs            provider.HMACs
	header          string // canonical, as http.Header keeps it
	prefix          string
	hex             bool
	signed          template
	timestampHeader string // canonical; "" for none
	tolerance       int64  // seconds
}

// New builds a Verifier from a validated scheme and the secrets' keys.
func New(s Scheme, keys [][]byte) (*Verifier, error) {
	t, err := parse(s.Signed)
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		macs:      provider.NewHMACs(keys),
		header:    http.CanonicalHeaderKey(s.Header),
		prefix:    s.Prefix,
		hex:       s.Encoding == Hex,
		signed:    t,
		tolerance: int64(s.Tolerance / time.Second),
	}
	if s.TimestampHeader != "" {
		v.timestampHeader = http.CanonicalHeaderKey(s.TimestampHeader)
	}
	return v, nil
}

// CheckHeaders reports what the headers alone show to be wrong, before the
// body is read: a missing or malformed signature; a missing timestamp, or
// one more than the tolerance away from received.
func (v *Verifier) CheckHeaders(h http.Header, received time.Time) error {
	_, _, err := v.check(h, received)
	return err
}

// VerifyHeaders is CheckHeaders on a delivery whose body is not read yet.
func (v *Verifier) VerifyHeaders(d *provider.Delivery) error {
	return v.CheckHeaders(d.Header, d.Received)
}

// Verify checks everything: the headers as CheckHeaders does, then that the
// signature is the HMAC of the signed content under one of the secrets,
// each comparison constant-time. It is complete on its own.
func (v *Verifier) Verify(d *provider.Delivery) error {
	_, err := v.signer(d)
	return err
}

// Signer is the index of the secret that signed the delivery, -1 when it
// does not verify.
func (v *Verifier) Signer(d *provider.Delivery) int {
	i, _ := v.signer(d)
	return i
}

// signer is Signer, with why a delivery that does not verify is refused.
func (v *Verifier) signer(d *provider.Delivery) (int, error) {
	sum, ts, err := v.check(d.Header, d.Received)
	if err != nil {
		return -1, err
	}
	given := [][sha256.Size]byte{sum}
	var i int
	if v.signed.timestamp {
		i = v.macs.Which(given, d.Body, v.signed.before, ts, v.signed.between)
	} else {
		i = v.macs.Which(given, d.Body, v.signed.before)
	}
	if i < 0 {
		return -1, errNoMatch
	}
	return i, nil
}

var errNoMatch = errors.New("signature does not match any configured secret")

func (v *Verifier) check(h http.Header, received time.Time) (sum [sha256.Size]byte, ts string, err error) {
	sig := h.Get(v.header)
	if sig == "" {
		return sum, "", errors.New("missing " + v.header + " header")
	}
	text, ok := strings.CutPrefix(sig, v.prefix)
	if ok {
		sum, ok = v.decode(text)
	}
	if !ok {
		return sum, "", errors.New(v.header + " is not " + v.form())
	}
	if v.timestampHeader == "" {
		return sum, "", nil
	}
	ts = h.Get(v.timestampHeader)
	if ts == "" {
		return sum, "", errors.New("missing " + v.timestampHeader + " header")
	}
	at, ok := provider.ParseUnixSeconds(ts)
	if !ok {
		return sum, "", errors.New(v.timestampHeader + " is not Unix seconds")
	}
	if skew := received.Unix() - at; skew > v.tolerance || -skew > v.tolerance {
		return sum, "", errors.New(v.timestampHeader + " is more than the tolerance away from now")
	}
	return sum, ts, nil
}

// form is what the signature header should hold, for a refusal's message.
func (v *Verifier) form() string {
	if v.hex {
		return v.prefix + "<hex HMAC-SHA256>"
	}
	return v.prefix + "<base64 HMAC-SHA256>"
}

// decode reads a 32-byte HMAC in the scheme's encoding, allocating nothing.
func (v *Verifier) decode(s string) (sum [sha256.Size]byte, ok bool) {
	if !v.hex {
		return provider.DecodeHMAC(s)
	}
	if len(s) != hex.EncodedLen(sha256.Size) {
		return sum, false
	}
	for i := range sum {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return sum, false
		}
		sum[i] = hi<<4 | lo
	}
	return sum, true
}

// unhex reads one hex digit, either case.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
