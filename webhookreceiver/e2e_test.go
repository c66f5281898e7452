//go:build e2e

package webhookreceiver

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// TestE2E runs the ocb distribution (built by `make e2e`, path in
// OTELCOL_EVENTHOOKS) on loopback with the file exporter, sends signed
// deliveries over HTTP, and reads what the exporter wrote.
func TestE2E(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	dir := t.TempDir()
	port := freePort(t)
	logsFile := filepath.Join(dir, "logs.jsonl")
	tracesFile := filepath.Join(dir, "traces.jsonl")
	config := fmt.Sprintf(`
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    lifecycle: {grace: 1s}  # spans come out a second after their close, by the check
    eventsair:
      secrets: [%s]
    attendee:
      secrets: [%s]
exporters:
  file:
    path: %s
    flush_interval: 100ms
  file/traces:
    path: %s
    flush_interval: 100ms
processors:
  batch:
    timeout: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [webhook]
      processors: [batch]
      exporters: [file]
    traces:
      receivers: [webhook]
      processors: [batch]
      exporters: [file/traces]
`, port, testSecret, attendeeSecret, logsFile, tracesFile)
	configFile := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(configFile, []byte(config), 0o600))

	_, output := startProcess(t, bin, "--config", configFile)

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/health")

	url := base + "/eventsair"
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "msg_e2e_1", registration)).status)
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "msg_e2e_1", registration)).status, "the platform's retry")

	tampered := signedEventsAir(t, url, "msg_e2e_2", registration)
	tampered.Body = http.NoBody
	tampered.ContentLength = 0
	require.Equal(t, http.StatusUnauthorized, do(t, tampered).status)

	stale := newRequest(t, http.MethodPost, url, registration)
	old := time.Now().Add(-10 * time.Minute).Unix()
	stale.Header.Set("webhook-id", "msg_e2e_3")
	stale.Header.Set("webhook-timestamp", strconv.FormatInt(old, 10))
	stale.Header.Set("webhook-signature", standardWebhooksSignature(testSecret, "msg_e2e_3", old, registration))
	require.Equal(t, http.StatusUnauthorized, do(t, stale).status)

	// A second, different delivery to know when the exporter has written
	// everything that came before it.
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, url, "msg_e2e_4", strings.Replace(registration, "r1", "r2", 1))).status)

	var records []plog.LogRecord
	require.Eventually(t, func() bool {
		records = readLogRecords(t, logsFile)
		return len(records) >= 2
	}, 20*time.Second, 100*time.Millisecond, "the file exporter wrote no records")
	time.Sleep(300 * time.Millisecond) // anything written late would be a duplicate
	records = readLogRecords(t, logsFile)
	require.Len(t, records, 2, "one record per accepted delivery: the retry and the rejected ones emit nothing")

	lr := records[0]
	require.Equal(t, "eventsair.Event.Registration.Created", lr.EventName())
	require.Equal(t, "msg_e2e_1", lr.Attributes().AsRaw()["webhook.delivery_id"])
	require.Equal(t, "r1", lr.Attributes().AsRaw()["eventsair.registration.id"])
	require.Equal(t, time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), lr.Timestamp().AsTime())
	require.Equal(t, "Event.Registration.Created", lr.Body().Map().AsRaw()["type"])
	require.Equal(t, "r2", records[1].Attributes().AsRaw()["eventsair.registration.id"])

	// Attendee: a bot that could not join, as Attendee sent it (Python
	// bodies and signatures), becomes a failed root span.
	for _, d := range loadAttendee(t, "failed_join") {
		require.Equal(t, http.StatusOK, do(t, d.post(t, base+"/attendee")).status)
	}
	var spans []ptrace.Span
	require.Eventually(t, func() bool {
		spans = readSpans(t, tracesFile)
		return len(spans) >= 2
	}, 20*time.Second, 100*time.Millisecond, "the file exporter wrote no spans")
	traceID, rootID := traceids.Root("attendee/bot/bot_failed_join_01")
	var root ptrace.Span
	for _, s := range spans {
		require.Equal(t, traceID, s.TraceID())
		if s.SpanID() == rootID {
			root = s
		}
	}
	require.Equal(t, "attendee.bot", root.Name())
	require.Equal(t, ptrace.StatusCodeError, root.Status().Code())
	require.Equal(t, "meeting_not_found", root.Status().Message())
	require.Equal(t, 30*time.Second, root.EndTimestamp().AsTime().Sub(root.StartTimestamp().AsTime()))

	require.NotContains(t, output.String(), testSecret[len("whsec_"):], "the secret is never logged")
	require.NotContains(t, output.String(), attendeeSecret)
}

