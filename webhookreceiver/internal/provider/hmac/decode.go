package hmac

import (
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Decode reads one JSON object, one event: its type, ID and time where the
// configuration says, its IDs wherever they are.
func (s *sender) Decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	root := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(string(d.Body), root); err != nil {
		return nil, err
	}
	typ, err := s.typeOf(d, root)
	if err != nil {
		return nil, err
	}
	return []provider.Event{bodyfields.Event(body, typ, s.keyOf(d, root), s.service, s.eventTime)}, nil
}

// typeOf is the header's value, the body's, or both joined by a dot.
func (s *sender) typeOf(d *provider.Delivery, root pcommon.Map) (string, error) {
	if s.typeHeader == "" {
		return bodyfields.TypeAt(root, s.eventType)
	}
	fromBody := bodyfields.StrAt(root, s.eventType)
	fromHeader := d.Header.Get(s.typeHeader)
	switch {
	case fromHeader == "":
		return "", errors.New("missing " + s.typeHeader + " header (event_type_header)")
	case fromBody == "":
		return fromHeader, nil
	}
	return fromHeader + "." + fromBody, nil
}

// keyOf is the configured ID, or the body's digest: a retry repeats its
// body exactly.
func (s *sender) keyOf(d *provider.Delivery, root pcommon.Map) string {
	if s.idHeader != "" {
		if id := d.Header.Get(s.idHeader); id != "" {
			return id
		}
	}
	if v, ok := bodyfields.Lookup(root, s.eventID); ok {
		if id := bodyfields.Text(v); id != "" {
			return id
		}
	}
	return provider.ContentKey(d.Body)
}
