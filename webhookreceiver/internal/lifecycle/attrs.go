package lifecycle

// A span's attributes, as a lifecycle keeps them. What stays open may stay for a day, by the hundred
// thousand: a map of one entry weighs some 340 bytes, a sorted slice 32. A transition's map is shared
// while a delivery plans; what is kept is compacted (Tracker.keep), its values copied: a value decoded
// from a delivery shares its whole body. (Keys are decoders' names, not the sender's.)

import (
	"cmp"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// attrs are attributes, never changed once made: a map, or a slice sorted by key.
type attrs struct {
	m  map[string]string
	kv []attr
}

type attr struct{ k, v string }

func mapAttrs(m map[string]string) attrs { return attrs{m: m} }

func (a attrs) len() int { return len(a.m) + len(a.kv) }

// appendTo appends the attributes to kv, in no order.
func (a attrs) appendTo(kv []attr) []attr {
	for k, v := range a.m {
		kv = append(kv, attr{k, v})
	}
	return append(kv, a.kv...)
}

func (a attrs) compact() attrs {
	if a.m == nil {
		return a
	}
	return attrs{kv: owned(sorted(a.appendTo(make([]attr, 0, len(a.m)))))}
}

// owned copies kv's values into one string (one allocation): none shares a delivery's memory.
func owned(kv []attr) []attr {
	n := 0
	for _, a := range kv {
		n += len(a.v)
	}
	var b strings.Builder
	b.Grow(n)
	for _, a := range kv {
		b.WriteString(a.v)
	}
	all := b.String()
	for i := range kv {
		kv[i].v, all = all[:len(kv[i].v)], all[len(kv[i].v):]
	}
	return kv
}

// sorted sorts kv by key and keeps, of equal keys, the last.
func sorted(kv []attr) []attr {
	slices.Reverse(kv) // the last of equal keys first: the one CompactFunc keeps
	slices.SortStableFunc(kv, func(a, b attr) int { return cmp.Compare(a.k, b.k) })
	return slices.CompactFunc(kv, func(a, b attr) bool { return a.k == b.k })
}

// merged returns into with from's entries on top, sharing either when the other is empty.
func merged(into, from attrs) attrs {
	switch {
	case from.len() == 0:
		return into
	case into.len() == 0:
		return from
	}
	return attrs{kv: owned(sorted(from.appendTo(into.appendTo(make([]attr, 0, into.len()+from.len())))))}
}

// put writes the attributes into span's, in key order.
func (a attrs) put(span ptrace.Span) {
	kv := a.kv
	if a.m != nil {
		var stack [8]attr // the usual few, without an allocation
		kv = sorted(a.appendTo(stack[:0]))
	}
	span.Attributes().EnsureCapacity(len(kv))
	for _, a := range kv {
		span.Attributes().PutStr(a.k, a.v)
	}
}

// asMap is the attributes as a map, as the storage keeps them.
func (a attrs) asMap() map[string]string {
	if a.m != nil || len(a.kv) == 0 {
		return a.m
	}
	m := make(map[string]string, len(a.kv))
	for _, a := range a.kv {
		m[a.k] = a.v
	}
	return m
}
