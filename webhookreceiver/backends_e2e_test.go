//go:build e2e

package webhookreceiver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// startProcess runs a program for the test, collecting its output, and
// stops it by its PID at the end: SIGTERM, then SIGKILL if it does not exit
// in time.
func startProcess(t *testing.T, name string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	return startCommand(t, exec.Command(name, args...))
}

// startCommand is startProcess for a command the caller prepared (its
// environment, say).
func startCommand(t *testing.T, cmd *exec.Cmd) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		proc.Stop(cmd, 10*time.Second)
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), out.String())
		}
	})
	return cmd, out
}

// waitHTTP waits until url answers 200.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "%s never answered", url)
}

// TestE2EBackends runs VictoriaLogs, Jaeger v2 and the distribution on
// loopback, sends a day of deliveries from all four platforms, and reads
// them back through the backends' own query APIs: every platform's records
// by service.name and event name in VictoriaLogs, the bot's and the
// conference's traces by the IDs of the README's formula in Jaeger.
func TestE2EBackends(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	dir := t.TempDir()

	b := startBackends(t, dir)
	vl, otlpPort := b.vl, b.otlpPort

	port := freePort(t)
	config := fmt.Sprintf(`
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    lifecycle: {grace: 1s}  # spans come out a second after their close, by the check
    attendee: {secrets: [%s]}
    eventsair: {secrets: [%s]}
    iotum: {signing_tokens: [%s]}
    airmeet: {tokens: [%s]}
processors:
  batch:
    timeout: 200ms
exporters:
  otlp_http/victorialogs:
    logs_endpoint: http://%s/insert/opentelemetry/v1/logs
  otlp_grpc/jaeger:
    endpoint: 127.0.0.1:%d
    tls:
      insecure: true
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs: {receivers: [webhook], processors: [batch], exporters: [otlp_http/victorialogs]}
    traces: {receivers: [webhook], processors: [batch], exporters: [otlp_grpc/jaeger]}
`, port, attendeeSecret, testSecret, iotumToken, airmeetToken, vl, otlpPort)
	configFile := filepath.Join(dir, "collector.yaml")
	require.NoError(t, os.WriteFile(configFile, []byte(config), 0o600))
	startProcess(t, bin, "--config", configFile)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/health")

	// A day of deliveries.
	sent := map[string]int{}
	for _, sub := range []string{"bot_life", "failed_join"} {
		for _, d := range loadAttendee(t, sub) {
			require.Equal(t, http.StatusOK, do(t, d.post(t, base+"/attendee")).status, d.name)
			sent["attendee"]++
		}
	}
	for _, file := range iotumFiles(t, "conference") {
		req := iotumRequest(t, file)
		req.URL, _ = url.Parse(base + "/iotum")
		req.RequestURI = ""
		require.Equal(t, http.StatusOK, do(t, req).status, file)
		sent["iotum"]++
	}
	for _, trigger := range []string{"trigger.airmeet.started", "trigger.airmeet.attendee.added", "trigger.airmeet.finished"} {
		body, err := os.ReadFile(filepath.Join(airmeetDir, trigger+".json"))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, do(t, newRequest(t, http.MethodPost, base+"/airmeet/"+trigger+"?token="+airmeetToken, string(body))).status)
		sent["airmeet"]++
	}
	eaFiles, err := filepath.Glob(filepath.Join("..", "testdata", "eventsair", "*.json"))
	require.NoError(t, err)
	for i, file := range eaFiles {
		body, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, do(t, signedEventsAir(t, base+"/eventsair", fmt.Sprint("msg_day_", i), string(body))).status)
		sent["eventsair"]++
	}

	// VictoriaLogs: each platform's records, by service.name and by event name.
	logsql := b.logsql
	for service, n := range sent {
		require.Eventually(t, func() bool { return logsql(fmt.Sprintf(`service.name:%q`, service)) >= n },
			30*time.Second, 250*time.Millisecond, "VictoriaLogs has not %d records of %s", n, service)
	}
	for event, n := range map[string]int{
		"attendee.bot.state_change":            11, // 9 of the bot's life, 2 of the failed join
		"iotum.enter_conference":               2,
		"airmeet.airmeet.finished":             1,
		"eventsair.Event.Registration.Created": 1,
	} {
		require.Equal(t, n, logsql(fmt.Sprintf(`event_name:%q`, event)), event)
	}

	// Jaeger: the traces by the IDs anyone can compute.
	trace := b.trace
	var bot []string
	require.Eventually(t, func() bool { bot = trace("attendee/bot/bot_3hfP0PXEsNinIZmh"); return len(bot) >= 12 },
		30*time.Second, 250*time.Millisecond, "Jaeger has not the bot's trace")
	require.Contains(t, bot, "attendee.bot")
	require.Contains(t, bot, "attendee.bot.state")
	require.Contains(t, bot, "attendee.participant")
	var conference []string
	require.Eventually(t, func() bool { conference = trace("iotum/conference/1258835"); return len(conference) >= 5 },
		30*time.Second, 250*time.Millisecond, "Jaeger has not the conference's trace")
	require.Contains(t, conference, "iotum.conference")
	require.Contains(t, conference, "iotum.participant")
}

