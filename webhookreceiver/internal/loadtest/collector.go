package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
)

// eventhooksConfig is otelcol-eventhooks' configuration under load: the
// webhook receiver with every platform on, into batch → nop exporter.
func eventhooksConfig(endpoint string) string {
	// The receiver's part is loadgen.Config, as JSON: a YAML flow mapping.
	webhook, err := json.Marshal(loadgen.Config(endpoint))
	check(err)
	return distributionConfig("webhook", string(webhook), "logs", "traces")
}

// webhookEventConfig is otelcol-webhookevent's configuration under load, the
// same shape: its one path takes every platform's deliveries (httprouter's
// catch-all), and keep-alives are on as the generator's connections are
// (its default is off: a connection per request).
func webhookEventConfig(endpoint string) string {
	settings := fmt.Sprintf(`{endpoint: %q, path: "/*platform", keep_alives_enabled: true}`, endpoint)
	return distributionConfig("webhook_event", settings, "logs")
}

// distributionConfig is a collector configuration under load: the receiver
// id with its settings (a YAML flow mapping) into batch → nop exporter, one
// pipeline per signal, and the collector's own telemetry quiet.
func distributionConfig(id, settings string, signals ...string) string {
	var pipelines strings.Builder
	for _, signal := range signals {
		fmt.Fprintf(&pipelines, "    %s: {receivers: [%s], processors: [batch], exporters: [nop]}\n", signal, id)
	}
	return fmt.Sprintf(`receivers:
  %s: %s
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
%s`, id, settings, pipelines.String())
}

// startDistribution runs a collector binary on cfg, serving at endpoint,
// and stops it by its PID.
func startDistribution(binary, cfg, endpoint string) (base string, stop func()) {
	dir, err := os.MkdirTemp("", "loadtest")
	check(err)
	path := filepath.Join(dir, "config.yaml")
	check(os.WriteFile(path, []byte(cfg), 0o600))
	cmd := exec.Command(binary, "--config", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Start())
	serverCPU = func() time.Duration { return processCPU(cmd.Process.Pid) }
	serverPID = cmd.Process.Pid
	waitListening(endpoint)
	return "http://" + endpoint, func() {
		proc.Stop(cmd, 10*time.Second)
		os.RemoveAll(dir)
	}
}

// processCPU reads the user and system time of a process from /proc, in
// clock ticks of 10 ms (USER_HZ is 100 on Linux).
func processCPU(pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state is the
	// first, utime the 12th, stime the 13th.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
