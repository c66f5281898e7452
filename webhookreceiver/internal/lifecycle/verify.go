package lifecycle

// verifyOpen makes memory's count of what is open the storage's, as far as
// max_open needs: counted as open, what another replica closed since would
// make a sweep cut live lifecycles. Beyond max_open, with a storage, it reads
// back what memory holds, batch by batch, until within max_open or done; a
// batch it cannot read ends it, and the sweep works with memory as it is.
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
		x := txn{tracker: t, many: roots[:min(len(roots), sweepBatch)]}
		roots = roots[len(x.many):]
		if err := func() error { defer x.release(); return x.hold(nil) }(); err != nil {
			return
		}
	}
}
