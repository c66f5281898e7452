package lifecycle

// The storage: with a storage extension, it is the truth of what is open,
// and memory only this process's expiry index of it, behind what other
// replicas wrote since. A transaction reads its roots' groups from it in one
// call, which makes memory of them what the storage holds, and writes the
// groups it changed back in one call at commit; under the roots' locks alone.

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storedtime"
)

// Keys of the tracker's entries in a storage extension.
const (
	groupPrefix  = "lifecycle/root/"   // a root's group (record.go)
	closedPrefix = "lifecycle/closed/" // where an emitted span ended
	openPrefix   = "lifecycle/open/"   // one lifecycle, as releases before the groups kept it; no longer read
)

// UseStorage keeps the tracker's state in a storage extension: a restarted
// process, or another replica sharing the storage, goes on where the last
// one stopped. It loads what is open, for expiry, when the client can walk
// its entries (file_storage can). Call it before the first delivery.
func (t *Tracker) UseStorage(ctx context.Context, client storage.Client, logger *zap.Logger) error {
	t.groups = &storageGroups{client: client, logger: logger}
	walker, ok := client.(storage.Walker)
	if !ok {
		return nil
	}
	return walker.Walk(ctx, func(key string, value []byte) ([]*storage.Operation, error) {
		if root, ok := strings.CutPrefix(key, groupPrefix); ok {
			group, _ := decodeGroup(root, value)
			h := []held{{root: root}}
			t.index.hold(h)
			for k, o := range group {
				t.put(&h[0], k, o)
			}
			t.index.release(h)
		}
		return nil, nil // the records of closes are read when a transition asks
	})
}

// storageTimeout bounds a storage call made while roots are held: a storage
// that hangs must not hold them, and the deliveries waiting for them, for
// ever. The call is then refused as any failed one.
const storageTimeout = 10 * time.Second

// storageGroups keeps the groups in a storage extension, with the records
// of where spans closed; Tracker.groups is nil for memory, which has
// nothing to read back and whose writes, made by commit, cannot fail. Not
// an interface on purpose: a call through one would move the roots a plan
// holds, and with them the plan, off its caller's stack.
type storageGroups struct {
	client storage.Client
	logger *zap.Logger
}

func (g *storageGroups) batch(what string, ops []*storage.Operation) error {
	ctx, cancel := context.WithTimeout(context.Background(), storageTimeout)
	defer cancel()
	if err := g.client.Batch(ctx, ops...); err != nil {
		g.logger.Warn("Could not "+what+" the storage", zap.Error(err))
		return ErrStorage
	}
	return nil
}

// read reads, in one call, the groups of roots (held) and the records of
// the closes that the events' starts and ends may ask for (plan.span), and
// makes memory of them what the storage holds: planning and expiry then
// work on memory alone. When the call fails, memory is left as it was, and
// nothing is planned or written for the roots.
func (g *storageGroups) read(t *Tracker, roots []held, events []provider.Event) error {
	if g == nil || len(roots) == 0 {
		return nil
	}
	ops := make([]*storage.Operation, 0, len(roots)+1)
	for i := range roots {
		ops = append(ops, storage.GetOperation(groupPrefix+roots[i].root))
	}
	for i := range events {
		for j := range events[i].Transitions {
			tr := &events[i].Transitions[j]
			if tr.Start.IsZero() && tr.End.IsZero() || slices.ContainsFunc(ops[len(roots):], func(op *storage.Operation) bool { return op.Key[len(closedPrefix):] == tr.Key }) {
				continue
			}
			ops = append(ops, storage.GetOperation(closedPrefix+tr.Key))
		}
	}
	if err := g.batch("read lifecycles from", ops); err != nil {
		return err
	}
	for i := range roots {
		h := &roots[i]
		group, ok := decodeGroup(h.root, ops[i].Value)
		if !ok {
			g.logger.Warn("A lifecycle record in the storage is unreadable; taken as empty", zap.String("root", h.root))
		}
		// What is missing there was closed by another process, what is
		// there may have moved on, or been opened elsewhere.
		for key := range h.life.open.all() {
			if _, ok := group[key]; !ok {
				t.remove(h.life, key)
			}
		}
		for key, o := range group {
			t.put(h, key, o)
		}
	}
	for _, op := range ops[len(roots):] {
		if end, ok := storedtime.Decode(op.Value); ok {
			t.markClosed(op.Key[len(closedPrefix):], end)
		}
	}
	return nil
}

// write writes a commit's changes, in one call, before memory takes them:
// where the spans closed ended, and the groups of the roots changed as the
// changes make them (deleted when nothing stays open).
func (g *storageGroups) write(roots []held, ends map[string]time.Time) error {
	if g == nil {
		return nil
	}
	ops := make([]*storage.Operation, 0, len(ends)+len(roots))
	for key, end := range ends {
		ops = append(ops, storage.SetOperation(closedPrefix+key, storedtime.Encode(end)))
	}
	for i := range roots {
		h := &roots[i]
		if len(h.changes) == 0 {
			continue
		}
		var entries []keyed
		h.planned(func(key string, o *open) { entries = append(entries, keyed{key, o}) })
		if len(entries) == 0 {
			ops = append(ops, storage.DeleteOperation(groupPrefix+h.root))
		} else {
			ops = append(ops, storage.SetOperation(groupPrefix+h.root, encodeGroup(h.root, entries)))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	return g.batch("write lifecycles to", ops)
}

// Stale reports whether an entry of the storage is past reading: the record
// of a span closed longer ago than the timeout, or one no longer readable
// (a start that late is past caring), or a lifecycle as releases before the
// groups kept it. The receiver deletes such entries as it walks the
// storage, on its own clock, so a record may outlive the timeout a little.
func (t *Tracker) Stale(key string, value []byte, now time.Time) bool {
	if strings.HasPrefix(key, openPrefix) {
		return true
	}
	if !strings.HasPrefix(key, closedPrefix) {
		return false
	}
	end, ok := storedtime.Decode(value)
	return !ok || t.forgotten(end, now)
}

// forgotten reports whether a span that ended at end is no longer
// remembered closed at now.
func (t *Tracker) forgotten(end, now time.Time) bool { return now.Sub(end) > t.timeout }
