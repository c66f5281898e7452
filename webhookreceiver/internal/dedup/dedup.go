// Package dedup remembers which deliveries were already accepted, so that a
// platform's retry of an accepted delivery is answered without emitting it again.
package dedup

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"
)

// Signals is a set of the pipelines a delivery is emitted to: each
// remembers on its own what it accepted, so that when one refuses, the
// platform's retry feeds only that one again.
type Signals uint8

const (
	Logs Signals = 1 << iota
	Traces
)

// Store remembers delivery keys for a window of time, with the signals each
// was emitted to. A durable implementation (over a storage extension)
// serves as well as Memory.
type Store interface {
	// Seen returns the signals key was remembered for within the window.
	Seen(ctx context.Context, key string) (Signals, error)
	// Remember records key as emitted to signals, from now on.
	Remember(ctx context.Context, key string, signals Signals) error
}

// generations is how many slices the window is cut into: a key is forgotten
// between window and window*(1+1/generations) after it was remembered.
const generations = 4

// digest is what Memory keeps of a key: 16 bytes whatever the key's length,
// so that a million keys fit in a few tens of megabytes.
type digest [16]byte

// digestSeeds key Memory's digests: two independent 64-bit hashes, so
// that two keys collide with a chance of 2^-128. Memory lives in one
// process, so the digests need not be stable; they need to be cheap (a
// delivery asks for one up to three times). Storage uses SHA-256.
var digestSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func digestOf(key string) digest {
	var d digest
	binary.LittleEndian.PutUint64(d[:8], maphash.String(digestSeeds[0], key))
	binary.LittleEndian.PutUint64(d[8:], maphash.String(digestSeeds[1], key))
	return d
}

// Memory is a Store in memory, bounded in time and in size. Keys are kept in
// generations, each spanning window/generations; the oldest generation is
// dropped when it leaves the window, or early when the store is full.
type Memory struct {
	mu     sync.Mutex
	now    func() time.Time
	span   time.Duration
	perGen int // keys one generation may hold
	size   int
	// gens[0] is the current generation; started is when it began. A key
	// remembered for its signals in several generations has an entry in
	// each; Seen joins them.
	gens    [generations + 1]map[digest]Signals
	started time.Time
}

// NewMemory returns a Memory remembering keys for window, at most maxKeys of
// them. now is the clock; time.Now when nil.
func NewMemory(window time.Duration, maxKeys int, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, span: window / generations, started: now()}
	// All generations full hold exactly maxKeys.
	m.perGen = max(1, maxKeys/len(m.gens))
	for i := range m.gens {
		m.gens[i] = map[digest]Signals{}
	}
	return m
}

// Seen implements Store.
func (m *Memory) Seen(_ context.Context, key string) (Signals, error) {
	d := digestOf(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rotate()
	var s Signals
	for _, g := range m.gens {
		s |= g[d]
	}
	return s, nil
}

// Remember implements Store.
func (m *Memory) Remember(_ context.Context, key string, signals Signals) error {
	d := digestOf(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rotate()
	if had, ok := m.gens[0][d]; ok {
		m.gens[0][d] = had | signals
		return nil
	}
	// A full generation starts the next one early: the bound on memory
	// holds under any traffic, at the cost of a shorter window.
	if len(m.gens[0]) >= m.perGen {
		m.shift()
		m.started = m.now()
	}
	m.gens[0][d] = signals
	m.size++
	return nil
}

// Len returns how many keys are remembered.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.size
}

// rotate starts new generations for the time that passed, dropping the ones
// that fell out of the window.
func (m *Memory) rotate() {
	now := m.now()
	for n := 0; now.Sub(m.started) >= m.span && n <= generations; n++ {
		m.shift()
		m.started = m.started.Add(m.span)
	}
	if now.Sub(m.started) >= m.span { // idle for longer than the whole window
		m.started = now
	}
}

// shift drops the oldest generation and starts an empty current one.
func (m *Memory) shift() {
	m.size -= len(m.gens[generations])
	copy(m.gens[1:], m.gens[:generations])
	m.gens[0] = map[digest]Signals{}
}
