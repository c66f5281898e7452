package eventsair

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/names"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

// attributesHint is room for the IDs a delivery usually carries (event,
// registration, contact, correlation).
const attributesHint = 4

// Decode reads {"type": "...", "data": {...}}: one event per delivery.
func (p *eventsAir) Decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	root := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(string(d.Body), root); err != nil {
		return nil, err
	}
	typ, ok := root.Get("type")
	if !ok || typ.Type() != pcommon.ValueTypeStr || typ.Str() == "" {
		return nil, errors.New(`"type" must be a non-empty string`)
	}
	ev := provider.Event{
		Type:        typ.Str(),
		DeliveryKey: stdwebhooks.ID(d.Header),
		Attributes:  provider.NewAttributes(attributesHint),
		Body:        body,
	}
	if data, ok := root.Get("data"); ok {
		if data.Type() != pcommon.ValueTypeMap {
			return nil, errors.New(`"data" must be an object`)
		}
		data.Map().Range(func(k string, v pcommon.Value) bool {
			if name, ok := names.Attribute(key, k); ok && v.Type() != pcommon.ValueTypeEmpty {
				ev.Attributes.PutStr(name, v.AsString())
			}
			return true
		})
		if ts, ok := data.Map().Get("timestamp"); ok && ts.Type() == pcommon.ValueTypeStr {
			// A malformed time is no reason to lose the event: it keeps its
			// arrival time instead.
			if t, err := time.Parse(time.RFC3339Nano, ts.Str()); err == nil {
				ev.Time = t
			}
		}
	}
	return []provider.Event{ev}, nil
}
