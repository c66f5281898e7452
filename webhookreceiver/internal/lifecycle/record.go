package lifecycle

// The stored form of a group: one record per root, so that a delivery reads and writes
// what it plans against in one call each, whichever process opened what. Keys under the
// root are relative to it, fields short, the source once: a bot stays a few hundred bytes.

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

// entryRecord is one span. One written before closed spans were kept has no state: open, or waiting (no start).
type entryRecord struct {
	Key      string            `json:"k,omitempty"` // see relKey
	Name     string            `json:"n"`
	Start    time.Time         `json:"s,omitzero"`
	PerStart bool              `json:"ps,omitempty"`
	WithRoot bool              `json:"wr,omitempty"`
	Attrs    map[string]string `json:"a,omitempty"`
	Steps    []stepEntry       `json:"st,omitempty"`
	End      time.Time         `json:"e,omitzero"`
	Failed   bool              `json:"f,omitempty"`
	Message  string            `json:"m,omitempty"`
	State    state             `json:"x,omitempty"`
	By       closing           `json:"by,omitempty"`
	At       time.Time         `json:"at,omitzero"`
}

type stepEntry struct {
	Slot  string            `json:"k"` // see relKey
	Name  string            `json:"n"`
	At    time.Time         `json:"t"`
	Attrs map[string]string `json:"a,omitempty"`
}

// relKey is key as stored in root's group: "" for the root itself, the rest after the root
// ("/participant/7") for what lies under it, else the whole key (keys never start with "/").
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

// encodeGroup is the record of g, not empty: its spans by key and start, the root first.
func encodeGroup(src translate.Source, g group) []byte {
	recs := slices.Clone(g.recs)
	slices.SortFunc(recs, byKeyStart)
	r := groupRecord{Src: sourceRecord{src.Provider, src.ServiceName, src.ScopeName, src.ScopeVersion}, Open: make([]entryRecord, len(recs))}
	for i, e := range recs {
		r.Open[i] = entryRecord{
			Key: relKey(g.root, e.key), Name: e.name, Start: e.start, PerStart: e.perStart, WithRoot: e.withRoot,
			Attrs: e.attrs.asMap(), End: e.end, Failed: e.failed, Message: e.message, State: e.state, By: e.by, At: e.at,
		}
		for _, s := range e.steps {
			r.Open[i].Steps = append(r.Open[i].Steps, stepEntry{relKey(g.root, s.slot), s.name, s.at, s.attrs.asMap()})
		}
	}
	b, _ := json.Marshal(r) // strings, times, numbers and bools always marshal
	return b
}

// decodeGroup reads root's group from b: nil is an empty group; false when b is not a record.
func decodeGroup(root string, b []byte) (translate.Source, group, bool) {
	g := group{root: root}
	if b == nil {
		return translate.Source{}, g, true
	}
	var r groupRecord
	if json.Unmarshal(b, &r) != nil {
		return translate.Source{}, g, false
	}
	for _, er := range r.Open {
		e := rec{key: absKey(root, er.Key), state: er.State, by: er.By, at: er.At, open: open{
			name: er.Name, start: er.Start, perStart: er.PerStart, withRoot: er.WithRoot,
			attrs: mapAttrs(er.Attrs).compact(), end: er.End, failed: er.Failed, message: er.Message,
		}}
		if e.key != root {
			e.root = root
		}
		if e.state == stOpen && e.start.IsZero() {
			e.state = stWaiting
		}
		for _, s := range er.Steps {
			e.steps = append(e.steps, step{absKey(root, s.Slot), s.Name, s.At, mapAttrs(s.Attrs).compact()})
		}
		g.recs = append(g.recs, e)
	}
	s := r.Src
	return translate.Source{Provider: s.Provider, ServiceName: s.ServiceName, ScopeName: s.ScopeName, ScopeVersion: s.ScopeVersion}, g, true
}
