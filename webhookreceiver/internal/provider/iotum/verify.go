package iotum

import (
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const headerToken = "X-Signing-Token"

// VerifyHeaders is Verify: the token is a header, so a request without it
// is refused before its body is read.
func (p *iotum) VerifyHeaders(d *provider.Delivery) error { return p.Verify(d) }

// Verify compares x-signing-token with every configured token, in constant
// time.
func (p *iotum) Verify(d *provider.Delivery) error {
	given := d.Header.Get(headerToken)
	if given == "" {
		return errors.New("missing x-signing-token header")
	}
	if !p.tokens.Match(given) {
		return errors.New("x-signing-token does not match any configured token")
	}
	return nil
}
