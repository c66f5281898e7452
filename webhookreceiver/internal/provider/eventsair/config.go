package eventsair

import (
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

// Config is the eventsair block of the receiver's configuration.
type Config struct {
	provider.Common `mapstructure:",squash"`
	// Options are the endpoint's signing secrets ("whsec_<base64>") and how
	// far a delivery's timestamp may be from now.
	stdwebhooks.Options `mapstructure:",squash"`
}

func newConfig() provider.Config {
	return &Config{
		// Thin payloads, identifiers only: well under a kilobyte.
		Common:  provider.Common{Path: "/" + key, MaxRequestBodySize: 256 << 10},
		Options: stdwebhooks.DefaultOptions(),
	}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	return errors.Join(append([]error{c.Common.ValidatePath()}, c.Options.Validate()...)...)
}
