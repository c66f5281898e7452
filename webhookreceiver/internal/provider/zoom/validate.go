package zoom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// urlValidation is the event Zoom sends to check an endpoint when the
// subscription is saved, and every 72 hours after.
const urlValidation = "endpoint.url_validation"

var (
	eventField = bodyfields.Path{"event"}
	plainToken = bodyfields.Path{"payload", "plainToken"}
)

// Challenge implements provider.Challenger: a URL validation is answered
// with {"plainToken", "encryptedToken"}, the token's hex HMAC-SHA256 under
// the secret token that signed the request, which proves to Zoom that this
// endpoint holds the secret.
func (z *zoom) Challenge(d *provider.Delivery) (provider.Reply, bool, error) {
	root, ok := bodyfields.Marked(d.Body, eventField, urlValidation)
	if !ok {
		return provider.Reply{}, false, nil
	}
	plain := bodyfields.StrAt(root, plainToken)
	if plain == "" {
		return provider.Reply{}, true, errors.New(`endpoint.url_validation: "payload.plainToken" must be a non-empty string`)
	}
	signer := z.Signer(d)
	if signer < 0 {
		return provider.Reply{}, true, errors.New("endpoint.url_validation: not signed with a configured secret token")
	}
	mac := hmac.New(sha256.New, z.keys[signer])
	mac.Write([]byte(plain))
	body, err := json.Marshal(struct {
		PlainToken     string `json:"plainToken"`
		EncryptedToken string `json:"encryptedToken"`
	}{plain, hex.EncodeToString(mac.Sum(nil))})
	if err != nil {
		return provider.Reply{}, true, err
	}
	return provider.Reply{ContentType: "application/json", Body: body}, true, nil
}
