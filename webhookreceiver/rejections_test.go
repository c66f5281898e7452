package webhookreceiver

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Rejections show at the default level: the first of each platform and
// status at once, then one per rejectionEvery with the count of those in
// between; every one at debug level.
func TestRejectionsLoggedAtTheDefaultLevel(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	logger := zap.New(core)
	var r rejections
	t0 := time.Unix(1000, 0)
	unauthorized := answer{status: http.StatusUnauthorized, outcome: outcomeUnauthorized, message: "attendee: signature does not match any configured secret"}
	for i := range 100 {
		r.log(logger, t0.Add(time.Duration(i)*100*time.Millisecond), "attendee", unauthorized) // 10 s of them
	}
	r.log(logger, t0.Add(time.Second), "iotum", unauthorized)
	r.log(logger, t0.Add(time.Second), "attendee", answer{status: http.StatusBadRequest, message: "attendee: not JSON"})

	warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
	require.Len(t, warns, 3, "the first of attendee 401, iotum 401, attendee 400")
	r.log(logger, t0.Add(10*time.Second), "attendee", unauthorized)
	warns = logs.FilterLevelExact(zapcore.WarnLevel).All()
	require.Len(t, warns, 4)
	last := warns[3].ContextMap()
	require.EqualValues(t, 99, last["more_since_last_logged"])
	require.Equal(t, "attendee: signature does not match any configured secret", last["reason"])
	require.Equal(t, 103, logs.FilterLevelExact(zapcore.DebugLevel).Len(), "each at debug level")
}
