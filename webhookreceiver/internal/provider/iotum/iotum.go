// Package iotum receives the webhooks of iotum's Communications Cloud
// (Callbridge, FreeConference). They carry a fixed signing token, and their
// payload is JSON encoded as a string. A conference is a lifecycle: a root
// span from start to end, with its recordings, streams, broadcasts,
// participants and dial-outs as children.
package iotum

import (
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "iotum"

// Factory describes iotum to the receiver.
var Factory = provider.Factory{
	KnownByHeaders: true,
	Key:            key,
	NewConfig:      newConfig,
	New:            newProvider,
}

type iotum struct {
	tokens provider.Tokens
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.SigningTokens, provider.DecodeText)
	if err != nil {
		return nil, err
	}
	return &iotum{tokens: provider.NewTokens(keys)}, nil
}
