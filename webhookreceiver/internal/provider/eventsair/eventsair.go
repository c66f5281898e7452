// Package eventsair receives EventsAir webhooks, signed with the Standard
// Webhooks scheme (EventsAir delivers through Svix: its headers may be the
// svix-* ones). EventsAir sends thin payloads (identifiers only) whose list
// of types keeps growing, so every "...Id" field becomes an attribute whatever
// the type. EventsAir has no lifecycles: it yields logs only.
package eventsair

import (
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

const key = "eventsair"

// Factory describes EventsAir to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

// eventsAir verifies with the shared Standard Webhooks verifier: Verify,
// and VerifyHeaders before the body is read.
type eventsAir struct {
	*stdwebhooks.Verifier
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	v, err := stdwebhooks.New(cfg.(*Config).Options)
	if err != nil {
		return nil, err
	}
	return &eventsAir{Verifier: v}, nil
}
