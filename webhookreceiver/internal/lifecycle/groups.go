package lifecycle

import "time"

// Where the groups of what is open are kept for good, each root's read and
// written whole: memory itself without a storage extension, the storage
// with one (storageGroups, storage.go). A delivery or a sweep holds its
// roots, reads their groups, which brings memory of them to what is kept,
// plans on memory, emits, writes the groups back, and only then changes
// memory (Tracker.commit).
//
// Tracker.groups is a *storageGroups whose nil is memory: there is nothing
// to read back, and a write, made in memory by commit, cannot fail. It is
// not an interface on purpose: a call through one would take the roots a
// plan holds, and with them the plan, off its caller's stack, an
// allocation on every delivery.

// fetched is the record of a span's close, read with the groups.
type fetched struct {
	key    string
	end    time.Time
	closed bool
}
