// Package eventsair receives EventsAir webhooks, signed with the Standard
// Webhooks scheme. EventsAir sends thin payloads (identifiers only) whose list
// of types keeps growing, so every "...Id" field becomes an attribute whatever
// the type. EventsAir has no lifecycles: it yields logs only.
package eventsair

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
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
	// macs keeps, per secret, HMACs keyed with it, reset and reused.
	macs      []*sync.Pool
	tolerance time.Duration
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	p := &eventsAir{tolerance: c.Tolerance}
	keys, err := provider.DecodeSecrets(c.Secrets, decodeSecret)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		p.macs = append(p.macs, &sync.Pool{New: func() any { return hmac.New(sha256.New, k) }})
	}
	return p, nil
}
