package airmeet

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// minTokenLength keeps tokens out of reach of guessing: the token is all
// that stands between the endpoint and anyone who knows its path.
const minTokenLength = 16

// Config is the airmeet block of the receiver's configuration.
type Config struct {
	provider.Common `mapstructure:",squash"`
	// Tokens are the unguessable tokens of the URLs registered with Airmeet,
	// {path}/{trigger}?token=<token>; a delivery carrying any of them is
	// accepted, so a token can be rotated without downtime.
	Tokens []configopaque.String `mapstructure:"tokens"`
	// Register, when set, keeps Airmeet's webhook registrations in step.
	Register *RegisterConfig `mapstructure:"register"`
}

func newConfig() provider.Config {
	// Airmeet sends a whole event's registrants or attendance in one batch
	// after it ends: megabytes for a large event.
	return &Config{Common: provider.Common{Path: "/" + key, MaxRequestBodySize: 5 << 20}}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath()}
	errs = append(errs, provider.ValidateSecrets("tokens", c.Tokens, decodeToken)...)
	if c.Register != nil {
		errs = append(errs, c.Register.validate()...)
	}
	return errors.Join(errs...)
}

func decodeToken(s configopaque.String) ([]byte, error) {
	switch {
	case len(s) < minTokenLength:
		return nil, fmt.Errorf("is shorter than %d characters: make one with `openssl rand -hex 24`", minTokenLength)
	case strings.ContainsAny(string(s), " &?#/%+"):
		return nil, errors.New("has characters that do not survive in a URL query unescaped")
	}
	return []byte(s), nil
}
