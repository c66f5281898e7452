package standardwebhooks

import (
	"errors"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/names"
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
	typ, ok := lookup(root, s.eventType)
	if !ok || typ.Type() != pcommon.ValueTypeStr || typ.Str() == "" {
		return nil, errors.New("event_type " + quote(s.eventType) + ": no non-empty string at this path of the body")
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
		if v, ok := lookup(root, s.eventTime); ok {
			ev.Time = eventTime(v)
		}
	}
	s.putIDs(ev.Attributes, root)
	return []provider.Event{ev}, nil
}

// lookup follows a dot path through nested objects.
func lookup(m pcommon.Map, path []string) (pcommon.Value, bool) {
	for i, k := range path {
		v, ok := m.Get(k)
		if !ok {
			return pcommon.Value{}, false
		}
		if i == len(path)-1 {
			return v, true
		}
		if v.Type() != pcommon.ValueTypeMap {
			return pcommon.Value{}, false
		}
		m = v.Map()
	}
	return pcommon.Value{}, false
}

func quote(path []string) string { return `"` + strings.Join(path, ".") + `"` }

// eventTime reads an RFC 3339 string, or Unix seconds (milliseconds from
// 10^12 on, a date no sender means in seconds); zero for anything else.
func eventTime(v pcommon.Value) time.Time {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if t, err := time.Parse(time.RFC3339Nano, v.Str()); err == nil {
			return t
		}
	case pcommon.ValueTypeInt:
		switch n := v.Int(); {
		case n <= 0 || n >= maxMillis:
		case n < minMillis:
			return time.Unix(n, 0).UTC()
		default:
			return time.UnixMilli(n).UTC()
		}
	case pcommon.ValueTypeDouble:
		switch n := v.Double(); {
		case !(n > 0 && n < maxMillis): // NaN too
		case n < minMillis:
			return time.UnixMicro(int64(math.Round(n * 1e6))).UTC()
		default:
			return time.UnixMicro(int64(math.Round(n * 1e3))).UTC()
		}
	}
	return time.Time{}
}

// A number from minMillis on is milliseconds; from maxMillis on (the year
// 33658 in milliseconds), not a time.
const (
	minMillis = 1e12
	maxMillis = 1e15
)

// putIDs sets "<service>.<entity>.id" for every …Id/…_id field with a
// scalar value, in nested objects too (not in arrays, whose items would
// compete for one name). Breadth first: where two fields give one name, the
// shallower wins, and among equals the first in the body.
func (s *sender) putIDs(attrs pcommon.Map, root pcommon.Map) {
	level := []pcommon.Map{root}
	for len(level) > 0 {
		var next []pcommon.Map
		for _, m := range level {
			m.Range(func(k string, v pcommon.Value) bool {
				switch v.Type() {
				case pcommon.ValueTypeMap:
					next = append(next, v.Map())
				case pcommon.ValueTypeStr, pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
					if name, ok := names.Attribute(s.service, k); ok {
						if _, dup := attrs.Get(name); !dup {
							attrs.PutStr(name, v.AsString())
						}
					}
				}
				return true
			})
		}
		level = next
	}
}
