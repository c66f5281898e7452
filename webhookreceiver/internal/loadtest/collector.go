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

// startCollector runs the distribution with the webhook receiver, every
// platform on, into batch → nop exporter, and stops it by its PID.
func startCollector(endpoint string) (base string, stop func()) {
	dir, err := os.MkdirTemp("", "loadtest")
	check(err)
	// The receiver's part is loadgen.Config, as JSON: a YAML flow mapping.
	webhook, err := json.Marshal(loadgen.Config(endpoint))
	check(err)
	cfg := fmt.Sprintf(`receivers:
  webhook: %s
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
`, webhook)
	path := filepath.Join(dir, "config.yaml")
	check(os.WriteFile(path, []byte(cfg), 0o600))
	cmd := exec.Command(*collector, "--config", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Start())
	serverCPU = func() time.Duration { return processCPU(cmd.Process.Pid) }
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
