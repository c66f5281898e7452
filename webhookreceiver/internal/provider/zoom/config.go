package zoom

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Config is the zoom block of the receiver's configuration.
type Config struct {
	provider.Common `mapstructure:",squash"`
	// SecretTokens are the Secret Tokens of the Zoom app whose event
	// subscription posts here (App Marketplace, the app's Access page); a
	// delivery signed with any of them is accepted, so a token can be
	// regenerated without losing deliveries.
	SecretTokens []configopaque.String `mapstructure:"secret_tokens"`
	// Tolerance is how far x-zm-request-timestamp may be from the time the
	// request arrived, either way.
	Tolerance time.Duration `mapstructure:"tolerance"`
}

func newConfig() provider.Config {
	// One event per delivery; a recording with many files stays well
	// under a megabyte.
	return &Config{Common: provider.Common{Path: "/" + key, MaxRequestBodySize: 1 << 20}, Tolerance: 5 * time.Minute}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath()}
	errs = append(errs, provider.ValidateSecrets("secret_tokens", c.SecretTokens, provider.DecodeText)...)
	if c.Tolerance < time.Second {
		errs = append(errs, errors.New("tolerance: must be at least 1s (timestamps are whole seconds)"))
	}
	return errors.Join(errs...)
}
