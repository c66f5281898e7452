package standardwebhooks

import (
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

// attributesHint is room for the IDs a delivery usually carries.
const attributesHint = 4

// Decode reads one JSON object, one event: its type and time where the
// configuration says, its IDs wherever they are.
func (s *sender) Decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	root := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(string(d.Body), root); err != nil {
		return nil, err
	}
	typ, ok := bodyfields.Lookup(root, s.eventType)
	if !ok || typ.Type() != pcommon.ValueTypeStr || typ.Str() == "" {
		return nil, errors.New(`event_type "` + s.eventType.String() + `": no non-empty string at this path of the body`)
	}
	ev := provider.Event{
		Type:        typ.Str(),
		DeliveryKey: stdwebhooks.ID(d.Header),
		Attributes:  provider.NewAttributes(attributesHint),
		Body:        body,
	}
	if s.eventTime != nil {
		// A missing or malformed time is no reason to lose the event: it
		// keeps its arrival time instead.
		if v, ok := bodyfields.Lookup(root, s.eventTime); ok {
			ev.Time = bodyfields.Time(v)
		}
	}
	bodyfields.PutIDs(ev.Attributes, s.service, root)
	return []provider.Event{ev}, nil
}
