package traceids

import (
	"testing"

	"github.com/stretchr/testify/require"
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
