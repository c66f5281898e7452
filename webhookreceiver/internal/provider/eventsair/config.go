package eventsair

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Config is the eventsair block of the receiver's configuration.
type Config struct {
	provider.Common `mapstructure:",squash"`
	// Secrets are the endpoint's signing secrets ("whsec_<base64>"); a
	// delivery signed with any of them is accepted, so a secret can be
	// rotated without downtime.
	Secrets []configopaque.String `mapstructure:"secrets"`
	// Tolerance is how far Webhook-Timestamp may be from now, either way.
	Tolerance time.Duration `mapstructure:"tolerance"`
}

const defaultTolerance = 5 * time.Minute

func newConfig() provider.Config {
	return &Config{
		// Thin payloads, identifiers only: well under a kilobyte.
		Common:    provider.Common{Path: "/" + key, MaxRequestBodySize: 256 << 10},
		Tolerance: defaultTolerance,
	}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath()}
	errs = append(errs, provider.ValidateSecrets("secrets", c.Secrets, decodeSecret)...)
	if c.Tolerance <= 0 {
		errs = append(errs, errors.New("tolerance: must be positive"))
	}
	return errors.Join(errs...)
}

// decodeSecret returns the HMAC key of a Standard Webhooks secret: the base64
// text after an optional "whsec_" prefix. The error never quotes the secret.
func decodeSecret(s configopaque.String) ([]byte, error) {
	text := strings.TrimPrefix(string(s), "whsec_")
	if text == "" {
		return nil, errors.New("is empty")
	}
	k, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, errors.New(`is not base64 after the optional "whsec_" prefix`)
	}
	return k, nil
}
