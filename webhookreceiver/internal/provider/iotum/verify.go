package iotum

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const headerToken = "X-Signing-Token"

// Verify compares x-signing-token with every configured token, in constant
// time: the digests are compared, so neither the content nor the length of
// a token leaks through timing.
func (p *iotum) Verify(d *provider.Delivery) error {
	given := d.Header.Get(headerToken)
	if given == "" {
		return errors.New("missing x-signing-token header")
	}
	sum := sha256.Sum256([]byte(given))
	match := 0
	for i := range p.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], p.tokens[i][:])
	}
	if match != 1 {
		return errors.New("x-signing-token does not match any configured token")
	}
	return nil
}
