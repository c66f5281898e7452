package lifecycle

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/storedtime"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// Keys of the tracker's entries in a storage extension.
const (
	openPrefix   = "lifecycle/open/"
	closedPrefix = "lifecycle/closed/"
)

// UseStorage keeps the tracker's state in a storage extension as well as in
// memory: what commits write through, and a lifecycle missing from memory is
// looked up there, so that a restarted process, or another replica sharing
// the storage, goes on where the last one stopped. It loads what the storage
// holds when the client can walk its entries (file_storage can). Call it
// before the first delivery.
//
// The storage is read and written under the locks of the roots concerned
// alone: deliveries of other lifecycles do not wait for it.
func (t *Tracker) UseStorage(ctx context.Context, client storage.Client, logger *zap.Logger) error {
	t.store, t.logger = client, logger
	walker, ok := client.(storage.Walker)
	if !ok {
		return nil
	}
	return walker.Walk(ctx, func(key string, value []byte) ([]*storage.Operation, error) {
		switch {
		case strings.HasPrefix(key, openPrefix):
			if o, ok := decodeOpen(value); ok {
				key = strings.TrimPrefix(key, openPrefix)
				root := []held{{root: o.root}}
				if o.root == "" {
					root[0].root = key
				}
				t.index.hold(root)
				t.put(&root[0], key, o)
				t.index.release(root)
			}
		case strings.HasPrefix(key, closedPrefix):
			if end, ok := storedtime.Decode(value); ok {
				t.markClosed(map[string]time.Time{strings.TrimPrefix(key, closedPrefix): end})
			}
		}
		return nil, nil
	})
}

// loadOpen looks up a lifecycle of the held root h missing from memory and,
// in the same call, the record of its span's close: a start asks for it
// next (see plan.closedAt).
func (p *plan) loadOpen(h *held, key string) (open, bool) {
	t := p.tracker
	if t.store == nil {
		return open{}, false
	}
	ops := []*storage.Operation{storage.GetOperation(openPrefix + key), storage.GetOperation(closedPrefix + key)}
	if err := t.store.Batch(context.Background(), ops...); err != nil {
		t.logger.Warn("Could not read a lifecycle from the storage", zap.Error(err))
		return open{}, false
	}
	p.looked.key = key
	p.looked.end, p.looked.closed = storedtime.Decode(ops[1].Value)
	o, ok := decodeOpen(ops[0].Value)
	if ok {
		t.put(h, key, o)
	}
	return o, ok
}

// loadClosed looks up where a span emitted elsewhere ended.
func (t *Tracker) loadClosed(key string) (time.Time, bool) {
	if t.store == nil {
		return time.Time{}, false
	}
	v, err := t.store.Get(context.Background(), closedPrefix+key)
	if err != nil {
		return time.Time{}, false
	}
	return storedtime.Decode(v)
}

// openOp writes o under key, or deletes it (o nil).
func openOp(key string, o *open) *storage.Operation {
	if o == nil {
		return storage.DeleteOperation(openPrefix + key)
	}
	return storage.SetOperation(openPrefix+key, encodeOpen(*o))
}

// closedOps record where the spans under the keys of ends ended.
func closedOps(ends map[string]time.Time) []*storage.Operation {
	ops := make([]*storage.Operation, 0, len(ends))
	for key, end := range ends {
		ops = append(ops, storage.SetOperation(closedPrefix+key, storedtime.Encode(end)))
	}
	return ops
}

// write applies committed changes to the storage, in one call; a failure
// is logged: the state in memory is right, only a restart or another
// replica would miss it.
func (t *Tracker) write(ops []*storage.Operation) {
	if t.store == nil || len(ops) == 0 {
		return
	}
	if err := t.store.Batch(context.Background(), ops...); err != nil {
		t.logger.Warn("Could not write lifecycles to the storage", zap.Error(err))
	}
}

// closedElsewhere reports, in one call, which of the open dues another
// process closed meanwhile: those are not this one's to expire. When the
// storage cannot tell, they are taken as still open.
func (t *Tracker) closedElsewhere(dues []*due) []bool {
	gone := make([]bool, len(dues))
	if t.store == nil || len(dues) == 0 {
		return gone
	}
	gets := make([]*storage.Operation, len(dues))
	for i, d := range dues {
		gets[i] = storage.GetOperation(openPrefix + d.key)
	}
	if err := t.store.Batch(context.Background(), gets...); err != nil {
		return gone
	}
	for i, op := range gets {
		gone[i] = op.Value == nil
	}
	return gone
}

// Stale reports whether an entry of the storage is the record of a span
// closed longer ago than the timeout, or one no longer readable: a start that
// late is past caring. The receiver deletes such entries as it walks the
// storage, on its own clock, so a record may outlive the timeout a little.
func (t *Tracker) Stale(key string, value []byte, now time.Time) bool {
	if !strings.HasPrefix(key, closedPrefix) {
		return false
	}
	end, ok := storedtime.Decode(value)
	return !ok || t.forgotten(end, now)
}

// forgotten reports whether a span that ended at end is no longer
// remembered closed at now.
func (t *Tracker) forgotten(end, now time.Time) bool { return now.Sub(end) > t.timeout }

// record is an open lifecycle as stored.
type record struct {
	Provider, ServiceName, ScopeName, ScopeVersion string
	Root, Name                                     string
	Start                                          time.Time
	PerStart, WithRoot                             bool
	Attrs                                          map[string]string
	Steps                                          []stepRecord
	End                                            time.Time
	Failed                                         bool
	Message                                        string
}

type stepRecord struct {
	Slot, Name string
	At         time.Time
	Attrs      map[string]string
}

func encodeOpen(o open) []byte {
	r := record{
		Provider: o.src.Provider, ServiceName: o.src.ServiceName, ScopeName: o.src.ScopeName, ScopeVersion: o.src.ScopeVersion,
		Root: o.root, Name: o.name, Start: o.start, PerStart: o.perStart, WithRoot: o.withRoot, Attrs: o.attrs.asMap(),
		End: o.end, Failed: o.failed, Message: o.message,
	}
	for _, s := range o.steps {
		r.Steps = append(r.Steps, stepRecord{s.slot, s.name, s.at, s.attrs.asMap()})
	}
	b, _ := json.Marshal(r) // a record of strings, times and bools always marshals
	return b
}

func decodeOpen(b []byte) (open, bool) {
	var r record
	if len(b) == 0 || json.Unmarshal(b, &r) != nil {
		return open{}, false
	}
	o := open{
		src:  translate.Source{Provider: r.Provider, ServiceName: r.ServiceName, ScopeName: r.ScopeName, ScopeVersion: r.ScopeVersion},
		root: r.Root, name: r.Name, start: r.Start, perStart: r.PerStart, withRoot: r.WithRoot, attrs: mapAttrs(r.Attrs).compact(),
		end: r.End, failed: r.Failed, message: r.Message,
	}
	for _, s := range r.Steps {
		o.steps = append(o.steps, step{s.Slot, s.Name, s.At, mapAttrs(s.Attrs).compact()})
	}
	return o, true
}
