package lifecycle

import "iter"

// openSet is what is open under one root, by key. A root has its own span
// and a phase or two open at a time, and the smallest Go map costs about 200
// bytes: a few entries are kept in a slice, searched in order, and only a
// root with many (a meeting's participants) gets a map. Its zero value is
// empty and ready.
type openSet struct {
	few  []*entry          // while there are at most fewOpen; keyed by due.key
	many map[string]*entry // once there were more
}

const fewOpen = 8

func (s *openSet) get(key string) *entry {
	if s.many != nil {
		return s.many[key]
	}
	for _, e := range s.few {
		if e.due.key == key {
			return e
		}
	}
	return nil
}

// add keeps e under its key, which is not in s yet.
func (s *openSet) add(e *entry) {
	switch {
	case s.many != nil:
		s.many[e.due.key] = e
	case len(s.few) < fewOpen:
		s.few = append(s.few, e)
	default:
		s.many = make(map[string]*entry, 2*fewOpen)
		for _, f := range s.few {
			s.many[f.due.key] = f
		}
		s.many[e.due.key] = e
		s.few = nil
	}
}

func (s *openSet) del(key string) {
	if s.many != nil {
		delete(s.many, key)
		return
	}
	for i, e := range s.few {
		if e.due.key == key {
			last := len(s.few) - 1
			s.few[i], s.few[last] = s.few[last], nil
			s.few = s.few[:last] // its array serves the life's next use (index.go)
			return
		}
	}
}

func (s *openSet) len() int { return len(s.few) + len(s.many) }

// all yields every entry with its key, in no order; the loop may delete
// from s as it goes.
func (s *openSet) all() iter.Seq2[string, *entry] {
	return func(yield func(string, *entry) bool) {
		if s.many != nil {
			for k, e := range s.many {
				if !yield(k, e) {
					return
				}
			}
			return
		}
		var copied [fewOpen]*entry
		n := copy(copied[:], s.few)
		for _, e := range copied[:n] {
			if !yield(e.due.key, e) {
				return
			}
		}
	}
}
