// Package attendee receives the webhooks of Attendee, the meeting-bot API:
// bots, app sessions, calendars and Zoom OAuth connections. Bots and app
// sessions are lifecycles: a root span from their first state to their end,
// a phase per state, and spans for presence, speech, utterances and
// asynchronous transcriptions.
package attendee

import (
	"time"

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
	macs provider.HMACs
	// maxEventAge, if not zero, refuses older events (max_event_age).
	maxEventAge time.Duration
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.Secrets, decodeSecret)
	if err != nil {
		return nil, err
	}
	return &attendee{macs: provider.NewHMACs(keys), maxEventAge: c.MaxEventAge}, nil
}
