package lifecycle

// The per-root index: each root's group in memory, behind a lock a transaction
// (txn.go) holds from its read to its commit, across a delivery's emit and
// storage calls. The map is in shards, locked only to find, make or drop a group.
//
// The lock order: roots' locks (life.mu) in key order, so that transactions sharing roots never wait in
// a circle; under them, for a moment and never across a call out, a shard's lock or Tracker.timeMu,
// never both. Every hold has a deferred release, so that a panic (a consumer's, a storage's) lets go.

import (
	"hash/maphash"
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
	mu                sync.Mutex       // held by the one transaction on this root
	refs              int              // guarded by the shard's mu: who holds or waits for mu
	src               translate.Source // guarded by mu: who sent the root's events
	g                 group            // guarded by mu
	nOpen, nKept      int              // what the tracker's counts hold of g, guarded by mu
	due, opened, kept due              // its places in the Tracker's heaps, guarded by Tracker.timeMu
}

// held is a root a transaction holds, its group as changed, and the spans out.
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

// hold locks the lives of roots, which are sorted and distinct.
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

// release unlocks what hold locked, dropping the lives that hold nothing and no one waits for.
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
