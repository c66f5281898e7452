package storedtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 21, 54, 19, 123456789, time.FixedZone("CET", 3600))
	b := Encode(at)
	// The layout other processes read: big-endian Unix nanoseconds (computed
	// with Python: (ns).to_bytes(8, "big")).
	require.Equal(t, []byte{0x18, 0xea, 0xc7, 0xf5, 0x99, 0xe5, 0xdb, 0x15}, b)
	back, ok := Decode(b)
	require.True(t, ok)
	require.True(t, at.Equal(back))
	require.Equal(t, time.UTC, back.Location())
}

func TestDecodeRefusesOtherLengths(t *testing.T) {
	for _, b := range [][]byte{nil, {}, []byte("1234567"), []byte("123456789"), []byte(`{"a":1}`)} {
		_, ok := Decode(b)
		require.False(t, ok, "%q", b)
	}
}
