package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
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
`, endpoint, attendeeSecret, eventsAirSecret, iotumToken, airmeetToken)
	path := filepath.Join(dir, "config.yaml")
	check(os.WriteFile(path, []byte(cfg), 0o600))
	cmd := exec.Command(*collector, "--config", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Start())
	waitListening(endpoint)
	return "http://" + endpoint, func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		os.RemoveAll(dir)
	}
}
