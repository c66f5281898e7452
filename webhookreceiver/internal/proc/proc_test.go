package proc

import (
	"os/exec"
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
