//go:build e2e

package webhookreceiver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestE2EExamplesValidate loads every examples/*.yaml with the built
// distribution, so that none rots.
func TestE2EExamplesValidate(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 9)
	env := append(os.Environ(),
		"ATTENDEE_WEBHOOK_SECRET="+attendeeSecret,
		"EVENTSAIR_WEBHOOK_SECRET="+testSecret,
		"MEETBOT_WEBHOOK_SECRET="+testSecret, "TICKETS_WEBHOOK_SECRET="+testSecret,
		"IOTUM_SIGNING_TOKEN="+iotumToken,
		"AIRMEET_WEBHOOK_TOKEN="+airmeetToken,
		"AIRMEET_ACCESS_KEY=ak", "AIRMEET_SECRET_KEY=sk", "AIRMEET_EVENT_ID=5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80",
		"REDACTION_HMAC_KEY="+strings.Repeat("k", 32),
		"REDIS_PASSWORD=p",
		"TLS_CERT_FILE=/nonexistent/cert.pem", "TLS_KEY_FILE=/nonexistent/key.pem",
	)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			path := file
			cmd := exec.Command(bin, "validate", "--config", path)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
		})
	}
}