// backends are VictoriaLogs (logs) and Jaeger v2 (traces), on loopback.
type backends struct {
	vl       string // VictoriaLogs' address
	otlpPort int    // Jaeger's OTLP/gRPC port
	query    string // Jaeger's query API
}

// startBackends starts both for the test, their data under dir, and
// stops them by their PIDs when it ends.
func startBackends(t *testing.T, dir string) *backends {
	t.Helper()
	vl := startVictoriaLogs(t, fromMake(t, "VICTORIA_LOGS", "the victoria-logs binary"), dir)
	otlpPort, query := startJaeger(t, fromMake(t, "JAEGER", "the jaeger binary"), dir)
	return &backends{vl: vl, otlpPort: otlpPort, query: query}
}

// logsql counts the records VictoriaLogs finds for a LogsQL query, -1 when
// it cannot say.
func (b *backends) logsql(q string) int {
	lines, err := logsQL(b.vl, q)
	if err != nil {
		return -1
	}
	return len(lines)
}

// trace returns the names of the spans Jaeger holds in the trace of the
// lifecycle rootKey, by the ID anyone can compute.
func (b *backends) trace(rootKey string) (spans []string) {
	for _, s := range jaegerTrace(b.query, rootKey) {
		spans = append(spans, s.OperationName)
	}
	return spans
}

// startVictoriaLogs runs VictoriaLogs on a free loopback port, its data in
// dir, and returns its address.
func startVictoriaLogs(t *testing.T, vlogs, dir string) string {
	t.Helper()
	vl := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	startVictoriaLogsOn(t, vlogs, dir, vl)
	return vl
}

// startVictoriaLogsOn runs VictoriaLogs on the address vl, its data in dir
// (again, after it was stopped), and returns its process.
func startVictoriaLogsOn(t *testing.T, vlogs, dir, vl string) *exec.Cmd {
	t.Helper()
	// A long retention: the test's deliveries carry their own, past, times.
	cmd, _ := startProcess(t, vlogs, "-httpListenAddr="+vl, "-storageDataPath="+filepath.Join(dir, "vlogs"), "-retentionPeriod=100y")
	waitHTTP(t, "http://"+vl+"/health")
	return cmd
}

// startJaeger runs Jaeger v2 in memory with every listener on a free
// loopback port, and returns its OTLP/gRPC port and its query API's URL.
func startJaeger(t *testing.T, jaeger, dir string) (otlpPort int, query string) {
	t.Helper()
	otlpPort = freePort(t)
	queryPort, queryGRPCPort, healthPort := freePort(t), freePort(t), freePort(t)
	jaegerConfig := fmt.Sprintf(`
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:%d
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:%d
    grpc:
      endpoint: 127.0.0.1:%d
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, healthPort, queryPort, queryGRPCPort, otlpPort)
	jaegerConfigFile := filepath.Join(dir, "jaeger.yaml")
	require.NoError(t, os.WriteFile(jaegerConfigFile, []byte(jaegerConfig), 0o600))
	startProcess(t, jaeger, "--config", jaegerConfigFile)
	query = fmt.Sprintf("http://127.0.0.1:%d", queryPort)
	waitHTTP(t, query+"/api/services")
	return otlpPort, query
}

// logsQL runs a LogsQL query against VictoriaLogs at vl and returns its
// answer's lines (one JSON object each), or an error.
func logsQL(vl, q string) ([]string, error) {
	resp, err := http.PostForm("http://"+vl+"/select/logsql/query", url.Values{"query": {q}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	text := strings.TrimSpace(string(b))
	if text == "" {
		return nil, nil
	}
	return strings.Split(text, "\n"), nil
}

// jaegerSpan is what the tests read of a span from Jaeger's query API.
type jaegerSpan struct {
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
}

// jaegerTrace asks Jaeger's query API at query for the trace of the
// lifecycle rootKey (its ID by the README's formula) and returns its spans:
// none while Jaeger has not got it.
func jaegerTrace(query, rootKey string) []jaegerSpan {
	traceID, _ := traceids.Root(rootKey)
	resp, err := http.Get(query + "/api/traces/" + traceID.String())
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var body struct {
		Data []struct {
			Spans []jaegerSpan `json:"spans"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Data) == 0 {
		return nil
	}
	return body.Data[0].Spans
}
