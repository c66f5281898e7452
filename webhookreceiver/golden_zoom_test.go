package webhookreceiver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// zoomSecret is the secret token generate.py signs testdata/zoom with.
const zoomSecret = "zoom secret token for the golden test"

var zoomDir = filepath.Join("..", "testdata", "zoom")

func zoomConfig() map[string]any {
	return map[string]any{"zoom": map[string]any{"secret_tokens": []any{"a token being rotated out", zoomSecret}}}
}

// TestGoldenZoomURLValidation: Zoom's endpoint check is answered 200 with
// the JSON Zoom expects, equal to what Python's hmac computed for it
// (url_validation.answer.json, written by generate.py); it is counted as a
// challenge, and is no log record.
func TestGoldenZoomURLValidation(t *testing.T) {
	r := startReceiverOnClock(t, testConfig(zoomConfig()), componenttest.NewNopHost(), nil, nil, func() time.Time { return goldenClock })
	req := signedDelivery(t, "/zoom", filepath.Join(zoomDir, "url_validation.json"))
	req.URL.Host, req.URL.Scheme, req.RequestURI = strings.TrimPrefix(r.url, "http://"), "http", ""
	resp := do(t, req)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	require.Equal(t, "application/json", resp.header.Get("Content-Type"))
	want, err := os.ReadFile(filepath.Join(zoomDir, "url_validation.answer.json"))
	require.NoError(t, err)
	require.JSONEq(t, string(want), resp.body)
	require.Equal(t, map[string]int64{"challenge": 1}, deliveriesByOutcome(t, r.tel, "zoom"))
	require.Zero(t, r.logs.LogRecordCount())
	require.Zero(t, r.traces.SpanCount())

	// Signed with another secret, the check is refused like any delivery:
	// answering it would let anyone learn a token's HMAC.
	g := newGoldenReceiver(t, map[string]any{"zoom": map[string]any{"secret_tokens": []any{"another app's token"}}}, goldenClock)
	rec := httptest.NewRecorder()
	g.r.ServeHTTP(rec, signedDelivery(t, "/zoom", filepath.Join(zoomDir, "url_validation.json")))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.NotContains(t, rec.Body.String(), "encryptedToken")
}

// A meeting and a webinar sent as deliveries, in order: every delivery's
// record compared with <name>.logs.yaml, each story one trace compared with
// <story>.traces.yaml; sent again, nothing more is emitted.
func TestGoldenZoom(t *testing.T) {
	for story, root := range map[string]string{
		"meeting": "zoom/meeting/4444AAAiAAAAAiAiAiiAii==",
		"webinar": "zoom/webinar/Wb1nAAAiAAAAAiAiAiiAii==",
	} {
		t.Run(story, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(zoomDir, story, "*.json"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			g := newGoldenReceiver(t, zoomConfig(), goldenClock)
			for i, file := range files {
				g.send(t, signedDelivery(t, "/zoom", file))
				require.Len(t, g.logs.AllLogs(), i+1)
				compareLogsGolden(t, strings.TrimSuffix(file, ".json")+".logs.yaml", g.logs.AllLogs()[i])
			}
			compareTracesGolden(t, filepath.Join(zoomDir, story+".traces.yaml"), g.traces.AllTraces())

			traceID, rootID := traceids.Root(root)
			spans := flattenSpans(g.traces.AllTraces()).ResourceSpans().At(0).ScopeSpans().At(0).Spans()
			roots := 0
			for _, s := range spans.All() {
				require.Equal(t, traceID, s.TraceID(), s.Name())
				if s.SpanID() == rootID {
					roots++
				} else {
					require.Equal(t, rootID, s.ParentSpanID(), s.Name())
				}
				_, incomplete := s.Attributes().Get("webhook.lifecycle.incomplete")
				require.False(t, incomplete, s.Name())
			}
			require.Equal(t, 1, roots)
			for _, ld := range g.logs.AllLogs() {
				lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
				require.Equal(t, traceID, lr.TraceID(), "every record of the story is in its trace")
			}

			n, logs := g.traces.SpanCount(), g.logs.LogRecordCount()
			for _, file := range files {
				g.send(t, signedDelivery(t, "/zoom", file))
			}
			require.Equal(t, n, g.traces.SpanCount(), "Zoom's retries emit nothing more")
			require.Equal(t, logs, g.logs.LogRecordCount())
		})
	}
}

// Zoom's scheme said generically (the hmac platform's zoom sender, keyed
// with the zoom golden secret) verifies every zoom golden delivery, names
// its record as the zoom platform does, and refuses what the zoom platform
// refuses.
func TestHMACAgreesWithZoom(t *testing.T) {
	generic := map[string]any{}
	for k, v := range hmacSenders["zoom"] {
		generic[k] = v
	}
	generic["secrets"] = []any{zoomSecret}
	files, err := filepath.Glob(filepath.Join(zoomDir, "*", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 16)
	for _, file := range files {
		z := newGoldenReceiver(t, zoomConfig(), goldenClock)
		h := newGoldenReceiver(t, map[string]any{"hmac": generic}, goldenClock)
		z.send(t, signedDelivery(t, "/zoom", file))
		h.send(t, signedDelivery(t, "/zoom-generic", file))
		zr := z.logs.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		hr := h.logs.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		require.Equal(t, zr.EventName(), hr.EventName(), file)
		require.Equal(t, zr.Timestamp(), hr.Timestamp(), file)
		require.Equal(t, zr.Body().AsRaw(), hr.Body().AsRaw(), file)

		for _, target := range []struct {
			g    *goldenReceiver
			path string
		}{{z, "/zoom"}, {h, "/zoom-generic"}} {
			req := signedDelivery(t, target.path, file)
			req.Header.Set("x-zm-request-timestamp", "1759233601")
			rec := httptest.NewRecorder()
			target.g.r.ServeHTTP(rec, req)
			require.Equal(t, http.StatusUnauthorized, rec.Code, "%s: the timestamp is signed", target.path)
		}
	}
}

// zoomBody is a golden delivery's body, for tests that change it.
func zoomBody(t *testing.T, file string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(zoomDir, file))
	require.NoError(t, err)
	var d struct{ Body string }
	require.NoError(t, json.Unmarshal(raw, &d))
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(d.Body), &body))
	return body
}
