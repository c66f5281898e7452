package airmeet

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Verify compares the URL's token query parameter with every configured
// token, in constant time (by their digests).
func (p *airmeet) Verify(d *provider.Delivery) error {
	given := ""
	if d.URL != nil {
		given = d.URL.Query().Get("token")
	}
	if given == "" {
		return errors.New("missing token query parameter")
	}
	sum := sha256.Sum256([]byte(given))
	match := 0
	for i := range p.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], p.tokens[i][:])
	}
	if match != 1 {
		return errors.New("token does not match any configured token")
	}
	return nil
}
