package webhookreceiver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The generic Standard Webhooks platform's two golden senders, each its own
// receiver as a user runs them. Their deliveries in
// testdata/standardwebhooks/<sender>/ are signed by the official JavaScript
// library (generate.mjs), at the golden clock.
var standardWebhooksSenders = map[string]map[string]any{
	"meetbot": {
		"path":         "/meetbot",
		"service_name": "meetbot",
		"secrets":      []any{"whsec_bWVldGJvdCBzaWduaW5nIHNlY3JldCwgMzIgYnl0ZXM="},
	},
	"tickets": {
		"path":         "/tickets",
		"service_name": "tickets",
		"secrets":      []any{"whsec_dGlja2V0cyBzaWduaW5nIHNlY3JldCBvZiAzMiBieXQ="},
		"event_type":   "data.event",
		"event_time":   "data.created",
	},
}

// TestGoldenStandardWebhooks sends every delivery of every sender, headers
// and body as they were signed, and compares the log records with
// <name>.logs.yaml; each delivery sent again is a duplicate.
func TestGoldenStandardWebhooks(t *testing.T) {
	testGoldenSenders(t, "standardwebhooks", standardWebhooksSenders)
}

// testGoldenSenders runs the golden deliveries of a generic platform's
// senders, testdata/<platform>/<sender>/*.json, each sender its own receiver.
func testGoldenSenders(t *testing.T, platform string, senders map[string]map[string]any) {
	for sender, cfg := range senders {
		files, err := filepath.Glob(filepath.Join("..", "testdata", platform, sender, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, file := range files {
			t.Run(sender+"/"+strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
				g := newGoldenReceiver(t, map[string]any{platform: cfg}, goldenClock)
				for range 2 {
					g.send(t, signedDelivery(t, cfg["path"].(string), file))
				}
				require.Len(t, g.logs.AllLogs(), 1, "the second is a duplicate")
				require.Empty(t, g.traces.AllTraces(), "logs only")
				compareLogsGolden(t, strings.TrimSuffix(file, ".json")+".logs.yaml", g.logs.AllLogs()[0])
			})
		}
	}
}

// TestStandardWebhooksRefusals: a delivery whose body, signature or headers
// changed is refused, and so is one signed for the other sender.
func TestStandardWebhooksRefusals(t *testing.T) {
	file := filepath.Join("..", "testdata", "standardwebhooks", "meetbot", "bot.joined.json")
	for name, change := range map[string]func(*http.Request){
		"body changed": func(r *http.Request) {
			r.Body = http.NoBody
		},
		"id changed":               func(r *http.Request) { r.Header.Set("webhook-id", "msg_other") },
		"no signature":             func(r *http.Request) { r.Header.Del("webhook-signature") },
		"sent to the other sender": func(r *http.Request) { r.URL.Path = "/tickets" },
	} {
		t.Run(name, func(t *testing.T) {
			platforms := map[string]any{"standardwebhooks": standardWebhooksSenders["meetbot"]}
			if name == "sent to the other sender" {
				platforms = map[string]any{"standardwebhooks": standardWebhooksSenders["tickets"]}
			}
			g := newGoldenReceiver(t, platforms, goldenClock)
			req := signedDelivery(t, "/meetbot", file)
			change(req)
			rec := httptest.NewRecorder()
			g.r.ServeHTTP(rec, req)
			require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
			require.Empty(t, g.logs.AllLogs())
		})
	}
}

// signedDelivery reads {"headers": {...}, "body": "..."} into a request.
func signedDelivery(t *testing.T, path, file string) *http.Request {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var d struct {
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(d.Body))
	for k, v := range d.Headers {
		req.Header.Set(k, v)
	}
	return req
}
