// Package hmac receives the webhooks of any sender that signs with an
// HMAC-SHA256 in a header (GitHub, Slack, Zoom and many more): the user's
// next sender needs configuration, not code. It verifies with
// internal/hmacsig as configured, names records
// "<service_name>.<event type>", takes every "…Id"/"…_id" field of the body
// as "<service_name>.<entity>.id", and yields logs only.
package hmac

import (
	"net/http"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/hmacsig"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "hmac"

// Factory describes the generic HMAC platform to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

// sender verifies with the configured scheme (Verify, and VerifyHeaders
// before the body is read) and decodes as configured.
type sender struct {
	*hmacsig.Verifier
	service    string
	eventType  bodyfields.Path
	typeHeader string // canonical; "" for none
	eventID    bodyfields.Path
	idHeader   string // canonical; "" for none
	eventTime  bodyfields.Path
	challenge  *challenge // nil: none configured
}

// challenge is Config.Challenge, its paths split.
type challenge struct {
	field, echo bodyfields.Path
	value       string
}

func newProvider(cfg provider.Config, _ provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.Secrets, provider.DecodeText)
	if err != nil {
		return nil, err
	}
	v, err := hmacsig.New(c.scheme(), keys)
	if err != nil {
		return nil, err
	}
	s := &sender{
		Verifier:   v,
		service:    c.ServiceName,
		eventType:  bodyfields.ParsePath(c.EventType),
		typeHeader: canonical(c.EventTypeHeader),
		eventID:    bodyfields.ParsePath(c.EventID),
		idHeader:   canonical(c.EventIDHeader),
		eventTime:  bodyfields.ParsePath(c.EventTime),
	}
	if c.Challenge != nil {
		s.challenge = &challenge{field: bodyfields.ParsePath(c.Challenge.Field), echo: bodyfields.ParsePath(c.Challenge.Echo), value: c.Challenge.Value}
	}
	return s, nil
}

func canonical(header string) string {
	if header == "" {
		return ""
	}
	return http.CanonicalHeaderKey(header)
}

// Namespace implements provider.Namer: records are named after the sender.
func (s *sender) Namespace() string { return s.service }
