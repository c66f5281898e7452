package iotum

import (
	"errors"
	"strings"

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
	errs = append(errs, provider.ValidateSecrets("signing_tokens", c.SigningTokens, decodeToken)...)
	return errors.Join(errs...)
}

// decodeToken takes the token as it is; it only refuses an empty one or one
// with white space around it, a copy-and-paste slip that would never match.
func decodeToken(s configopaque.String) ([]byte, error) {
	switch {
	case s == "":
		return nil, errors.New("is empty")
	case strings.TrimSpace(string(s)) != string(s):
		return nil, errors.New("has white space around it")
	}
	return []byte(s), nil
}