// TestE2ERestart runs the distribution with storage: file_storage, kills it
// with SIGKILL halfway through a bot's life, starts it again and sends the
// rest, and the platform's retries of what came before: one complete root
// span with the right start comes out, and no record twice.
func TestE2ERestart(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	dir := t.TempDir()
	port := freePort(t)
	logsFile, tracesFile := filepath.Join(dir, "logs.jsonl"), filepath.Join(dir, "traces.jsonl")
	config := fmt.Sprintf(`
extensions:
  file_storage:
    directory: %s
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    lifecycle: {grace: 1s}  # spans come out a second after their close, by the check
    storage: file_storage
    eventsair:
      secrets: [%s]
    attendee:
      secrets: [%s]
exporters:
  file:
    path: %s
    flush_interval: 100ms
    append: true # the restarted collector writes on after the first one
  file/traces:
    path: %s
    flush_interval: 100ms
    append: true
service:
  extensions: [file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [webhook]
      exporters: [file]
    traces:
      receivers: [webhook]
      exporters: [file/traces]
`, dir, port, testSecret, attendeeSecret, logsFile, tracesFile)
	configFile := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(configFile, []byte(config), 0o600))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	start := func() *exec.Cmd {
		cmd, _ := startProcess(t, bin, "--config", configFile)
		waitHTTP(t, base+"/health")
		return cmd
	}

	sendAttendee := func(d attendeeDelivery) response { return do(t, d.post(t, base+"/attendee")) }
	life := loadAttendee(t, "bot_life")
	half := len(life) / 2

	first := start()
	require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, base+"/eventsair", "msg_restart_1", registration)).status)
	for _, d := range life[:half] {
		require.Equal(t, http.StatusOK, sendAttendee(d).status, d.name)
	}
	require.Eventually(t, func() bool { return len(readLogRecords(t, logsFile)) == 1+half }, 20*time.Second, 100*time.Millisecond)
	require.NoError(t, first.Process.Kill(), "a crash: no shutdown, nothing flushed")
	_ = first.Wait()

	start()
	resp := do(t, signedEventsAir(t, base+"/eventsair", "msg_restart_1", registration))
	require.Equal(t, http.StatusOK, resp.status)
	require.Contains(t, resp.body, "duplicate", "the retry after the restart is recognised")
	require.Contains(t, sendAttendee(life[half-1]).body, "duplicate", "so is an Attendee retry")
	for _, d := range life[half:] {
		require.Equal(t, http.StatusOK, sendAttendee(d).status, d.name)
	}
	require.Eventually(t, func() bool { return len(readLogRecords(t, logsFile)) >= 1+len(life) }, 20*time.Second, 100*time.Millisecond)

	traceID, rootID := traceids.Root("attendee/bot/bot_3hfP0PXEsNinIZmh")
	var root ptrace.Span
	require.Eventually(t, func() bool {
		for _, s := range readSpans(t, tracesFile) {
			if s.SpanID() == rootID {
				root = s
				return true
			}
		}
		return false
	}, 20*time.Second, 100*time.Millisecond, "the bot's root span was not written")
	require.Equal(t, traceID, root.TraceID())
	require.Equal(t, time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC), root.StartTimestamp().AsTime(), "started before the restart")
	require.Equal(t, time.Date(2025, 7, 15, 14, 52, 0, 0, time.UTC), root.EndTimestamp().AsTime())
	_, incomplete := root.Attributes().Get("webhook.lifecycle.incomplete")
	require.False(t, incomplete)

	time.Sleep(300 * time.Millisecond)
	records := readLogRecords(t, logsFile)
	require.Len(t, records, 1+len(life), "no record twice")
	roots := 0
	for _, s := range readSpans(t, tracesFile) {
		if s.SpanID() == rootID {
			roots++
		}
	}
	require.Equal(t, 1, roots)
}

// readSpans reads the file exporter's traces: one OTLP/JSON document per line.
func readSpans(t *testing.T, path string) []ptrace.Span {
	var out []ptrace.Span
	var u ptrace.JSONUnmarshaler
	readJSONLines(t, path, func(line []byte) {
		td, err := u.UnmarshalTraces(line)
		if err != nil {
			return // a line still being written
		}
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, span := range ss.Spans().All() {
					out = append(out, span)
				}
			}
		}
	})
	return out
}

// lockedBuffer collects the collector's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fromMake returns the path `make e2e` passes in the environment variable
// name, which names what.
func fromMake(t *testing.T, name, what string) string {
	t.Helper()
	path := os.Getenv(name)
	require.NotEmpty(t, path, name+" names "+what+"; run `make e2e`")
	return path
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// readJSONLines calls each with every line of the file exporter's output
// (one OTLP/JSON document per line); a missing file has none.
func readJSONLines(t *testing.T, path string, each func(line []byte)) {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return
	}
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		each(sc.Bytes())
	}
}

func readLogRecords(t *testing.T, path string) []plog.LogRecord {
	var out []plog.LogRecord
	var u plog.JSONUnmarshaler
	readJSONLines(t, path, func(line []byte) {
		ld, err := u.UnmarshalLogs(line)
		if err != nil {
			return // a line still being written
		}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, lr)
				}
			}
		}
	})
	return out
}
