// Package traceids derives trace and span IDs from lifecycle keys.
//
// The IDs depend on the key alone, so they are the same in every process and
// after every restart: deliveries handled anywhere, at any time, land in one
// trace, and a user can compute the trace ID of a bot or a conference.
package traceids

import (
	"crypto/sha256"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Root returns the trace ID and root span ID of the lifecycle whose root key
// is rootKey ("attendee/bot/bot_3hfP0PXEsNinIZmh"): bytes 0..16 and 16..24 of
// SHA-256(rootKey).
func Root(rootKey string) (pcommon.TraceID, pcommon.SpanID) {
	sum := sha256.Sum256([]byte(rootKey))
	return pcommon.TraceID(sum[:16]), pcommon.SpanID(sum[16:24])
}

// Child returns the span ID of a child span: the first 8 bytes of
// SHA-256(childKey), where childKey is "<root key>/<kind>/<id or start>".
func Child(childKey string) pcommon.SpanID {
	sum := sha256.Sum256([]byte(childKey))
	return pcommon.SpanID(sum[:8])
}
