package traceids

import (
	"crypto/sha256"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The expected values come from `printf '%s' KEY | sha256sum`, as the README
// tells users to compute them.
func TestRoot(t *testing.T) {
	traceID, spanID := Root("attendee/bot/bot_3hfP0PXEsNinIZmh")
	require.Equal(t, "5c3727fe4c36cea6ecf1f82bda1d2a2a", traceID.String())
	require.Equal(t, "9459976e6946508b", spanID.String())
}

func TestChild(t *testing.T) {
	require.Equal(t, "4e7e9d72ca19416d", Child("attendee/bot/bot_3hfP0PXEsNinIZmh/state/joined_recording").String())
}

// Root's cache of recent roots never changes an answer: keys that share a
// slot and keys asked for again get the IDs their own SHA-256 gives.
func TestRootCacheAnswersAsTheHash(t *testing.T) {
	keys := make([]string, 3*len(roots))
	for i := range keys {
		keys[i] = "iotum/conference/" + strconv.Itoa(i)
	}
	for range 2 {
		for _, k := range keys {
			sum := sha256.Sum256([]byte(k))
			traceID, spanID := Root(k)
			require.Equal(t, pcommon.TraceID(sum[:16]), traceID, k)
			require.Equal(t, pcommon.SpanID(sum[16:24]), spanID, k)
		}
	}
}
