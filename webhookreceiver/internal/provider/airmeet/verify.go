package airmeet

import (
	"errors"
	"net/url"
	"strings"

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
		given = queryToken(d.URL.RawQuery)
	}
	if given == "" {
		return errors.New("missing token query parameter")
	}
	if !p.tokens.Match(given) {
		return errors.New("token does not match any configured token")
	}
	return nil
}

// queryToken is the first token parameter of a raw query, unescaped, as
// url.Values.Get would give it, without building the whole map of
// parameters: the receiver checks it twice, before and after the body.
func queryToken(query string) string {
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery refuses these
		}
		key, value, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err != nil || k != "token" {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			continue
		}
		return v
	}
	return ""
}
