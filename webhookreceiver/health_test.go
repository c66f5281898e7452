package webhookreceiver

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

// The receiver's status (healthcheckv2's readiness) follows its
// pipelines: a recoverable error while they refuse deliveries, naming
// them, OK again once a delivery goes through; and only changes are
// reported.
func TestStatusFollowsThePipelines(t *testing.T) {
	host := &statusHost{Host: componenttest.NewNopHost()}
	logsGate := &gate{}
	r := startReceiverOn(t, testConfig(eventsAirConfig()), host, logsGate, nil)
	url := r.url + "/eventsair"
	statuses := func() []componentstatus.Status {
		host.mu.Lock()
		defer host.mu.Unlock()
		var out []componentstatus.Status
		for _, ev := range host.events {
			out = append(out, ev.Status())
		}
		return out
	}

	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "msg_h1", registration)).status)
	require.Empty(t, statuses(), "all well: nothing to report")
	logsGate.set(errors.New("memory_limiter: data refused"))
	for _, id := range []string{"msg_h2", "msg_h3"} {
		require.Equal(t, http.StatusServiceUnavailable, do(t, signedEventsAir(t, url, id, registration)).status)
	}
	require.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, statuses(), "reported once")
	require.ErrorContains(t, host.recoverable()[0], "pipelines: memory_limiter: data refused")
	logsGate.set(nil)
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "msg_h2", registration)).status)
	require.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, statuses())
}
