package lifecycle

// max_open with replicas: each process's memory holds what it has seen
// open, and another replica may have closed some of it since. Counted as
// open, those would push a sweep past max_open and make it cut live
// lifecycles, the oldest first. So before a sweep forces anything closed
// for max_open, with a storage, it first reads back what memory holds,
// batch by batch, and forgets what the storage no longer has open, until
// it is within max_open or has read everything.

// verifyOpen makes memory's count of what is open the storage's, as far as
// it must for max_open; without a storage, or within max_open, it does
// nothing. A batch the storage cannot read ends it: the sweep then works
// with what memory holds, as before.
func (t *Tracker) verifyOpen() {
	if t.groups == nil || t.Open() <= t.maxOpen {
		return
	}
	t.timeMu.Lock()
	var roots []held
	for _, s := range t.opened.s {
		if s.d != nil {
			roots = append(roots, held{root: s.d.root})
		}
	}
	t.timeMu.Unlock()
	roots = sortedRoots(roots)
	for len(roots) > 0 && t.Open() > t.maxOpen {
		n := min(len(roots), sweepBatch)
		if !t.verifyBatch(roots[:n]) {
			return
		}
		roots = roots[n:]
	}
}

// verifyBatch reads back the groups of roots (sorted, distinct), which makes
// memory of them what the storage holds; false when it cannot be read.
func (t *Tracker) verifyBatch(roots []held) bool {
	t.index.hold(roots)
	defer t.index.release(roots) // a panic in the storage lets them go too
	return t.groups.read(t, roots, nil)
}
