// Package storedtime is how the receiver's state keeps a time in an entry
// of a storage extension: 8 bytes, big-endian Unix nanoseconds, so that
// every process sharing the storage reads what another wrote.
package storedtime

import (
	"encoding/binary"
	"time"
)

// Encode returns the stored form of t.
func Encode(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

// Decode returns the time b holds, in UTC; false when b is not a stored time.
func Decode(b []byte) (time.Time, bool) {
	if len(b) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC(), true
}
