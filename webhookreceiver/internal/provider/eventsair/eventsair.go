// Package eventsair receives EventsAir webhooks, signed with the Standard
// Webhooks scheme. EventsAir sends thin payloads (identifiers only) whose list
// of types keeps growing, so every "...Id" field becomes an attribute whatever
// the type. EventsAir has no lifecycles: it yields logs only.
package eventsair

import (
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "eventsair"

// Factory describes EventsAir to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

type eventsAir struct {
	macs      provider.HMACs
	tolerance time.Duration
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.Secrets, decodeSecret)
	if err != nil {
		return nil, err
	}
	return &eventsAir{macs: provider.NewHMACs(keys), tolerance: c.Tolerance}, nil
}
