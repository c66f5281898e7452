package lifecycle

// The stored forms of what is open. A root's group (the root's own open
// span and its open children) is one record, so that a delivery reads and
// writes what it plans against in one call each, whichever process opened
// what. Keys and slots under the root are kept relative to it, fields under
// short names and the source once: a bot with its phases stays a few
// hundred bytes.

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// groupRecord is a root's group as stored under groupPrefix+root.
type groupRecord struct {
	Src  sourceRecord  `json:"src"`
	Open []entryRecord `json:"open"`
}

type sourceRecord struct {
	Provider     string `json:"p"`
	ServiceName  string `json:"sn,omitempty"`
	ScopeName    string `json:"scope,omitempty"`
	ScopeVersion string `json:"v,omitempty"`
}

type entryRecord struct {
	Key      string            `json:"k,omitempty"`   // see relKey
	Src      *sourceRecord     `json:"src,omitempty"` // when not the group's
	Name     string            `json:"n"`
	Start    time.Time         `json:"s,omitzero"`
	PerStart bool              `json:"ps,omitempty"`
	WithRoot bool              `json:"wr,omitempty"`
	Attrs    map[string]string `json:"a,omitempty"`
	Steps    []stepEntry       `json:"st,omitempty"`
	End      time.Time         `json:"e,omitzero"`
	Failed   bool              `json:"f,omitempty"`
	Message  string            `json:"m,omitempty"`
}

type stepEntry struct {
	Slot  string            `json:"k"` // see relKey
	Name  string            `json:"n"`
	At    time.Time         `json:"t"`
	Attrs map[string]string `json:"a,omitempty"`
}

// keyed is an open lifecycle and its key.
type keyed struct {
	key string
	o   *open
}

// relKey is key as stored in root's group: "" for the root itself, the
// rest after the root ("/participant/7") for what lies under it, else the
// whole key (keys never start with "/").
func relKey(root, key string) string {
	if rest, ok := strings.CutPrefix(key, root); ok && (rest == "" || rest[0] == '/') {
		return rest
	}
	return key
}

func absKey(root, rel string) string {
	if rel == "" || rel[0] == '/' {
		return root + rel
	}
	return rel
}

func sourceOf(s translate.Source) sourceRecord {
	return sourceRecord{s.Provider, s.ServiceName, s.ScopeName, s.ScopeVersion}
}

func (s sourceRecord) source() translate.Source {
	return translate.Source{Provider: s.Provider, ServiceName: s.ServiceName, ScopeName: s.ScopeName, ScopeVersion: s.ScopeVersion}
}

// encodeGroup is the record of root's group; entries is not empty. The
// entries are written in the order of their keys, the root first.
func encodeGroup(root string, entries []keyed) []byte {
	slices.SortFunc(entries, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	r := groupRecord{Src: sourceOf(entries[0].o.src), Open: make([]entryRecord, len(entries))}
	for i, e := range entries {
		o := e.o
		er := entryRecord{
			Key: relKey(root, e.key), Name: o.name, Start: o.start, PerStart: o.perStart, WithRoot: o.withRoot,
			Attrs: o.attrs.asMap(), End: o.end, Failed: o.failed, Message: o.message,
		}
		if s := sourceOf(o.src); s != r.Src {
			er.Src = &s
		}
		for _, s := range o.steps {
			er.Steps = append(er.Steps, stepEntry{relKey(root, s.slot), s.name, s.at, s.attrs.asMap()})
		}
		r.Open[i] = er
	}
	b, _ := json.Marshal(r) // strings, times and bools always marshal
	return b
}

// decodeGroup reads the record of root's group: no record is an empty
// group; false when the record is not one.
func decodeGroup(root string, b []byte) (map[string]open, bool) {
	if b == nil {
		return nil, true
	}
	var r groupRecord
	if json.Unmarshal(b, &r) != nil {
		return nil, false
	}
	group := make(map[string]open, len(r.Open))
	for _, er := range r.Open {
		src := r.Src
		if er.Src != nil {
			src = *er.Src
		}
		key := absKey(root, er.Key)
		o := open{
			src: src.source(), name: er.Name, start: er.Start, perStart: er.PerStart, withRoot: er.WithRoot,
			attrs: mapAttrs(er.Attrs).compact(), end: er.End, failed: er.Failed, message: er.Message,
		}
		if key != root {
			o.root = root
		}
		for _, s := range er.Steps {
			o.steps = append(o.steps, step{absKey(root, s.Slot), s.Name, s.At, mapAttrs(s.Attrs).compact()})
		}
		group[key] = o
	}
	return group, true
}
