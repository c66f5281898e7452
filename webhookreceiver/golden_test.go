package webhookreceiver

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
)

// -update rewrites the expected files from what the receiver emits; they are
// then reviewed by reading them before they are committed.
var update = flag.Bool("update", false, "rewrite the golden files under ../testdata")

// goldenClock is when every golden delivery arrives.
var goldenClock = time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)

// TestGoldenEventsAir sends every delivery in testdata/eventsair/*.json,
// signed, and compares the log records with <name>.logs.yaml.
func TestGoldenEventsAir(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "eventsair", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			require.NoError(t, err)
			sink := new(consumertest.LogsSink)
			r, err := newReceiver(testConfig(eventsAirConfig()), receivertest.NewNopSettings(metadata.Type), func() {})
			require.NoError(t, err)
			r.logs = sink
			r.now = func() time.Time { return goldenClock }

			id := "msg_" + strings.ToLower(strings.ReplaceAll(name, ".", "_"))
			req := httptest.NewRequest(http.MethodPost, "/eventsair", strings.NewReader(string(body)))
			req.Header.Set("webhook-id", id)
			req.Header.Set("webhook-timestamp", strconv.FormatInt(goldenClock.Unix(), 10))
			req.Header.Set("webhook-signature", standardWebhooksSignature(testSecret, id, goldenClock.Unix(), string(body)))
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Len(t, sink.AllLogs(), 1)

			expectedFile := strings.TrimSuffix(file, ".json") + ".logs.yaml"
			if *update {
				require.NoError(t, golden.WriteLogs(t, expectedFile, sink.AllLogs()[0]))
			}
			expected, err := golden.ReadLogs(expectedFile)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(expected, sink.AllLogs()[0]))
		})
	}
}
