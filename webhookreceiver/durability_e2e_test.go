//go:build e2e

package webhookreceiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// example runs a collector configuration the way a user runs one of
// examples/: as shipped, with its endpoints and state directory from the
// environment variables it reads.
type example struct {
	bin, config string
	env         []string
	base        string // the receiver's URL
	status      string // healthcheckv2's URL
}

// backendsExample prepares examples/backends.yaml (or, to measure another
// configuration of the same shape, the file named by DURABILITY_CONFIG)
// against VictoriaLogs at vl and Jaeger's OTLP endpoint, its state in dir.
func backendsExample(t *testing.T, vl, jaegerOTLP, dir string) *example {
	t.Helper()
	config := filepath.Join("..", "examples", "backends.yaml")
	if other := os.Getenv("DURABILITY_CONFIG"); other != "" {
		config = other
	}
	port, statusPort := freePort(t), freePort(t)
	return &example{
		bin:    fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary"),
		config: config,
		env: []string{
			fmt.Sprintf("EVENTHOOKS_ENDPOINT=127.0.0.1:%d", port),
			fmt.Sprintf("EVENTHOOKS_STATUS_ENDPOINT=127.0.0.1:%d", statusPort),
			"EVENTHOOKS_STORAGE_DIR=" + filepath.Join(dir, "state"),
			"VICTORIALOGS_OTLP=http://" + vl + "/insert/opentelemetry/v1/logs",
			"JAEGER_OTLP=" + jaegerOTLP,
			"IOTUM_SIGNING_TOKEN=" + loadgen.IotumToken,
		},
		base:   fmt.Sprintf("http://127.0.0.1:%d", port),
		status: fmt.Sprintf("http://127.0.0.1:%d/status", statusPort),
	}
}

// start runs the collector and waits until its receiver answers.
func (e *example) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(e.bin, "--config", e.config)
	cmd.Env = append(os.Environ(), e.env...)
	startCommand(t, cmd)
	waitHTTP(t, e.base+"/health")
	return cmd
}

// crash ends the collector as a crash, the OOM killer or a lost machine
// would: SIGKILL, no shutdown, nothing flushed.
func crash(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
}

