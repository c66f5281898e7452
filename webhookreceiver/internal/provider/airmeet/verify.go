package airmeet

import (
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// VerifyHeaders is Verify: the token is in the URL, so a request without it
// is refused before its body is read.
func (p *airmeet) VerifyHeaders(d *provider.Delivery) error { return p.Verify(d) }

// Verify compares the URL's token query parameter with every configured
// token, in constant time.
func (p *airmeet) Verify(d *provider.Delivery) error {
	given := ""
	if d.URL != nil {
		given = d.URL.Query().Get("token")
	}
	if given == "" {
		return errors.New("missing token query parameter")
	}
	if !p.tokens.Match(given) {
		return errors.New("token does not match any configured token")
	}
	return nil
}
