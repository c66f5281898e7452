// Package bodyfields reads what a platform configured by the user (rather
// than written for one sender) takes from a JSON body: a value at a dot
// path, an event time in the forms senders use, and every ID field as an
// attribute. The generic platforms share it; it knows no sender.
package bodyfields

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"
	"github.com/eventhooks/collector/webhookreceiver/internal/names"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Path is a dot path of object keys ("data.type"), split; nil is no path.
type Path []string

// ParsePath splits a validated dot path; "" gives nil.
func ParsePath(s string) Path {
	if s == "" {
		return nil
	}
	return strings.Split(s, ".")
}

func (p Path) String() string { return strings.Join(p, ".") }

// ValidatePath reports, under the option's name, a dot path with an empty
// part.
func ValidatePath(option, path string) error {
	if slices.Contains(strings.Split(path, "."), "") {
		return fmt.Errorf("%s: %q: a dot path of object keys (\"type\", \"data.type\"), without empty parts", option, path)
	}
	return nil
}

// ValidateServiceName wants a name that reads well at the head of an
// attribute name: "recall" gives "recall.bot.id".
func ValidateServiceName(name string) error {
	if name == "" {
		return errors.New("service_name: required: what the sender is called in telemetry (records are named <service_name>.<event type>)")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("service_name: %q: only letters, digits, _ and - (it heads record and attribute names)", name)
		}
	}
	return nil
}

// Event is the one event of a generic platform's delivery, body being its
// JSON object: of type typ, known by key, with its time from timePath (a
// missing or malformed time is no reason to lose the event: it keeps its
// arrival time) and an attribute for each ID field (PutIDs).
func Event(body pcommon.Value, typ, key, service string, timePath Path) provider.Event {
	root := body.Map()
	ev := provider.Event{Type: typ, DeliveryKey: key, Attributes: provider.NewAttributes(attributesHint), Body: body}
	if v, ok := Lookup(root, timePath); ok {
		ev.Time = Time(v)
	}
	PutIDs(ev.Attributes, service, root)
	return ev
}

// attributesHint is room for the IDs a delivery usually carries.
const attributesHint = 4

// TypeAt is the event type at path: a non-empty string, or an error that
// says so under the option's name, event_type.
func TypeAt(root pcommon.Map, path Path) (string, error) {
	if typ := StrAt(root, path); typ != "" {
		return typ, nil
	}
	return "", errors.New(`event_type "` + path.String() + `": no non-empty string at this path of the body`)
}

// Marked is the JSON object of body when the string at path in it is
// value: how a sender marks a request that is not an event (an endpoint
// check). A body that does not hold value's bytes is not parsed: the
// common case costs a search. ok is false for anything else, a body that
// is not JSON included (its Decode says what is wrong).
func Marked(body []byte, path Path, value string) (root pcommon.Map, ok bool) {
	if !bytes.Contains(body, []byte(value)) {
		return pcommon.Map{}, false
	}
	root = pcommon.NewMap()
	if jsonpdata.ParseMap(string(body), root) != nil || StrAt(root, path) != value {
		return pcommon.Map{}, false
	}
	return root, true
}

// StrAt is the string at path, "" when there is none.
func StrAt(root pcommon.Map, path Path) string {
	if v, ok := Lookup(root, path); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

// Lookup follows a dot path through nested objects.
func Lookup(m pcommon.Map, path Path) (pcommon.Value, bool) {
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

// Text is v as text when it is a non-empty string or a number (an ID sent
// as a number keeps every digit); "" otherwise.
func Text(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeInt, pcommon.ValueTypeDouble:
		return v.AsString()
	}
	return ""
}

// TextAt is m[key] as Text has it: "" when m has no such key.
func TextAt(m pcommon.Map, key string) string {
	v, ok := m.Get(key)
	if !ok {
		return ""
	}
	return Text(v)
}

// Time reads an RFC 3339 string, or Unix seconds (milliseconds from 10^12
// on, a date no sender means in seconds); zero for anything else.
func Time(v pcommon.Value) time.Time {
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

// PutIDs sets "<service>.<entity>.id" for every …Id/…_id field with a
// scalar value, in nested objects too (not in arrays, whose items would
// compete for one name). Breadth first: where two fields give one name, the
// shallower wins, and among equals the first in the body.
func PutIDs(attrs pcommon.Map, service string, root pcommon.Map) {
	level := []pcommon.Map{root}
	for len(level) > 0 {
		var next []pcommon.Map
		for _, m := range level {
			m.Range(func(k string, v pcommon.Value) bool {
				switch v.Type() {
				case pcommon.ValueTypeMap:
					next = append(next, v.Map())
				case pcommon.ValueTypeStr, pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
					if name, ok := names.Attribute(service, k); ok {
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
