package standardwebhooks

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

// Decode reads one JSON object, one event: its type and time where the
// configuration says, its IDs wherever they are.
func (s *sender) Decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	if err := jsonpdata.ParseMap(string(d.Body), body.SetEmptyMap()); err != nil {
		return nil, err
	}
	typ, err := bodyfields.TypeAt(body.Map(), s.eventType)
	if err != nil {
		return nil, err
	}
	return []provider.Event{bodyfields.Event(body, typ, stdwebhooks.ID(d.Header), s.service, s.eventTime)}, nil
}
