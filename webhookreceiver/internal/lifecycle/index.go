package lifecycle

// The per-root index: each root's group in memory (a bot and its states,
// participants and utterances), behind a lock of its own that a
// transaction (txn.go) holds from its read to its commit, across a
// delivery's emit and its storage calls (a sweep emits with none held). The map from root to group is split in shards, whose
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

	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

type index struct {
	seed   maphash.Seed
	shards [64]shard
}

type shard struct {
	mu    sync.Mutex // guards lives, and the refs of every life in it
	lives map[string]*life
}

// life is one root's group in memory.
type life struct {
	mu   sync.Mutex       // held by the one delivery, or sweep, applying to this root
	refs int              // guarded by the shard's mu: who holds or waits for mu
	src  translate.Source // guarded by mu: who sent the root's events
	g    group            // guarded by mu
	// Its places in the Tracker's heaps, guarded by Tracker.timeMu.
	due    due // by when expiry has to do with it
	opened due // by its oldest open span, while it has one
	kept   due // by its oldest tombstone, while it has one
}

// held is a root that a transaction holds, its group as the transaction
// changed it, and the spans that came out of it.
type held struct {
	root    string
	life    *life
	src     translate.Source
	g       group
	out     []rec
	changed bool
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
			l.due.i, l.opened.i, l.kept.i = -1, -1, -1
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
		drop := l.refs == 0 && len(l.g.recs) == 0
		if drop {
			delete(s.lives, roots[i].root)
		}
		s.mu.Unlock()
		l.mu.Unlock()
		if drop {
			*l = life{g: group{recs: l.g.recs[:0]}} // its array serves the next root
			lives.Put(l)
		}
	}
}

// sortedRoots sorts roots by key and drops repeats: the order hold takes them in.
func sortedRoots(roots []held) []held {
	slices.SortFunc(roots, func(a, b held) int { return strings.Compare(a.root, b.root) })
	return slices.CompactFunc(roots, func(a, b held) bool { return a.root == b.root })
}
