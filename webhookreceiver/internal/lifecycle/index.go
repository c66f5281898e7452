package lifecycle

// The per-root index: what is open, grouped by root (a bot and its states,
// participants and utterances), each group behind a lock of its own that a
// transaction (txn.go) holds from its read to its commit, across its emit
// and storage calls. The map from root to group is split in shards, whose
// locks are held only to find, make or drop a group.
//
// The lock order, for deliveries, sweeps and the max_open check alike:
// roots' locks (life.mu) in key order, so that transactions sharing roots
// never wait in a circle; under them, for a moment and never across a call
// out, a shard's lock or Tracker.timeMu, never both. Every hold is matched by
// a deferred release, so that a panic (a consumer's, a storage's) lets go.

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
)

type index struct {
	seed   maphash.Seed
	shards [64]shard
}

type shard struct {
	mu    sync.Mutex // guards lives, and the refs of every life in it
	lives map[string]*life
}

// life is one root's lifecycle: its own open span and its children's.
type life struct {
	mu   sync.Mutex // held by the one delivery, or sweep, applying to this root
	refs int        // guarded by the shard's mu: who holds or waits for mu
	open openSet    // guarded by mu
}

// entry is an open span and its place in the expiry heap.
type entry struct {
	open     // guarded by its life's mu
	due  due // guarded by Tracker.timeMu; its time is written under both
}

// held is a root that a delivery (or a sweep) holds, with the changes it
// plans to it.
type held struct {
	root    string
	life    *life
	changes map[string]*open // key -> new state; nil closes it (made on first use)
}

// lives is where dropped lives wait to serve another root: most roots a
// delivery touches hold nothing once it is done (an utterance's bot).
var lives = sync.Pool{New: func() any { return new(life) }}

func newIndex() *index {
	ix := &index{seed: maphash.MakeSeed()}
	for i := range ix.shards {
		ix.shards[i].lives = map[string]*life{}
	}
	return ix
}

func (ix *index) shard(root string) *shard {
	return &ix.shards[maphash.String(ix.seed, root)%uint64(len(ix.shards))]
}

// hold locks the lives of roots, which are sorted and distinct, one after
// the other.
func (ix *index) hold(roots []held) {
	for i := range roots {
		s := ix.shard(roots[i].root)
		s.mu.Lock()
		l := s.lives[roots[i].root]
		if l == nil {
			l = lives.Get().(*life)
			s.lives[roots[i].root] = l
		}
		l.refs++
		s.mu.Unlock()
		l.mu.Lock()
		roots[i].life = l
	}
}

// release unlocks what hold locked, and drops the lives that hold nothing
// and that no one else waits for.
func (ix *index) release(roots []held) {
	for i := range roots {
		l := roots[i].life
		if l == nil {
			continue
		}
		roots[i].life = nil
		s := ix.shard(roots[i].root)
		s.mu.Lock()
		l.refs--
		drop := l.refs == 0 && l.open.len() == 0
		if drop {
			delete(s.lives, roots[i].root)
		}
		s.mu.Unlock()
		l.mu.Unlock()
		if drop {
			lives.Put(l)
		}
	}
}

// sortedRoots sorts roots by key and drops repeats: the order hold takes them in.
func sortedRoots(roots []held) []held {
	slices.SortFunc(roots, func(a, b held) int { return strings.Compare(a.root, b.root) })
	return slices.CompactFunc(roots, func(a, b held) bool { return a.root == b.root })
}
