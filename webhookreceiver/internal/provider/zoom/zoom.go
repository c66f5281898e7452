// Package zoom receives the webhooks of a Zoom app's event subscription.
// Zoom signs each delivery with an HMAC-SHA256 of "v0:<timestamp>:<body>"
// keyed with the app's secret token (x-zm-signature), checks a new endpoint
// with a signed endpoint.url_validation request that must be answered with
// the token hashed under the same secret, and sends meeting, participant,
// webinar and recording events. A meeting (or webinar) instance is a
// lifecycle: a root span from start to end, with each participant's stay
// and each cloud recording as children.
package zoom

import (
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/hmacsig"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "zoom"

// Factory describes Zoom to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

// scheme is Zoom's signature, as its webhook documentation gives it.
func scheme(tolerance time.Duration) hmacsig.Scheme {
	return hmacsig.Scheme{
		Header:          "x-zm-signature",
		Prefix:          "v0=",
		Encoding:        hmacsig.Hex,
		Signed:          "v0:{timestamp}:{body}",
		TimestampHeader: "x-zm-request-timestamp",
		Tolerance:       tolerance,
	}
}

// zoom verifies with Zoom's scheme (Verify, and VerifyHeaders before the
// body is read), answers URL validations, and decodes events.
type zoom struct {
	*hmacsig.Verifier
	keys [][]byte // the secret tokens, for the URL validation's answer
}

func newProvider(cfg provider.Config, _ provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.SecretTokens, provider.DecodeText)
	if err != nil {
		return nil, err
	}
	v, err := hmacsig.New(scheme(c.Tolerance), keys)
	if err != nil {
		return nil, err
	}
	return &zoom{Verifier: v, keys: keys}, nil
}
