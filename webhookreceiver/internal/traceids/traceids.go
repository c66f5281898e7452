// Package traceids derives trace and span IDs from lifecycle keys.
//
// The IDs depend on the key alone, so they are the same in every process and
// after every restart: deliveries handled anywhere, at any time, land in one
// trace, and a user can compute the trace ID of a bot or a conference.
package traceids

import (
	"crypto/sha256"
	"hash/maphash"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Root returns the trace ID and root span ID of the lifecycle whose root key
// is rootKey ("attendee/bot/bot_3hfP0PXEsNinIZmh"): bytes 0..16 and 16..24 of
// SHA-256(rootKey).
func Root(rootKey string) (pcommon.TraceID, pcommon.SpanID) {
	slot := &roots[maphash.String(rootSeed, rootKey)%uint64(len(roots))]
	if ids := slot.Load(); ids != nil && ids.key == rootKey {
		return ids.trace, ids.span
	}
	sum := hash(rootKey)
	ids := &rootIDs{key: rootKey, trace: pcommon.TraceID(sum[:16]), span: pcommon.SpanID(sum[16:24])}
	slot.Store(ids)
	return ids.trace, ids.span
}

// roots remembers the IDs of recent roots, one per slot, the last one asked
// for winning: every delivery about a bot or a conference asks for its root
// twice (its log record, its spans), and the lookup costs a tenth of a
// SHA-256. A slot is replaced whole, so readers never see half an entry.
var (
	roots    [1024]atomic.Pointer[rootIDs]
	rootSeed = maphash.MakeSeed()
)

type rootIDs struct {
	key   string
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// Child returns the span ID of a child span: the first 8 bytes of
// SHA-256(childKey), where childKey is "<root key>/<kind>/<id or start>".
func Child(childKey string) pcommon.SpanID {
	sum := hash(childKey)
	return pcommon.SpanID(sum[:8])
}

// hash is SHA-256(key), with the key copied to the stack when it fits: a
// plain []byte(key) is made on the heap for keys over 32 bytes, as child
// keys are.
func hash(key string) [sha256.Size]byte {
	var buf [256]byte
	return sha256.Sum256(append(buf[:0], key...))
}
