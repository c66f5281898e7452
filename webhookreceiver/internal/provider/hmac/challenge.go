package hmac

import (
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Challenge implements provider.Challenger: with a challenge configured, a
// verified delivery whose field holds the value is answered with the text
// at the echo path, as text/plain.
func (s *sender) Challenge(d *provider.Delivery) (provider.Reply, bool, error) {
	c := s.challenge
	if c == nil {
		return provider.Reply{}, false, nil
	}
	root, ok := bodyfields.Marked(d.Body, c.field, c.value)
	if !ok {
		return provider.Reply{}, false, nil
	}
	echo := ""
	if v, ok := bodyfields.Lookup(root, c.echo); ok {
		echo = bodyfields.Text(v)
	}
	if echo == "" {
		return provider.Reply{}, true, errors.New(`challenge: "` + c.echo.String() + `" must be a non-empty string`)
	}
	return provider.Reply{ContentType: "text/plain; charset=utf-8", Body: []byte(echo)}, true, nil
}
