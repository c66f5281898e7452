package hmac

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/hmacsig"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Config is the hmac block of the receiver's configuration: one sender.
// Two senders are two receiver instances (webhook/github, webhook/slack).
type Config struct {
	// Common's service_name is required here: it is what the sender is
	// called in telemetry, the prefix of its records and attributes.
	provider.Common `mapstructure:",squash"`
	// Secrets are the sender's signing secrets, as text; a delivery signed
	// with any of them is accepted, so a secret can be rotated.
	Secrets []configopaque.String `mapstructure:"secrets"`
	// SignatureHeader carries the signature ("X-Hub-Signature-256").
	SignatureHeader string `mapstructure:"signature_header"`
	// SignaturePrefix comes before the signature in its header ("sha256=").
	SignaturePrefix string `mapstructure:"signature_prefix"`
	// SignatureEncoding is "hex" or "base64".
	SignatureEncoding string `mapstructure:"signature_encoding"`
	// SignedContent is what the HMAC covers: "{body}", or a template that
	// ends with it and may hold "{timestamp}" ("v0:{timestamp}:{body}").
	SignedContent string `mapstructure:"signed_content"`
	// TimestampHeader carries the Unix seconds "{timestamp}" stands for;
	// when set, a delivery further than Tolerance from now is refused.
	TimestampHeader string        `mapstructure:"timestamp_header"`
	Tolerance       time.Duration `mapstructure:"tolerance"`
	// EventType is the dot path of the event type in the body, and
	// EventTypeHeader the header that carries it; with both, the type is
	// "<header>.<body's value>" ("issues.opened"), or the header's alone
	// when the body has none.
	EventType       string `mapstructure:"event_type"`
	EventTypeHeader string `mapstructure:"event_type_header"`
	// EventID (a dot path) or EventIDHeader is what a retry of a delivery
	// repeats; without either, or when a delivery lacks it, the delivery is
	// known by its body.
	EventID       string `mapstructure:"event_id"`
	EventIDHeader string `mapstructure:"event_id_header"`
	// EventTime is the dot path of the event's own time: an RFC 3339
	// string, or Unix seconds (milliseconds from 10^12 on).
	EventTime string `mapstructure:"event_time"`
	// Challenge answers the sender's endpoint check; nil for none.
	Challenge *Challenge `mapstructure:"challenge"`
}

// Challenge is a sender's endpoint check that echoes a value of the body:
// a delivery whose Field is Value is answered 200 with the text at Echo,
// and is no record (Slack's url_verification: type, url_verification,
// challenge).
type Challenge struct {
	Field string `mapstructure:"field"`
	Value string `mapstructure:"value"`
	Echo  string `mapstructure:"echo"`
}

func (c *Challenge) validate() []error {
	var errs []error
	for option, path := range map[string]string{"challenge.field": c.Field, "challenge.echo": c.Echo} {
		if path == "" {
			errs = append(errs, errors.New(option+": must not be empty"))
		} else {
			errs = append(errs, bodyfields.ValidatePath(option, path))
		}
	}
	if c.Value == "" {
		errs = append(errs, errors.New("challenge.value: must not be empty"))
	}
	return errs
}

func newConfig() provider.Config {
	return &Config{
		Common:            provider.Common{Path: "/" + key, MaxRequestBodySize: 1 << 20},
		SignatureEncoding: hmacsig.Hex,
		SignedContent:     hmacsig.Body,
		Tolerance:         5 * time.Minute,
	}
}

// scheme is the signature the configuration describes.
func (c *Config) scheme() hmacsig.Scheme {
	return hmacsig.Scheme{
		Header: c.SignatureHeader, Prefix: c.SignaturePrefix, Encoding: c.SignatureEncoding,
		Signed: c.SignedContent, TimestampHeader: c.TimestampHeader, Tolerance: c.Tolerance,
	}
}

// options names the scheme's fields as this block does.
var options = map[string]string{
	"Header": "signature_header", "Encoding": "signature_encoding", "Signed": "signed_content",
	"TimestampHeader": "timestamp_header", "Tolerance": "tolerance",
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath(), bodyfields.ValidateServiceName(c.ServiceName)}
	errs = append(errs, provider.ValidateSecrets("secrets", c.Secrets, provider.DecodeText)...)
	s := c.scheme()
	errs = append(errs, s.Validate(func(field string) string { return options[field] })...)
	if c.EventType == "" && c.EventTypeHeader == "" {
		errs = append(errs, errors.New("event_type or event_type_header: one is required: where the event type is"))
	}
	for option, path := range map[string]string{"event_type": c.EventType, "event_id": c.EventID, "event_time": c.EventTime} {
		if path != "" {
			errs = append(errs, bodyfields.ValidatePath(option, path))
		}
	}
	if c.Challenge != nil {
		errs = append(errs, c.Challenge.validate()...)
	}
	if c.EventID != "" && c.EventIDHeader != "" {
		errs = append(errs, errors.New("event_id and event_id_header: set one, not both"))
	}
	return errors.Join(errs...)
}
