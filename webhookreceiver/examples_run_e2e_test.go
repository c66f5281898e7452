//go:build e2e

package webhookreceiver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// runExample starts the distribution on an example as it is, with an
// override merged over it (the collector's own merging of --config files):
// the receiver on a free loopback port, and the named pipelines exporting
// to files instead of the example's exporters. It returns the receiver's
// base URL and the output file of each pipeline.
func runExample(t *testing.T, example string, pipelines map[string]string) (string, map[string]string) {
	t.Helper()
	return runExampleWith(t, example, pipelines, nil, http.DefaultClient)
}

// runExampleWith is runExample with more environment, and the client that
// reaches the receiver (https:// when it has a TLS configuration).
func runExampleWith(t *testing.T, example string, pipelines map[string]string, env []string, client *http.Client) (string, map[string]string) {
	t.Helper()
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	dir := t.TempDir()
	port := freePort(t)
	override := fmt.Sprintf("receivers:\n  webhook:\n    endpoint: 127.0.0.1:%d\n    health_path: /health\nexporters:\n", port)
	files := map[string]string{}
	for pipeline := range pipelines {
		files[pipeline] = filepath.Join(dir, pipeline+".jsonl")
		override += fmt.Sprintf("  file/%s:\n    path: %s\n    flush_interval: 100ms\n", pipeline, files[pipeline])
	}
	override += "connectors:\n  spanmetrics:\n    metrics_flush_interval: 1s\nservice:\n  telemetry:\n    metrics:\n      level: none\n  pipelines:\n"
	for pipeline, exporters := range pipelines {
		override += fmt.Sprintf("    %s:\n      exporters: [%s]\n", pipeline, strings.ReplaceAll(exporters, "FILE", "file/"+pipeline))
	}
	overrideFile := filepath.Join(dir, "override.yaml")
	require.NoError(t, os.WriteFile(overrideFile, []byte(override), 0o600))
	cmd := exec.Command(bin, "--config", filepath.Join("..", "examples", example), "--config", overrideFile)
	cmd.Env = append(os.Environ(),
		"ATTENDEE_WEBHOOK_SECRET="+loadgen.AttendeeSecret, "IOTUM_SIGNING_TOKEN="+loadgen.IotumToken,
		"AIRMEET_WEBHOOK_TOKEN="+loadgen.AirmeetToken, "REDACTION_HMAC_KEY="+strings.Repeat("k", 32))
	cmd.Env = append(cmd.Env, env...)
	startCommand(t, cmd)
	scheme := "http"
	if client != http.DefaultClient {
		scheme = "https"
	}
	base := fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
	require.Eventually(t, func() bool {
		resp, err := client.Get(base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "%s never answered", base)
	return base, files
}

// sendAttendee posts Attendee deliveries, signed, and wants each accepted.
func sendAttendee(t *testing.T, base string, bodies ...string) {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	for _, body := range bodies {
		req := loadgen.NewRequest(base+"/attendee", body)
		require.NoError(t, loadgen.SignAttendee(req, key, body))
		resp := do(t, req)
		require.Equal(t, http.StatusOK, resp.status, resp.body)
	}
}

func attendeeDeliveryBody(id, trigger, data string) string {
	return fmt.Sprintf(`{"idempotency_key": %q, "bot_id": "bot_example", "bot_metadata": null, "trigger": %q, "data": %s}`, id, trigger, data)
}

// examples/redaction.yaml does what it says: the people's fields come out
// hashed, and service.name as it was, so that a backend finds each
// platform's records by it.
func TestE2EExampleRedaction(t *testing.T) {
	base, files := runExample(t, "redaction.yaml", map[string]string{"logs": "FILE"})
	sendAttendee(t, base, attendeeDeliveryBody("5b0c0e62-0000-4000-8000-000000000001", "participant_events.join_leave",
		`{"id": "pe_1", "participant_name": "Ana Garcia", "participant_uuid": "16778240", "participant_user_uuid": null, "participant_is_host": true, "event_type": "join", "event_data": {}, "timestamp_ms": 1752588000000}`))

	var doc string
	var services []string
	require.Eventually(t, func() bool {
		var u plog.JSONUnmarshaler
		readJSONLines(t, files["logs"], func(line []byte) {
			ld, err := u.UnmarshalLogs(line)
			if err != nil {
				return
			}
			for _, rl := range ld.ResourceLogs().All() {
				if v, ok := rl.Resource().Attributes().Get("service.name"); ok {
					services = append(services, v.Str())
				}
			}
			doc += string(line)
		})
		return len(services) > 0
	}, 30*time.Second, 100*time.Millisecond)
	require.Equal(t, []string{"attendee"}, services, "service.name kept")
	require.Contains(t, doc, "participant_name", "the field is there")
	require.NotContains(t, doc, "Ana Garcia", "its value is not")
	require.Contains(t, doc, "16778240", "identifiers are kept")
}

// examples/spanmetrics.yaml does what it says: a bot that failed to join
// is counted by attendee.bot.final_state=fatal_error, with status Error.
func TestE2EExampleSpanmetrics(t *testing.T) {
	base, files := runExample(t, "spanmetrics.yaml", map[string]string{"traces": "spanmetrics", "metrics": "FILE"})
	state := func(n int, from, to, eventType, subType string) string {
		return attendeeDeliveryBody(fmt.Sprintf("5b0c0e62-0000-4000-8000-00000000001%d", n), "bot.state_change",
			fmt.Sprintf(`{"new_state": %q, "old_state": %q, "created_at": "2025-07-15T14:0%d:00.000000+00:00", "event_type": %q, "event_sub_type": %s, "event_metadata": null}`, to, from, n, eventType, subType))
	}
	sendAttendee(t, base, state(0, "ready", "joining", "join_requested", "null"),
		state(1, "joining", "fatal_error", "could_not_join_meeting", `"meeting_not_found"`))

	require.Eventually(t, func() bool {
		found := false
		var u pmetric.JSONUnmarshaler
		readJSONLines(t, files["metrics"], func(line []byte) {
			md, err := u.UnmarshalMetrics(line)
			if err != nil {
				return
			}
			for _, rm := range md.ResourceMetrics().All() {
				for _, sm := range rm.ScopeMetrics().All() {
					for _, m := range sm.Metrics().All() {
						if m.Type() != pmetric.MetricTypeSum || !strings.HasSuffix(m.Name(), "calls") {
							continue
						}
						for _, dp := range m.Sum().DataPoints().All() {
							attrs := dp.Attributes().AsRaw()
							if attrs["span.name"] == "attendee.bot" && attrs["attendee.bot.final_state"] == "fatal_error" &&
								attrs["status.code"] == "STATUS_CODE_ERROR" && dp.IntValue() >= 1 {
								found = true
							}
						}
					}
				}
			}
		})
		return found
	}, 60*time.Second, 200*time.Millisecond, "a calls series of attendee.bot with final_state fatal_error and status Error (the bot's span comes out lifecycle.grace, 30s, after its end)")
}

// examples/tls.yaml serves HTTPS: with a self-signed certificate for
// 127.0.0.1, a signed delivery is answered 200 over TLS, and one in plain
// HTTP is not served.
func TestE2EExampleTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	base, files := runExampleWith(t, "tls.yaml", map[string]string{"logs": "FILE"},
		[]string{"TLS_CERT_FILE=" + certFile, "TLS_KEY_FILE=" + keyFile}, client)
	require.True(t, strings.HasPrefix(base, "https://"))

	key, _ := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	body := attendeeDeliveryBody("5b0c0e62-0000-4000-8000-000000000021", "bot_logs.update",
		`{"id": "log-1", "level": "info", "entry_type": "note", "message": "over TLS", "created_at": "2025-07-15T14:00:00.000000+00:00"}`)
	req := loadgen.NewRequest(base+"/attendee", body)
	require.NoError(t, loadgen.SignAttendee(req, key, body))
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotNil(t, resp.TLS, "answered over TLS")
	require.Eventually(t, func() bool { return len(readLogRecords(t, files["logs"])) == 1 }, 30*time.Second, 100*time.Millisecond)

	plain, err := http.Get("http://" + strings.TrimPrefix(base, "https://") + "/health")
	if err == nil {
		plain.Body.Close()
		require.NotEqual(t, http.StatusOK, plain.StatusCode, "plain HTTP is not served")
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to
// dir, and returns them with a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eventhooks e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(priv)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
