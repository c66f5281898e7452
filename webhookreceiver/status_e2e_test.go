//go:build e2e

package webhookreceiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// componentStatus reads healthcheckv2's verbose status page at url and
// returns the status and error it reports for the component named (for
// example "receiver:webhook"), in any pipeline; ok is false when the page
// does not list it.
func componentStatus(url, component string) (status, errText string, ok bool) {
	resp, err := http.Get(url + "?verbose")
	if err != nil {
		return "", "", false
	}
	defer resp.Body.Close()
	var page map[string]any
	if json.NewDecoder(resp.Body).Decode(&page) != nil {
		return "", "", false
	}
	var find func(node map[string]any) bool
	find = func(node map[string]any) bool {
		components, _ := node["components"].(map[string]any)
		for name, c := range components {
			child, _ := c.(map[string]any)
			if name == component {
				status, _ = child["status"].(string)
				errText, _ = child["error"].(string)
				return true
			}
			if find(child) {
				return true
			}
		}
		return false
	}
	ok = find(page)
	return status, errText, ok
}

// TestE2EStatusShowsAirmeetRegistrationFailing: with Airmeet's API
// answering 503, the receiver's registration keeps failing; healthcheckv2
// (in the distribution, as examples/backends.yaml and airmeet.yaml configure
// it) shows the receiver's recoverable error over HTTP, while the receiver
// goes on accepting deliveries.
func TestE2EStatusShowsAirmeetRegistrationFailing(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	airmeetAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer airmeetAPI.Close()

	dir := t.TempDir()
	port, statusPort := freePort(t), freePort(t)
	config := fmt.Sprintf(`
extensions:
  healthcheckv2:
    use_v2: true
    component_health:
      include_permanent_errors: true
      include_recoverable_errors: true
      recovery_duration: 5m
    http:
      endpoint: 127.0.0.1:%d
      status:
        enabled: true
        path: /status
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    airmeet:
      tokens: [%s]
      register:
        api_url: %s
        access_key: ak
        secret_key: secret-key-never-shown
        public_url: https://hooks.example.com/airmeet
        platform_name: eventhooks
        triggers: [trigger.airmeet.started]
        airmeet_ids: [5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80]
exporters:
  nop:
service:
  extensions: [healthcheckv2]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs: {receivers: [webhook], exporters: [nop]}
`, statusPort, port, airmeetToken, airmeetAPI.URL)
	configFile := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(configFile, []byte(config), 0o600))
	startProcess(t, bin, "--config", configFile)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/health")

	statusURL := fmt.Sprintf("http://127.0.0.1:%d/status", statusPort)
	var status, errText string
	require.Eventually(t, func() bool {
		status, errText, _ = componentStatus(statusURL, "receiver:webhook")
		return status == "StatusRecoverableError"
	}, 30*time.Second, 200*time.Millisecond, "the receiver's status on %s: %q", statusURL, status)
	require.Contains(t, errText, "503", "the status says what failed")
	require.NotContains(t, errText, "secret-key-never-shown", "never a secret")

	req := newRequest(t, http.MethodPost, base+"/airmeet/trigger.airmeet.started?token="+airmeetToken, `{"airmeetId": "a1"}`)
	require.Equal(t, http.StatusOK, do(t, req).status, "deliveries are still accepted")
}
