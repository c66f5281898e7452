// Package iotum receives the webhooks of iotum's Communications Cloud
// (Callbridge, FreeConference). They carry a fixed signing token, and their
// payload is JSON encoded as a string. A conference is a lifecycle: a root
// span from start to end, with its recordings, streams, broadcasts,
// participants and dial-outs as children.
package iotum

import (
	"crypto/sha256"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "iotum"

// Factory describes iotum to the receiver.
var Factory = provider.Factory{
	Key:       key,
	NewConfig: newConfig,
	New:       newProvider,
}

type iotum struct {
	// tokens holds the SHA-256 of each configured token: comparing digests
	// takes the same time whatever the length of what was sent.
	tokens [][sha256.Size]byte
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.SigningTokens, decodeToken)
	if err != nil {
		return nil, err
	}
	p := &iotum{}
	for _, k := range keys {
		p.tokens = append(p.tokens, sha256.Sum256(k))
	}
	return p, nil
}
