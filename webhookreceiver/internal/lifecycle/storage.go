package lifecycle

// The storage extension, when there is one, is the truth of the groups; memory
// is this process's copy, for expiry. A transaction reads its roots' groups in
// one call and writes those it changed in one, under the roots' locks alone.

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// Keys of the tracker's entries in a storage extension.
const (
	groupPrefix  = "lifecycle/root/"   // a root's group (record.go)
	closedPrefix = "lifecycle/closed/" // where an emitted span ended, as the release before kept it; no longer read
	openPrefix   = "lifecycle/open/"   // one lifecycle, as releases before the groups kept it; no longer read
)

// UseStorage keeps the tracker's state in a storage extension, for a restarted
// process or another replica to go on from. Called before the first delivery,
// it loads the groups for expiry when the client can walk them (file_storage can).
func (t *Tracker) UseStorage(ctx context.Context, client storage.Client, logger *zap.Logger) error {
	t.groups = &storageGroups{client: client, logger: logger}
	walker, ok := client.(storage.Walker)
	if !ok {
		return nil
	}
	return walker.Walk(ctx, func(key string, value []byte) ([]*storage.Operation, error) {
		if root, ok := strings.CutPrefix(key, groupPrefix); ok {
			src, g, _ := decodeGroup(root, value)
			h := []held{{root: root}}
			t.index.hold(h)
			t.keep(h[0].life, src, g)
			t.index.release(h)
		}
		return nil, nil
	})
}

// storageTimeout bounds a storage call made while roots are held: a storage
// that hangs must not hold them, and the deliveries waiting, for ever.
const storageTimeout = 10 * time.Second

// storageGroups keeps the groups in a storage extension. Not an interface (memory as nil) on
// purpose: a call through one would move a transaction's roots, and it, off its caller's stack.
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

// read reads the groups of roots (held) in one call and makes memory of them
// what the storage holds; a failed call leaves memory as it was.
func (g *storageGroups) read(t *Tracker, roots []held) error {
	if g == nil || len(roots) == 0 {
		return nil
	}
	ops := make([]*storage.Operation, len(roots))
	for i := range roots {
		ops[i] = storage.GetOperation(groupPrefix + roots[i].root)
	}
	if err := g.batch("read lifecycles from", ops); err != nil {
		return err
	}
	for i, h := range roots {
		src, group, ok := decodeGroup(h.root, ops[i].Value)
		if !ok {
			g.logger.Warn("A lifecycle record in the storage is unreadable; taken as empty", zap.String("root", h.root))
		}
		t.keep(h.life, src, group)
	}
	return nil
}

// write writes the changed groups in one call, deleting those that hold nothing.
func (g *storageGroups) write(roots []held) error {
	if g == nil {
		return nil
	}
	ops := make([]*storage.Operation, 0, len(roots))
	for _, h := range roots {
		switch {
		case !h.changed:
		case len(h.g.recs) == 0:
			ops = append(ops, storage.DeleteOperation(groupPrefix+h.root))
		default:
			ops = append(ops, storage.SetOperation(groupPrefix+h.root, encodeGroup(h.src, h.g)))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	return g.batch("write lifecycles to", ops)
}

// Stale reports whether an entry of the storage is past reading: what
// releases before this one kept beside the groups. The receiver deletes them.
func (t *Tracker) Stale(key string, _ []byte, _ time.Time) bool {
	return strings.HasPrefix(key, openPrefix) || strings.HasPrefix(key, closedPrefix)
}