// recordsByDeliveryID asks VictoriaLogs at vl how many records it holds of
// each delivery key (webhook.delivery_id).
func recordsByDeliveryID(vl string) (map[string]int, error) {
	lines, err := logsQL(vl, `webhook.delivery_id:* | stats by (webhook.delivery_id) count() as n`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(lines))
	for _, line := range lines {
		var row struct {
			ID string `json:"webhook.delivery_id"`
			N  int    `json:"n,string"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		out[row.ID] = row.N
	}
	return out, nil
}

// waitForRecords polls VictoriaLogs until it holds, of every delivery key
// in want, at least the records it makes, or until nothing new arrived for
// quiet: then what is missing is lost. It returns the records per key found
// last.
func waitForRecords(t *testing.T, vl string, want map[string]int, quiet time.Duration) map[string]int {
	t.Helper()
	last, lastTotal := time.Now(), -1
	for {
		found, err := recordsByDeliveryID(vl)
		require.NoError(t, err)
		missing, total := 0, 0
		for k, n := range want {
			if found[k] < n {
				missing++
			}
		}
		for _, n := range found {
			total += n
		}
		if missing == 0 {
			return found
		}
		if total != lastTotal {
			last, lastTotal = time.Now(), total
		} else if time.Since(last) > quiet {
			return found
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestE2EDurableBackendsExample: examples/backends.yaml as shipped, into the
// real VictoriaLogs, takes a burst of 3,000 signed EventsAir deliveries, is
// killed with SIGKILL the moment the last one was answered 200, and is
// started again on the same state directory: every one of the 3,000 reaches
// VictoriaLogs.
//
// The README's numbers for other configurations come from this test:
// DURABILITY_CONFIG=<a config of the same shape> (the same environment
// variables for its endpoints; a path relative to webhookreceiver/) runs it
// on that one, and a failure says how many of the 3,000 were lost. The
// configurations of the README's table are testdata/durability/*.yaml.
func TestE2EDurableBackendsExample(t *testing.T) {
	vlogs := fromMake(t, "VICTORIA_LOGS", "the victoria-logs binary")
	dir := t.TempDir()
	vl := startVictoriaLogs(t, vlogs, dir)
	// EventsAir deliveries make no spans: the traces exporter's endpoint may
	// stay silent.
	ex := backendsExample(t, vl, fmt.Sprintf("127.0.0.1:%d", freePort(t)), dir)
	collector := ex.start(t)

	const deliveries, senders = 3000, 16
	var eventsair loadgen.Platform
	for _, p := range loadgen.Platforms() {
		if p.Name == "eventsair" {
			eventsair = p
		}
	}
	keys := make([]string, deliveries)
	var next atomic.Uint64
	var refused, unanswered atomic.Int64
	var wg sync.WaitGroup
	burst := time.Now()
	for range senders {
		wg.Go(func() {
			for n := next.Add(1) - 1; n < deliveries; n = next.Add(1) - 1 {
				// A refusal (503) is retried, as the platforms do: what
				// counts is what was answered 200 in the end.
				accepted := false
				for range 100 {
					req := eventsair.Next(ex.base, n)
					keys[n] = req.Header.Get("webhook-id")
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						resp.Body.Close()
						accepted = resp.StatusCode == http.StatusOK
					}
					if accepted {
						break
					}
					refused.Add(1)
					time.Sleep(50 * time.Millisecond)
				}
				if !accepted {
					unanswered.Add(1)
				}
			}
		})
	}
	wg.Wait()
	crash(t, collector)
	elapsed := time.Since(burst)
	require.Zero(t, unanswered.Load(), "every delivery of the burst is answered 200 in the end")
	t.Logf("the burst took %s, %d refusals retried", elapsed.Round(time.Millisecond), refused.Load())

	ex.start(t)
	want := make(map[string]int, deliveries)
	for _, k := range keys {
		want[k] = 1
	}
	found := waitForRecords(t, vl, want, 30*time.Second)
	lost, duplicates := 0, 0
	for _, k := range keys {
		switch n := found[k]; {
		case n == 0:
			lost++
		case n > 1:
			duplicates += n - 1
		}
	}
	t.Logf("%s: %d deliveries answered 200, SIGKILL, restart: %d lost, %d duplicate records", filepath.Base(ex.config), deliveries, lost, duplicates)
	require.Zero(t, lost, "deliveries answered 200 and never in VictoriaLogs")
}

// TestE2EBackendDown: examples/backends.yaml with VictoriaLogs down from the
// start. The exporter's queue takes deliveries until it is full; then the
// receiver answers 503 with Retry-After, and nothing it refused is lost: the
// platform retries it. The collector is killed with its queue full and
// started again; VictoriaLogs comes back; every delivery answered 200 reaches
// it, the queued ones and those accepted once the queue drained.
//
// It also logs what a queued delivery costs on disk, for the README's sizing.
func TestE2EBackendDown(t *testing.T) {
	vlogs := fromMake(t, "VICTORIA_LOGS", "the victoria-logs binary")
	dir := t.TempDir()
	vl := fmt.Sprintf("127.0.0.1:%d", freePort(t)) // nothing listens there yet
	ex := backendsExample(t, vl, fmt.Sprintf("127.0.0.1:%d", freePort(t)), dir)
	const queueSize = 200
	ex.env = append(ex.env, fmt.Sprintf("EVENTHOOKS_QUEUE_SIZE=%d", queueSize))
	collector := ex.start(t)

	var eventsair loadgen.Platform
	for _, p := range loadgen.Platforms() {
		if p.Name == "eventsair" {
			eventsair = p
		}
	}
	want := map[string]int{}
	send := func(n uint64) *http.Response {
		req := eventsair.Next(ex.base, n)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			want[req.Header.Get("webhook-id")] = 1
		}
		return resp
	}
	var n uint64
	var refused *http.Response
	for ; n < 10*queueSize && refused == nil; n++ {
		if resp := send(n); resp.StatusCode != http.StatusOK {
			refused = resp
		}
	}
	require.NotNil(t, refused, "a full queue refuses")
	require.Equal(t, http.StatusServiceUnavailable, refused.StatusCode)
	require.NotEmpty(t, refused.Header.Get("Retry-After"))
	refusedAt := n - 1
	t.Logf("queue_size %d: %d deliveries accepted with the backend down, then 503; state directory %d KiB",
		queueSize, len(want), dirSize(t, filepath.Join(dir, "state"))/1024)

	crash(t, collector)
	ex.start(t)
	startVictoriaLogsOn(t, vlogs, dir, vl)
	// The platform retries the refused delivery until the drained queue
	// takes it, and sends on.
	for tries := 0; send(refusedAt).StatusCode != http.StatusOK; tries++ {
		require.Less(t, tries, 120, "the drained queue never took the refused delivery")
		time.Sleep(time.Second)
	}
	for i := range uint64(10) {
		require.Equal(t, http.StatusOK, send(refusedAt+1+i).StatusCode)
	}
	found := waitForRecords(t, vl, want, 60*time.Second)
	lost := 0
	for k := range want {
		if found[k] == 0 {
			lost++
		}
	}
	require.Zero(t, lost, "of %d deliveries answered 200", len(want))
}

// dirSize is the bytes of the files under dir.
func dirSize(t *testing.T, dir string) int64 {
	var size int64
	require.NoError(t, filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			size += info.Size()
		}
		return err
	}))
	return size
}

// TestE2EDurabilityConfigsValidate keeps the configurations the README's
// durability table was measured with loadable, so that its numbers can be
// measured again (see TestE2EDurableBackendsExample).
func TestE2EDurabilityConfigsValidate(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	files, err := filepath.Glob(filepath.Join("testdata", "durability", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 3)
	for _, file := range files {
		cmd := exec.Command(bin, "validate", "--config", file)
		cmd.Env = append(os.Environ(), "EVENTHOOKS_ENDPOINT=127.0.0.1:8088", "EVENTHOOKS_STORAGE_DIR="+t.TempDir(),
			"VICTORIALOGS_OTLP=http://127.0.0.1:9428/insert/opentelemetry/v1/logs")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", file, out)
	}
}
