// Package stdwebhooks verifies Standard Webhooks signatures
// (https://www.standardwebhooks.com/), for every platform that sends them:
// EventsAir and the generic standardwebhooks platform.
//
// A delivery carries an ID, a timestamp (Unix seconds) and a space-separated
// list of "v1,<base64>" signatures, each an HMAC-SHA256 over
// "<id>.<timestamp>.<body>" keyed with the endpoint's secret (base64, after
// an optional "whsec_" prefix). They come in the webhook-* headers of the
// specification or, from senders that deliver through Svix, in the svix-*
// headers Svix's own library reads; the webhook-* set is used when all three
// of its headers are present, the svix-* set otherwise.
//
// The timestamp is checked as the official libraries check it, in whole
// seconds: it may be up to the tolerance away from the time the request
// arrived, either way, and not one second more.
package stdwebhooks

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// DefaultTolerance is how far from now a timestamp may be unless configured:
// the official libraries' five minutes.
const DefaultTolerance = 5 * time.Minute

// Options are what every Standard Webhooks platform block has, squashed into it.
type Options struct {
	// Secrets are the endpoint's signing secrets ("whsec_<base64>"); a
	// delivery signed with any of them is accepted, so a secret can be
	// rotated without downtime.
	Secrets []configopaque.String `mapstructure:"secrets"`
	// Tolerance is how far the delivery's timestamp may be from the time it
	// arrived, either way.
	Tolerance time.Duration `mapstructure:"tolerance"`
}

// DefaultOptions are the options before configuration: no secret, the
// default tolerance.
func DefaultOptions() Options { return Options{Tolerance: DefaultTolerance} }

// Validate reports every problem of the options.
func (o *Options) Validate() []error {
	errs := provider.ValidateSecrets("secrets", o.Secrets, DecodeSecret)
	if o.Tolerance < time.Second {
		errs = append(errs, errors.New("tolerance: must be at least 1s (timestamps are whole seconds)"))
	}
	return errs
}

// DecodeSecret returns the HMAC key of a secret: the base64 text after an
// optional "whsec_" prefix, padded or not (the Python library takes both).
// An empty secret, "" or "whsec_", is an error, as in every official
// library. The error never quotes the secret.
func DecodeSecret(s configopaque.String) ([]byte, error) {
	text := strings.TrimPrefix(string(s), "whsec_")
	text = strings.TrimRight(text, "=")
	if text == "" {
		return nil, errors.New("is empty")
	}
	k, err := base64.RawStdEncoding.DecodeString(text)
	if err != nil {
		return nil, errors.New(`is not base64 after the optional "whsec_" prefix`)
	}
	return k, nil
}

// The two header sets, canonical so that http.Header.Get does not rewrite them.
var (
	unbranded = headerSet{id: "Webhook-Id", timestamp: "Webhook-Timestamp", signature: "Webhook-Signature"}
	svix      = headerSet{id: "Svix-Id", timestamp: "Svix-Timestamp", signature: "Svix-Signature"}
)

type headerSet struct{ id, timestamp, signature string }

// Headers are the three values a delivery is verified with, and the names
// they came under.
type Headers struct {
	ID, Timestamp, Signature string
	names                    *headerSet
}

// ReadHeaders returns the webhook-* headers when all three are present, else
// the svix-* ones (some of which may be missing).
func ReadHeaders(h http.Header) Headers {
	if hs := read(h, &unbranded); hs.ID != "" && hs.Timestamp != "" && hs.Signature != "" {
		return hs
	}
	if hs := read(h, &svix); hs.ID != "" || hs.Timestamp != "" || hs.Signature != "" {
		return hs
	}
	return read(h, &unbranded) // neither: report what webhook-* lacks
}

func read(h http.Header, set *headerSet) Headers {
	return Headers{ID: h.Get(set.id), Timestamp: h.Get(set.timestamp), Signature: h.Get(set.signature), names: set}
}

// ID is the delivery's ID from the header set ReadHeaders picks: the key
// that is the same on every retry of one delivery.
func ID(h http.Header) string { return ReadHeaders(h).ID }

// Verifier checks deliveries against the configured secrets.
type Verifier struct {
	macs      provider.HMACs
	tolerance int64 // seconds
}

