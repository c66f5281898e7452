//go:build !race

// The race detector makes sync.Pool drop what it is given, and the pooled
// HMACs with it: Verify's allocations are counted without it
// (go test -count=1 ./webhookreceiver/internal/stdwebhooks/).

package stdwebhooks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifyAllocatesNothing(t *testing.T) {
	v := newVerifier(t, 0, specSecret)
	d := msg{id: specID, ts: ts(specTimestamp), sig: specSignature, body: specBody}.delivery(time.Unix(specTimestamp, 0))
	require.NoError(t, v.Verify(d))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = v.Verify(d) }))
}
