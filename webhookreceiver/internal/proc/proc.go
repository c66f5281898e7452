// Package proc stops the processes that tests and benchmarks start: a
// backend, a redis-server, the distribution itself.
package proc

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Stop asks cmd's process to end (SIGTERM, by its PID), kills it (SIGKILL)
// if it has not within grace, and waits for it either way. A process the
// caller already ended and waited for is left alone: its signals go through
// os.Process, which knows it is gone, never to a PID that may now be another
// process's.
func Stop(cmd *exec.Cmd, grace time.Duration) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// MemoryKiB reads one memory figure of a process from /proc, in KiB: VmRSS
// (resident now) or VmHWM (its peak so far).
func MemoryKiB(pid int, field string) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
