package airmeet

import (
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

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
