//go:build !race

// The race detector makes sync.Pool drop what it is given, and the pooled
// HMACs with it: Verify's allocations are counted without it.

package hmacsig

import (
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifyAllocatesNothing(t *testing.T) {
	v := newVerifier(t, slack, "s")
	at := time.Unix(1531420618, 0)
	ts := strconv.FormatInt(at.Unix(), 10)
	d := delivery(at, "{}", "X-Slack-Request-Timestamp", ts, "X-Slack-Signature", "v0="+hex.EncodeToString(mac("s", "v0:"+ts+":{}")))
	require.NoError(t, v.Verify(d))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = v.Verify(d) }))
}
