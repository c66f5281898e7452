package webhookreceiver

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The generic hmac platform's three golden senders, configured as the
// reference shows them, each its own receiver as a user runs them. Their
// deliveries in testdata/hmac/<sender>/ are signed with Python's hmac
// (generate.py), at the golden clock.
var hmacSenders = map[string]map[string]any{
	"github": {
		"path":              "/github",
		"service_name":      "github",
		"secrets":           []any{"github webhook secret, 32 chars"},
		"signature_header":  "X-Hub-Signature-256",
		"signature_prefix":  "sha256=",
		"event_type_header": "X-GitHub-Event",
		"event_type":        "action",
		"event_id_header":   "X-GitHub-Delivery",
	},
	"slack": {
		"path":             "/slack",
		"service_name":     "slack",
		"secrets":          []any{"8f742231b10e8888abcd99yyyzzz85a5"},
		"signature_header": "X-Slack-Signature",
		"signature_prefix": "v0=",
		"signed_content":   "v0:{timestamp}:{body}",
		"timestamp_header": "X-Slack-Request-Timestamp",
		"event_type":       "event.type",
		"event_id":         "event_id",
		"event_time":       "event_time",
		"challenge":        map[string]any{"field": "type", "value": "url_verification", "echo": "challenge"},
	},
	"zoom": {
		"path":             "/zoom-generic",
		"service_name":     "zoom",
		"secrets":          []any{"zoom secret token for the hmac test"},
		"signature_header": "x-zm-signature",
		"signature_prefix": "v0=",
		"signed_content":   "v0:{timestamp}:{body}",
		"timestamp_header": "x-zm-request-timestamp",
		"event_type":       "event",
		"event_time":       "event_ts",
	},
}

// TestGoldenHMAC: every delivery of every sender, compared with its
// <name>.logs.yaml; each sent again is a duplicate.
func TestGoldenHMAC(t *testing.T) {
	testGoldenSenders(t, "hmac", hmacSenders)
}

// TestHMACRefusals: a delivery whose body, signature or signed timestamp
// changed is refused, and so is one sent to another sender.
func TestHMACRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		sender, file string
		change       func(*http.Request)
		status       int
	}{
		"github body changed":      {"github", "push", func(r *http.Request) { r.Body = http.NoBody }, http.StatusUnauthorized},
		"github no signature":      {"github", "push", func(r *http.Request) { r.Header.Del("X-Hub-Signature-256") }, http.StatusUnauthorized},
		"github no event header":   {"github", "push", func(r *http.Request) { r.Header.Del("X-GitHub-Event") }, http.StatusBadRequest},
		"slack timestamp changed":  {"slack", "app_mention", func(r *http.Request) { r.Header.Set("X-Slack-Request-Timestamp", "1759233601") }, http.StatusUnauthorized},
		"slack timestamp too old":  {"slack", "app_mention", func(r *http.Request) { r.Header.Set("X-Slack-Request-Timestamp", "1759233000") }, http.StatusUnauthorized},
		"zoom sent to slack":       {"zoom", "meeting.started", func(r *http.Request) { r.URL.Path = "/slack" }, http.StatusUnauthorized},
		"zoom signed for the body": {"zoom", "meeting.started", func(r *http.Request) { r.Header.Set("x-zm-signature", "v0=00") }, http.StatusUnauthorized},
	} {
		t.Run(name, func(t *testing.T) {
			target := tc.sender
			if name == "zoom sent to slack" {
				target = "slack"
			}
			g := newGoldenReceiver(t, map[string]any{"hmac": hmacSenders[target]}, goldenClock)
			req := signedDelivery(t, hmacSenders[tc.sender]["path"].(string), filepath.Join("..", "testdata", "hmac", tc.sender, tc.file+".json"))
			tc.change(req)
			rec := httptest.NewRecorder()
			g.r.ServeHTTP(rec, req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Empty(t, g.logs.AllLogs())
		})
	}
}

// TestHMACSlackURLVerification: Slack's endpoint check, signed, is
// answered 200 with its challenge as text, as Slack wants, and is no record;
// unsigned, it is refused.
func TestHMACSlackURLVerification(t *testing.T) {
	file := filepath.Join("..", "testdata", "hmac", "challenges", "slack.url_verification.json")
	g := newGoldenReceiver(t, map[string]any{"hmac": hmacSenders["slack"]}, goldenClock)
	rec := httptest.NewRecorder()
	g.r.ServeHTTP(rec, signedDelivery(t, "/slack", file))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", rec.Body.String())
	require.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Empty(t, g.logs.AllLogs())

	req := signedDelivery(t, "/slack", file)
	req.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	rec = httptest.NewRecorder()
	g.r.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.NotContains(t, rec.Body.String(), "3eZbrw1a")
}
