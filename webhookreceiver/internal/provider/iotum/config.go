package iotum

import (
	"errors"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Config is the iotum block of the receiver's configuration.
type Config struct {
	provider.Common `mapstructure:",squash"`
	// SigningTokens are the tokens iotum's admin UI shows for webhooks; a
	// delivery carrying any of them is accepted, so a token can be rotated
	// without downtime.
	SigningTokens []configopaque.String `mapstructure:"signing_tokens"`
}

func newConfig() provider.Config {
	// One event of identifiers per delivery: well under a kilobyte.
	return &Config{Common: provider.Common{Path: "/" + key, MaxRequestBodySize: 256 << 10}}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath()}
	errs = append(errs, provider.ValidateSecrets("signing_tokens", c.SigningTokens, provider.DecodeText)...)
	return errors.Join(errs...)
}
