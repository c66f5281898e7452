// Package airmeet receives the webhooks of Airmeet, the virtual-event
// platform. Airmeet signs nothing and names no trigger in its bodies, so the
// URL the user registers carries both: {path}/{triggerMetaInfoId}?token=...
// An Airmeet event is a lifecycle: a root span from start to finish, with
// its sessions and replay viewings as children.
package airmeet

import (
	"crypto/sha256"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "airmeet"

// Factory describes Airmeet to the receiver.
var Factory = provider.Factory{
	Key:       key,
	Subpaths:  true,
	NewConfig: newConfig,
	New:       newProvider,
}

type airmeet struct {
	// tokens holds the SHA-256 of each configured token, compared in
	// constant time whatever the length of what was sent.
	tokens [][sha256.Size]byte
}

func newProvider(cfg provider.Config, _ func() time.Time) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.Tokens, decodeToken)
	if err != nil {
		return nil, err
	}
	p := &airmeet{}
	for _, k := range keys {
		p.tokens = append(p.tokens, sha256.Sum256(k))
	}
	return p, nil
}
