//go:build e2e

package webhookreceiver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/attack"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
)

// No stranger can deny service: uploads that pass every check made before
// the body (a well-formed, forged Attendee signature) and then stall, each
// re-opened as soon as it is closed, while iotum and Attendee send a real
// delivery every 0.2 s. Against the distribution with its defaults: at
// least 99 % of the real deliveries are answered 200 on their first try,
// the process's peak RSS stays under 200 MB, and it is still serving at
// the end. ATTACK_DURATION lengthens the first case (60 s by default).
func TestE2EAttackStalledUploads(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	main := 60 * time.Second
	if d, err := time.ParseDuration(os.Getenv("ATTACK_DURATION")); err == nil {
		main = d
	}
	for _, tc := range []struct {
		name string
		c    attack.StallConfig
	}{
		{"100 of 1 MiB, a quarter lz4", attack.StallConfig{Attackers: 100, Length: 1 << 20, Encoding: "lz4", Duration: main}},
		{"100 of 1 MiB, a quarter zstd", attack.StallConfig{Attackers: 100, Length: 1 << 20, Encoding: "zstd", Duration: 15 * time.Second}},
		{"100 of 1 MiB, a quarter snappy", attack.StallConfig{Attackers: 100, Length: 1 << 20, Encoding: "snappy", Duration: 15 * time.Second}},
		{"100 chunked", attack.StallConfig{Attackers: 100, Chunked: true, Duration: 15 * time.Second}},
		{"1,000 of 1 MiB", attack.StallConfig{Attackers: 1000, Length: 1 << 20, Duration: 15 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Every, tc.c.Platforms = 200*time.Millisecond, []string{"iotum", "attendee"}
			cmd, base := startAttacked(t, bin)
			rep := attack.Stall(strings.TrimPrefix(base, "http://"), tc.c)
			peak, err := proc.MemoryKiB(cmd.Process.Pid, "VmHWM")
			require.NoError(t, err, "the collector is alive")
			t.Logf("%s; peak RSS %d MiB", rep, peak>>10)

			require.GreaterOrEqual(t, rep.Sent, int(tc.c.Duration/tc.c.Every)) // the pace held
			require.GreaterOrEqual(t, float64(rep.Accepted), 0.99*float64(rep.Sent), "%s", rep)
			require.Less(t, peak, int64(200_000_000>>10), "peak RSS")
			require.Greater(t, rep.Opened, tc.c.Attackers, "uploads were closed and re-opened: %s", rep)
			waitHTTP(t, base+"/health")
		})
	}
}

// startAttacked starts the distribution with the platforms the attack
// uses, the receiver's defaults otherwise, feeding nop exporters.
func startAttacked(t *testing.T, bin string) (*exec.Cmd, string) {
	t.Helper()
	port := freePort(t)
	config := fmt.Sprintf(`
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    attendee:
      secrets: [%s]
    iotum:
      signing_tokens: [%s]
exporters:
  nop:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [webhook]
      exporters: [nop]
    traces:
      receivers: [webhook]
      exporters: [nop]
`, port, loadgen.AttendeeSecret, loadgen.IotumToken)
	return startOnConfig(t, bin, config, port)
}

// startOnConfig runs the distribution on config, whose receiver listens on
// 127.0.0.1:port with health_path /health, and waits until it answers.
func startOnConfig(t *testing.T, bin, config string, port int) (*exec.Cmd, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(file, []byte(config), 0o600))
	cmd, _ := startProcess(t, bin, "--config", file)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/health")
	return cmd, base
}
