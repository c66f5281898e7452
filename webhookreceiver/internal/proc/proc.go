// Package proc stops the processes that tests and benchmarks start: a
// backend, a redis-server, the distribution itself.
package proc

import (
	"os/exec"
	"syscall"
	"time"
)

// Stop asks cmd's process to end (SIGTERM, by its PID), kills it (SIGKILL)
// if it has not within grace, and waits for it either way.
func Stop(cmd *exec.Cmd, grace time.Duration) {
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}
