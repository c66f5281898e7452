package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/config/configopaque"
)

// SecretDecoder turns a configured secret into the key it stands for; its
// error never quotes the secret.
type SecretDecoder func(configopaque.String) ([]byte, error)

// ValidateSecrets reports, under the option's name, an empty list (this
// receiver never accepts unverified deliveries) and every secret that does
// not decode.
func ValidateSecrets(option string, secrets []configopaque.String, decode SecretDecoder) []error {
	if len(secrets) == 0 {
		return []error{fmt.Errorf("%s: at least one is required; this receiver never accepts unverified deliveries", option)}
	}
	var errs []error
	for i, s := range secrets {
		if _, err := decode(s); err != nil {
			errs = append(errs, fmt.Errorf("%s[%d]: %w", option, i, err))
		}
	}
	return errs
}

// DecodeSecrets returns the keys of validated secrets, in order.
func DecodeSecrets(secrets []configopaque.String, decode SecretDecoder) ([][]byte, error) {
	keys := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		k, err := decode(s)
		if err != nil {
			return nil, errors.Join(errors.New("invalid secret"), err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// Tokens are configured tokens, kept as their SHA-256 digests.
type Tokens [][sha256.Size]byte

// NewTokens keeps the digests of the given tokens.
func NewTokens(keys [][]byte) Tokens {
	t := make(Tokens, len(keys))
	for i, k := range keys {
		t[i] = sha256.Sum256(k)
	}
	return t
}

// Match reports, in constant time, whether given is one of the tokens.
// Digests are compared, so neither the content nor the length of a token
// leaks through timing, and every token is compared every time.
func (t Tokens) Match(given string) bool {
	sum := sha256.Sum256([]byte(given))
	match := 0
	for i := range t {
		match |= subtle.ConstantTimeCompare(sum[:], t[i][:])
	}
	return match == 1
}

// HMACs are HMAC-SHA256s keyed with the configured secrets, pooled per
// secret: a delivery needs one of each, reset and reused.
type HMACs []*sync.Pool

// macState is what one pooled HMAC needs besides itself, kept with it so
// that a delivery's check allocates nothing.
type macState struct {
	mac  hash.Hash
	head []byte
	sum  [sha256.Size]byte
}

// NewHMACs keys one pool per secret.
func NewHMACs(keys [][]byte) HMACs {
	h := make(HMACs, len(keys))
	for i, k := range keys {
		h[i] = &sync.Pool{New: func() any { return &macState{mac: hmac.New(sha256.New, k)} }}
	}
	return h
}

// Match reports whether the HMAC of the head strings and then body, keyed
// with any secret, is one of given; each comparison is constant-time.
func (h HMACs) Match(given [][sha256.Size]byte, body []byte, head ...string) bool {
	return h.Which(given, body, head...) >= 0
}

// Which is Match telling which secret signed: its index among the
// configured ones, or -1 for none. A platform that answers with something
// keyed by the secret (Zoom's URL validation) answers with that one.
func (h HMACs) Which(given [][sha256.Size]byte, body []byte, head ...string) int {
	for i, pool := range h {
		st := pool.Get().(*macState)
		st.mac.Reset()
		st.head = st.head[:0]
		for _, s := range head {
			st.head = append(st.head, s...)
		}
		st.mac.Write(st.head)
		st.mac.Write(body)
		want := st.mac.Sum(st.sum[:0])
		match := false
		for j := range given {
			match = match || hmac.Equal(given[j][:], want)
		}
		if cap(st.head) <= 1<<10 { // an odd long header is not kept
			pool.Put(st)
		}
		if match {
			return i
		}
	}
	return -1
}

// strictBase64 refuses an encoding whose last character carries bits past
// the data: a sender's own encoder never writes one, and Standard Webhooks'
// reference libraries compare signatures as text, so each HMAC has one
// spelling that verifies.
var strictBase64 = base64.StdEncoding.Strict()

// DecodeHMAC decodes a base64 HMAC-SHA256 as platforms send it; ok is false
// for anything else. Nothing is allocated.
func DecodeHMAC(s string) (sum [sha256.Size]byte, ok bool) {
	var b [sha256.Size + 3]byte // room for what a 32-byte HMAC's base64 decodes to
	if strictBase64.DecodedLen(len(s)) > len(b) {
		return sum, false // too long to be one (and Decode would overrun b)
	}
	n, err := strictBase64.Decode(b[:], []byte(s))
	if err != nil || n != sha256.Size {
		return sum, false
	}
	return [sha256.Size]byte(b[:sha256.Size]), true
}

// DecodeText takes a secret as the platform shows it, as text: it only
// refuses an empty one or one with white space around it, a slip of copy
// and paste that would never match. The error never quotes the secret.
func DecodeText(s configopaque.String) ([]byte, error) {
	switch {
	case s == "":
		return nil, errors.New("is empty")
	case strings.TrimSpace(string(s)) != string(s):
		return nil, errors.New("has white space around it")
	}
	return []byte(s), nil
}

// maxTimestampDigits bounds a timestamp to what fits an int64.
const maxTimestampDigits = 18

// ParseUnixSeconds reads a timestamp header's Unix seconds, written as
// decimal digits only: no sign, no fraction, no space.
func ParseUnixSeconds(s string) (int64, bool) {
	if s == "" || len(s) > maxTimestampDigits {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
