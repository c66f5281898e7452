package hmac

import (
	"bytes"
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Challenge implements provider.Challenger: with a challenge configured, a
// verified delivery whose field holds the value is answered with the text
// at the echo path, as text/plain.
func (s *sender) Challenge(d *provider.Delivery) (provider.Reply, bool, error) {
	c := s.challenge
	if c == nil || !bytes.Contains(d.Body, []byte(c.value)) {
		return provider.Reply{}, false, nil // the common case, without parsing
	}
	root := pcommon.NewMap()
	if err := jsonpdata.ParseMap(string(d.Body), root); err != nil {
		return provider.Reply{}, false, nil // Decode says what is wrong
	}
	if v, ok := bodyfields.Lookup(root, c.field); !ok || v.Type() != pcommon.ValueTypeStr || v.Str() != c.value {
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