// New builds a Verifier from validated options.
func New(o Options) (*Verifier, error) {
	keys, err := provider.DecodeSecrets(o.Secrets, DecodeSecret)
	if err != nil {
		return nil, err
	}
	return &Verifier{macs: provider.NewHMACs(keys), tolerance: int64(o.Tolerance / time.Second)}, nil
}

// MaxSignatures is how many entries a signature header may have: a sender
// signs with each of its current secrets (two during a rotation), and
// thousands of entries would only make every delivery's check cost more.
const MaxSignatures = 16

// signatures is room for the few signatures a header carries at once (a
// rotation sends two), on the caller's stack.
type signatures [4][sha256.Size]byte

// CheckHeaders reports what the headers alone show to be wrong, before the
// body is read: a missing ID, timestamp or signature; a timestamp that is
// not Unix seconds or is more than the tolerance away from received; a
// signature header with no well-formed "v1,<base64 of 32 bytes>" entry.
func (v *Verifier) CheckHeaders(h http.Header, received time.Time) error {
	var room signatures
	_, _, err := v.check(h, received, room[:0])
	return err
}

// Verify checks everything: the headers as CheckHeaders does, then that a
// v1 signature is the HMAC of the body under one of the secrets, each
// comparison constant-time. It is complete on its own: a platform that
// embeds the Verifier is safe whether or not VerifyHeaders ran first. A
// delivery with an empty body verifies when its signature covers the empty
// body, as in the official libraries.
func (v *Verifier) Verify(d *provider.Delivery) error {
	var room signatures
	hs, given, err := v.check(d.Header, d.Received, room[:0])
	if err != nil {
		return err
	}
	if v.macs.Match(given, d.Body, hs.ID, ".", hs.Timestamp, ".") {
		return nil
	}
	return errors.New("signature does not match any configured secret")
}

// VerifyHeaders is CheckHeaders on a delivery whose body is not read yet.
func (v *Verifier) VerifyHeaders(d *provider.Delivery) error {
	return v.CheckHeaders(d.Header, d.Received)
}

func (v *Verifier) check(h http.Header, received time.Time, given [][sha256.Size]byte) (Headers, [][sha256.Size]byte, error) {
	hs := ReadHeaders(h)
	switch {
	case hs.ID == "":
		return hs, nil, errors.New("missing " + hs.names.id + " header")
	case hs.Timestamp == "":
		return hs, nil, errors.New("missing " + hs.names.timestamp + " header")
	case hs.Signature == "":
		return hs, nil, errors.New("missing " + hs.names.signature + " header")
	}
	sec, ok := provider.ParseUnixSeconds(hs.Timestamp)
	if !ok {
		return hs, nil, errors.New(hs.names.timestamp + " is not Unix seconds")
	}
	// Whole seconds, as the official libraries count: sec is at most 18
	// digits and now is a real clock, so neither difference overflows.
	now := received.Unix()
	if skew := now - sec; skew > v.tolerance || -skew > v.tolerance {
		return hs, nil, fmt.Errorf("%s is %s away from now, more than the tolerance of %s", hs.names.timestamp,
			away(skew), time.Duration(v.tolerance)*time.Second)
	}
	entries := 0
	for entry := range strings.FieldsSeq(hs.Signature) {
		if entries++; entries > MaxSignatures {
			return hs, nil, fmt.Errorf("%s has more than %d entries", hs.names.signature, MaxSignatures)
		}
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue // other schemes, such as v1a (asymmetric) or v2, are not ours to check
		}
		if sum, ok := provider.DecodeHMAC(sig); ok {
			given = append(given, sum)
		}
	}
	if len(given) == 0 {
		return hs, nil, errors.New(hs.names.signature + ` has no "v1,<base64 HMAC-SHA256>" entry`)
	}
	return hs, given, nil
}

// away writes a skew in seconds as a duration, or in seconds when too large
// for one.
func away(skew int64) string {
	abs := max(skew, -skew)
	if abs > int64(time.Duration(1<<62)/time.Second) {
		return strconv.FormatInt(abs, 10) + "s"
	}
	return (time.Duration(abs) * time.Second).String()
}
