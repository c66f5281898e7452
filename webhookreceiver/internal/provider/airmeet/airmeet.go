// Package airmeet receives the webhooks of Airmeet, the virtual-event
// platform. Airmeet signs nothing and names no trigger in its bodies, so the
// URL the user registers carries both: {path}/{triggerMetaInfoId}?token=...
// An Airmeet event is a lifecycle: a root span from start to finish, with
// its sessions and replay viewings as children.
package airmeet

import (
	"net/http"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const key = "airmeet"

// Factory describes Airmeet to the receiver.
var Factory = provider.Factory{
	KnownByHeaders: true,
	Key:            key,
	Subpaths:       true,
	NewConfig:      newConfig,
	New:            newProvider,
}

type airmeet struct {
	tokens provider.Tokens
}

func newProvider(cfg provider.Config, set provider.Settings) (provider.Provider, error) {
	c := cfg.(*Config)
	keys, err := provider.DecodeSecrets(c.Tokens, decodeToken)
	if err != nil {
		return nil, err
	}
	p := &airmeet{tokens: provider.NewTokens(keys)}
	if c.Register == nil {
		return p, nil
	}
	r := &registrar{
		api: &api{base: c.Register.baseURL(), accessKey: c.Register.AccessKey, secretKey: c.Register.SecretKey,
			client: &http.Client{Timeout: 30 * time.Second}},
		cfg:        c.Register,
		token:      string(c.Tokens[0]),
		logger:     set.Logger,
		minBackoff: time.Second,
		maxBackoff: 5 * time.Minute,
	}
	return registering{p, r}, nil
}

// registering is Airmeet with its registrations kept in step: it verifies
// and decodes as Airmeet does, and runs the registrar.
type registering struct {
	*airmeet
	*registrar
}
