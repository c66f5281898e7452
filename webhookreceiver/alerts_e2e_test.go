//go:build e2e

package webhookreceiver

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// The alerting rules of examples/prometheus are about series a collector
// really exposes: the distribution runs with the receiver's metrics on a
// Prometheus endpoint and is made to produce each (deliveries accepted and
// refused, a connection past max_connections, expired spans refused for
// good by an exporter, an exporter's queue), and every metric name the
// rules and their unit test use must be among those it serves. Then
// promtool checks the rules and runs their unit test.
func TestE2EAlertRules(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	promtool := fromMake(t, "PROMTOOL", "promtool")
	rules := filepath.Join("..", "examples", "prometheus", "alerts.yaml")
	rulesTest := filepath.Join("..", "examples", "prometheus", "alerts_test.yaml")

	// An OTLP/HTTP backend that takes logs and refuses traces for good (400).
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/v1/traces") {
			http.Error(w, "no traces here", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = backend.Serve(ln) }()
	t.Cleanup(func() { backend.Close() })

	port, metricsPort := freePort(t), freePort(t)
	config := fmt.Sprintf(`
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    max_connections: 4
    lifecycle:
      timeout: 1s
      grace: 100ms
    attendee:
      secrets: [%q]
    iotum:
      signing_tokens: [%q]
exporters:
  otlp_http/logs:
    endpoint: http://%s
  otlp_http/traces:
    endpoint: http://%s
    sending_queue:
      enabled: false
    retry_on_failure:
      enabled: false
service:
  telemetry:
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %d
  pipelines:
    logs:
      receivers: [webhook]
      exporters: [otlp_http/logs]
    traces:
      receivers: [webhook]
      exporters: [otlp_http/traces]
`, port, loadgen.AttendeeSecret, loadgen.IotumToken, ln.Addr(), ln.Addr(), metricsPort)
	_, base := startOnConfig(t, bin, config, port)

	// Accepted and refused deliveries; a bot that opens, and expires a
	// second later into an exporter that refuses it for good.
	platforms := map[string]loadgen.Platform{}
	for _, p := range loadgen.Platforms() {
		platforms[p.Name] = p
	}
	require.Equal(t, http.StatusOK, do(t, platforms["iotum"].Next(base, 1)).status)
	require.Equal(t, http.StatusUnauthorized, do(t, newRequest(t, http.MethodPost, base+"/iotum", "{}")).status)
	key, _ := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	body := attendeeDeliveryBody("5b0c0e62-0000-4000-8000-000000000031", "bot.state_change",
		`{"new_state": "joining", "old_state": "ready", "created_at": "2025-07-15T14:00:00.000000+00:00", "event_type": "join_requested", "event_sub_type": null, "event_metadata": null}`)
	req := loadgen.NewRequest(base+"/attendee", body)
	require.NoError(t, loadgen.SignAttendee(req, key, body))
	require.Equal(t, http.StatusOK, do(t, req).status)
	// Connections past max_connections.
	for range 6 {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		require.NoError(t, err)
		defer c.Close()
	}

	used := metricNames(t, rules, rulesTest)
	var missing []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		served := scrapeNames(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
		missing = missing[:0]
		for name := range used {
			if !served[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	require.Empty(t, missing, "the rules use series the collector does not serve")

	for _, args := range [][]string{{"check", "rules", rules}, {"test", "rules", rulesTest}} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
	t.Logf("%d metric names used by the rules, all served", len(used))
}

// metricNames are the otelcol_* names the files use.
func metricNames(t *testing.T, files ...string) map[string]bool {
	names := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, n := range regexp.MustCompile(`otelcol_[a-z_]+`).FindAllString(string(b), -1) {
			names[n] = true
		}
	}
	require.NotEmpty(t, names)
	return names
}

// scrapeNames are the metric names a Prometheus endpoint serves now.
func scrapeNames(url string) map[string]bool {
	names := map[string]bool{}
	resp, err := http.Get(url)
	if err != nil {
		return names
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}
