package eventsair

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Decode reads {"type": "...", "data": {...}}: one event per delivery.
func (p *eventsAir) Decode(d *provider.Delivery) ([]provider.Event, error) {
	body := pcommon.NewValueEmpty()
	root := body.SetEmptyMap()
	if err := jsonpdata.ParseMap(d.Body, root); err != nil {
		return nil, err
	}
	typ, ok := root.Get("type")
	if !ok || typ.Type() != pcommon.ValueTypeStr || typ.Str() == "" {
		return nil, errors.New(`"type" must be a non-empty string`)
	}
	ev := provider.Event{
		Type:        typ.Str(),
		DeliveryKey: d.Header.Get(headerID),
		Attributes:  pcommon.NewMap(),
		Body:        body,
	}
	if data, ok := root.Get("data"); ok {
		if data.Type() != pcommon.ValueTypeMap {
			return nil, errors.New(`"data" must be an object`)
		}
		data.Map().Range(func(k string, v pcommon.Value) bool {
			if name, ok := entityName(k); ok && v.Type() != pcommon.ValueTypeEmpty {
				ev.Attributes.PutStr(key+"."+name+".id", v.AsString())
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

// entityName turns a field such as "activityBreakAgendaItemId" into
// "activity_break_agenda_item"; ok is false for a field that is not an ID.
func entityName(field string) (string, bool) {
	stem, ok := strings.CutSuffix(field, "Id")
	if !ok {
		stem, ok = strings.CutSuffix(field, "ID")
	}
	if !ok || stem == "" {
		return "", false
	}
	var b strings.Builder
	runes := []rune(stem)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			// A new word starts at an upper-case letter after a lower-case one
			// or a digit, or at the last capital of an acronym ("URLPath").
			if i > 0 && (!unicode.IsUpper(runes[i-1]) || i+1 < len(runes) && unicode.IsLower(runes[i+1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String(), true
}
