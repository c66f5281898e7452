package webhookreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/soak"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// TestSoakPlanMatchesTheReceiver holds the crash-loop soak's model of the
// platforms to the receiver itself, with nothing killed: every delivery of
// its stories is accepted, makes the records the soak expects under the
// webhook.delivery_id it expects, and every lifecycle it counts as ended
// has its root span. A soak that reports a loss then reports the
// collector's, not its own mistake.
func TestSoakPlanMatchesTheReceiver(t *testing.T) {
	platforms := loadgen.Config("")
	delete(platforms, "endpoint")
	tr := startReceiver(t, testConfig(platforms), nil, nil)

	plan := soak.Plan{Bots: 5, Conferences: 2, Meetings: 2, Airmeets: 2, Registrations: 3, Duration: 50 * time.Millisecond, Scale: 1e-3, IotumToken: loadgen.IotumToken}
	results := plan.Run(context.Background(), tr.url)

	found := soak.Found{Records: map[string]int{}, Roots: map[string]int{}}
	for _, ld := range tr.logs.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					id, _ := lr.Attributes().Get("webhook.delivery_id")
					found.Records[id.Str()]++
				}
			}
		}
	}
	ends := map[[24]byte]string{}
	for _, r := range results {
		if r.Ends != "" {
			traceID, spanID := traceids.Root(r.Ends)
			ends[[24]byte(append(traceID[:], spanID[:]...))] = r.Ends
		}
	}
	for _, td := range tr.traces.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, span := range ss.Spans().All() {
					traceID, spanID := span.TraceID(), span.SpanID()
					if key, ok := ends[[24]byte(append(traceID[:], spanID[:]...))]; ok {
						found.Roots[key]++
					}
				}
			}
		}
	}

	report := soak.Tally(results, 0, found)
	require.Equal(t, 0, report.GivenUp)
	require.Equal(t, 4*19+2+2*11+2*8+2*3+3, report.Accepted, "four of the five bots live whole lives (19 deliveries), the fifth fails to join (2); conferences 11, Zoom meetings 8, Airmeet events 3")
	require.Equal(t, 5+2+2+2, report.Ended)
	require.Equal(t, "soak: 125 deliveries answered 200, 0 kills, 0 lost, 0 duplicate records, 11 of 11 ended lifecycles with one root span", report.String())
	require.True(t, report.OK())
}
