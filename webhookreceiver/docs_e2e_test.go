//go:build e2e

package webhookreceiver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmes are the documents whose commands are run.
var readmes = []string{filepath.Join("..", "README.md"), "README.md"}

// shellBlocks returns the ```sh blocks of a markdown file.
func shellBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// TestE2EDocumentedCommands runs the shell blocks of the READMEs, so that
// none drifts from what the receiver does: against the distribution on
// examples/default.yaml (as `make run` starts it), every curl of a block is
// answered 200; a transcript ("$ command" and its output) prints what it
// shows. Blocks of make targets and of servers started in the background
// (the backends) are what `make test` and `make e2e` themselves run.
func TestE2EDocumentedCommands(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startProcess(t, bin, "--config", filepath.Join("..", "examples", "default.yaml"),
		"--set", fmt.Sprintf("receivers::webhook::endpoint=127.0.0.1:%d", port),
		"--set", "service::telemetry::metrics::level=none")
	waitHTTP(t, base+"/health")

	ran := 0
	for _, path := range readmes {
		for _, block := range shellBlocks(t, path) {
			switch {
			case strings.HasPrefix(block, "$ "):
				runTranscript(t, block)
			case strings.Contains(block, "curl") && !strings.Contains(block, "make "):
				script := strings.ReplaceAll(block, "http://localhost:8088", base)
				out, err := exec.Command("bash", "-euo", "pipefail", "-c", script).CombinedOutput()
				require.NoError(t, err, "%s:\n%s\n%s", path, block, out)
				statuses := regexp.MustCompile(`(?m)^HTTP/1\.1 (\d+)`).FindAllStringSubmatch(string(out), -1)
				require.Len(t, statuses, strings.Count(block, "curl -i"), "one answer per curl -i:\n%s\n%s", block, out)
				for _, s := range statuses {
					require.Equal(t, "200", s[1], "%s:\n%s\n%s", path, block, out)
				}
			default:
				continue
			}
			ran++
		}
	}
	require.GreaterOrEqual(t, ran, 4, "the quick start's deliveries and the trace ID transcript")
}

// runTranscript runs each "$ command" of a block and compares its output
// with the lines that follow it (comments aside).
func runTranscript(t *testing.T, block string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		cmd, ok := strings.CutPrefix(lines[i], "$ ")
		if !ok {
			continue
		}
		var want []string
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "$ ") {
			i++
			if !strings.HasPrefix(lines[i], "#") {
				want = append(want, lines[i])
			}
		}
		out, err := exec.Command("bash", "-euo", "pipefail", "-c", cmd).Output()
		require.NoError(t, err, cmd)
		require.Equal(t, strings.Join(want, "\n"), strings.TrimSuffix(string(out), "\n"), cmd)
	}
}
