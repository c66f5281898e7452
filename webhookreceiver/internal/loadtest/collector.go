package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
)

// startCollector runs the distribution with the webhook receiver, every
// platform on, into batch → nop exporter, and stops it by its PID.
func startCollector(endpoint string) (base string, stop func()) {
	dir, err := os.MkdirTemp("", "loadtest")
	check(err)
	cfg := fmt.Sprintf(`receivers:
  webhook:
    endpoint: %s
    attendee: {secrets: [%s]}
    eventsair: {secrets: [%s]}
    iotum: {signing_tokens: [%s]}
    airmeet: {tokens: [%s]}
processors:
  batch:
exporters:
  nop:
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    logs: {receivers: [webhook], processors: [batch], exporters: [nop]}
    traces: {receivers: [webhook], processors: [batch], exporters: [nop]}
`, endpoint, loadgen.AttendeeSecret, loadgen.EventsAirSecret, loadgen.IotumToken, loadgen.AirmeetToken)
	path := filepath.Join(dir, "config.yaml")
	check(os.WriteFile(path, []byte(cfg), 0o600))
	cmd := exec.Command(*collector, "--config", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Start())
	waitListening(endpoint)
	return "http://" + endpoint, func() {
		proc.Stop(cmd, 10*time.Second)
		os.RemoveAll(dir)
	}
}
