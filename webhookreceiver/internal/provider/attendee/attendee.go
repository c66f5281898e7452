// Package attendee receives the webhooks of Attendee, the meeting-bot API:
// bots, app sessions, calendars and Zoom OAuth connections. Bots and app
// sessions are lifecycles: a root span from their first state to their end,
// a phase per state, and spans for presence, speech, utterances and
// asynchronous transcriptions.
package attendee

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "attendee"

// Factory describes Attendee to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

type attendee struct {
	// macs keeps, per secret, HMACs keyed with it, reset and reused.
	macs []*sync.Pool
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.Secrets, decodeSecret)
	if err != nil {
		return nil, err
	}
	p := &attendee{}
	for _, k := range keys {
		p.macs = append(p.macs, &sync.Pool{New: func() any { return hmac.New(sha256.New, k) }})
	}
	return p, nil
}
