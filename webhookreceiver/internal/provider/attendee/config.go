package attendee

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Config is the attendee block of the receiver's configuration.
type Config struct {
	provider.Common `mapstructure:",squash"`
	// Secrets are the project's webhook secrets as Attendee's Settings →
	// Webhooks page shows them (base64); a delivery signed with any of them
	// is accepted, so a secret can be rotated without downtime.
	Secrets []configopaque.String `mapstructure:"secrets"`
	// MaxEventAge, if not zero, refuses a delivery with an event older than
	// this. Attendee signs no timestamp, so a captured delivery verifies for
	// ever; once its key has left the dedup store (dedup.window), a replay
	// would be emitted again. Off by default: some events carry an old time
	// of their own (a calendar's last sync).
	MaxEventAge time.Duration `mapstructure:"max_event_age"`
}

func newConfig() provider.Config {
	// One event per delivery: kilobytes, a long utterance or chat message
	// at most. 1 MiB leaves a wide margin.
	return &Config{Common: provider.Common{Path: "/" + key, MaxRequestBodySize: 1 << 20}}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath()}
	errs = append(errs, provider.ValidateSecrets("secrets", c.Secrets, decodeSecret)...)
	if c.MaxEventAge < 0 {
		errs = append(errs, errors.New("max_event_age: must not be negative"))
	}
	return errors.Join(errs...)
}

// decodeSecret returns the HMAC key: Attendee signs with the secret's
// base64-decoded bytes. The error never quotes the secret.
func decodeSecret(s configopaque.String) ([]byte, error) {
	text := strings.TrimSpace(string(s))
	if text == "" {
		return nil, errors.New("is empty")
	}
	k, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, errors.New("is not base64 (copy it as Attendee's Settings → Webhooks page shows it)")
	}
	return k, nil
}
