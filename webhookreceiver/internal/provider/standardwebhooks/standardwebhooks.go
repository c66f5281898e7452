// Package standardwebhooks receives the webhooks of any sender that signs
// with Standard Webhooks, directly or through Svix: the user's fifth source
// needs configuration, not code. It verifies with the verifier EventsAir
// uses (internal/stdwebhooks), names records "<service_name>.<event type>",
// takes every "…Id"/"…_id" field of the body as
// "<service_name>.<entity>.id", keys deliveries by their webhook-id (or
// svix-id), and yields logs only.
package standardwebhooks

import (
	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

const key = "standardwebhooks"

// Factory describes the generic Standard Webhooks platform to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

// sender verifies with the shared verifier (Verify, and VerifyHeaders
// before the body is read) and decodes as configured.
type sender struct {
	*stdwebhooks.Verifier
	service   string
	eventType bodyfields.Path
	eventTime bodyfields.Path // nil: no event time
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	v, err := stdwebhooks.New(c.Options)
	if err != nil {
		return nil, err
	}
	s := &sender{Verifier: v, service: c.ServiceName, eventType: bodyfields.ParsePath(c.EventType), eventTime: bodyfields.ParsePath(c.EventTime)}
	return s, nil
}

// Namespace implements provider.Namer: records are named after the sender.
func (s *sender) Namespace() string { return s.service }
