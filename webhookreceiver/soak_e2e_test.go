//go:build e2e

package webhookreceiver

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
	"github.com/eventhooks/collector/webhookreceiver/internal/soak"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// TestE2ESoak is the crash-loop soak (make soak): examples/backends.yaml
// as shipped, in the built distribution, feeding the real VictoriaLogs and
// Jaeger; all four platforms' deliveries sent as the platforms send them,
// retries included (internal/soak); the distribution killed with SIGKILL at
// random moments, SOAK_KILLS times, and started again on the same state
// directory each time; VictoriaLogs down once for SOAK_OUTAGE (10s; 0: never)
// meanwhile (TestE2EBackendDown holds that fault alone). Afterwards every delivery answered 200 must be in
// VictoriaLogs with all its records, and every lifecycle whose end was
// answered 200 must have its root span in Jaeger. It prints one line:
//
//	soak: N deliveries answered 200, K kills, 0 lost, D duplicate records, L of L ended lifecycles with one root span
//
// make e2e runs it short (SOAK_DURATION=30s, SOAK_KILLS=2), make soak long
// (3m, 12). SOAK_REPORT names a file the line is written to as well.
//
// How it counts: a delivery is keyed by what the receiver puts in
// webhook.delivery_id (internal/soak computes it as the receiver does, and
// TestSoakPlanMatchesTheReceiver holds the two together); VictoriaLogs is
// asked for the records per key. Lost: accepted deliveries with fewer
// records than they make. Duplicates: records beyond that. Roots: spans in
// the lifecycle's trace (by the README's formula) with the root span's ID.
func TestE2ESoak(t *testing.T) {
	duration := fromEnv(t, "SOAK_DURATION", 30*time.Second, time.ParseDuration)
	kills := fromEnv(t, "SOAK_KILLS", 2, strconv.Atoi)
	outage := fromEnv(t, "SOAK_OUTAGE", 10*time.Second, time.ParseDuration)
	dir := t.TempDir()
	vlogs := fromMake(t, "VICTORIA_LOGS", "the victoria-logs binary")
	vl := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	vlogsProcess := startVictoriaLogsOn(t, vlogs, dir, vl)
	otlpPort, query := startJaeger(t, fromMake(t, "JAEGER", "the jaeger binary"), dir)
	ex := backendsExample(t, vl, fmt.Sprintf("127.0.0.1:%d", otlpPort), dir)
	collector := ex.start(t)
	require.Eventually(t, func() bool {
		status, _, _ := componentStatus(ex.status, "receiver:webhook")
		return status == "StatusOK"
	}, 30*time.Second, 200*time.Millisecond, "the example's healthcheckv2 shows the receiver's status")

	// Per 30 seconds, each kind spread over all of it: 24 bots (19
	// deliveries each, or 2 for the one in five that cannot join), 12
	// conferences (11), 8 Zoom meetings (8), 8 Airmeet events (3, one a
	// batch of 4 people), 600 EventsAir registrations: about 42 deliveries
	// a second, and their retries.
	per := max(1, int(duration/(30*time.Second)))
	plan := soak.Plan{
		Bots: 24 * per, Conferences: 12 * per, Meetings: 8 * per, Airmeets: 8 * per, Registrations: 600 * per,
		Duration: duration, Gap: 250 * time.Millisecond,
		// EventsAir's 27 hours in about 20 seconds, Zoom's 85 minutes in
		// 17; the other platforms retry within seconds, as they do.
		EventsAirScale: 1.0 / 5000,
		ZoomScale:      1.0 / 300,
		IotumToken:     loadgen.IotumToken,
	}
	done := make(chan []soak.Result)
	go func() { done <- plan.Run(context.Background(), ex.base) }()

	// The kills, at random moments while the stories are being sent, and
	// VictoriaLogs down for SOAK_OUTAGE once (stopped cleanly: its own
	// durability is not under test), the collector's queue holding meanwhile.
	type fault struct {
		at time.Duration
		do func()
	}
	random := func(from, to float64) time.Duration {
		return time.Duration((from + (to-from)*rand.Float64()) * float64(duration))
	}
	var faults []fault
	for range kills {
		faults = append(faults, fault{random(0.05, 0.95), func() {
			crash(t, collector)
			collector = ex.start(t)
		}})
	}
	if outage > 0 {
		down := random(0.2, 0.6)
		faults = append(faults,
			fault{down, func() {
				proc.Stop(vlogsProcess, 10*time.Second)
				t.Logf("VictoriaLogs down at %s for %s", down.Round(time.Second), outage)
			}},
			fault{down + outage, func() { vlogsProcess = startVictoriaLogsOn(t, vlogs, dir, vl) }})
	}
	slices.SortFunc(faults, func(a, b fault) int { return cmp.Compare(a.at, b.at) })
	start := time.Now()
	for _, f := range faults {
		time.Sleep(time.Until(start.Add(f.at)))
		f.do()
	}
	results := <-done
	t.Logf("all deliveries answered or given up after %s", time.Since(start).Round(time.Second))

	want := map[string]int{}
	var ended []string
	for _, r := range results {
		if r.Accepted() {
			want[r.Key] = r.Records
			if r.Ends != "" {
				ended = append(ended, r.Ends)
			}
		}
	}
	found := soak.Found{
		// Longer than the exporter's longest wait between retries (30 s):
		// after the outage, the queue drains at its own pace.
		Records: waitForRecords(t, vl, want, time.Minute),
		Roots:   waitForRoots(t, query, ended, time.Minute),
	}
	report := soak.Tally(results, kills, found)
	t.Log(report.Details())
	t.Log(report.String())
	if path := os.Getenv("SOAK_REPORT"); path != "" {
		require.NoError(t, os.WriteFile(path, []byte(report.Details()+"\n"+report.String()+"\n"), 0o644))
	}
	require.Empty(t, report.Lost, "deliveries answered 200 and missing from VictoriaLogs")
	require.Empty(t, report.Unrooted, "ended lifecycles without a root span in Jaeger")
	require.True(t, report.OK())
}

// waitForRoots polls Jaeger's query API at query until every root key has
// its root span, or until nothing new arrived for quiet. It returns the root
// spans found per key.
func waitForRoots(t *testing.T, query string, rootKeys []string, quiet time.Duration) map[string]int {
	t.Helper()
	found := map[string]int{}
	last, lastTotal := time.Now(), -1
	for {
		total, missing := 0, 0
		for _, key := range rootKeys {
			if found[key] == 0 {
				found[key] = rootSpans(query, key)
			}
			if found[key] == 0 {
				missing++
			}
			total += found[key]
		}
		if missing == 0 {
			break
		}
		if total != lastTotal {
			last, lastTotal = time.Now(), total
		} else if time.Since(last) > quiet {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Count the roots once more: a copy emitted twice may have arrived since.
	for _, key := range rootKeys {
		found[key] = rootSpans(query, key)
	}
	return found
}

// rootSpans is how many spans with the root span's ID Jaeger holds in the
// lifecycle's trace.
func rootSpans(query, rootKey string) int {
	_, rootID := traceids.Root(rootKey)
	n := 0
	for _, s := range jaegerTrace(query, rootKey) {
		if s.SpanID == rootID.String() {
			n++
		}
	}
	return n
}

// fromEnv parses the environment variable name, def when it is unset.
func fromEnv[T any](t *testing.T, name string, def T, parse func(string) (T, error)) T {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := parse(v)
	require.NoError(t, err, name)
	return x
}
