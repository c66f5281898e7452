package proc

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStopEndsAProcess(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	start := time.Now()
	Stop(cmd, 5*time.Second)
	require.Less(t, time.Since(start), 5*time.Second, "SIGTERM was enough")
	require.NotNil(t, cmd.ProcessState)
}

func TestStopKillsAProcessThatIgnoresTerm(t *testing.T) {
	cmd := exec.Command("sh", "-c", "trap '' TERM; sleep 60")
	require.NoError(t, cmd.Start())
	time.Sleep(100 * time.Millisecond) // let the shell set its trap
	start := time.Now()
	Stop(cmd, 200*time.Millisecond)
	require.Less(t, time.Since(start), 5*time.Second)
	require.NotNil(t, cmd.ProcessState)
}

func TestStopLeavesAnEndedProcessAlone(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	require.NoError(t, cmd.Start())
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.ErrorIs(t, cmd.Process.Signal(syscall.SIGTERM), os.ErrProcessDone, "what Stop's signals get")
	done := make(chan struct{})
	go func() { Stop(cmd, time.Minute); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop waited for a process that had already ended")
	}
}
