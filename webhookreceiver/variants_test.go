package webhookreceiver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// variant is a golden delivery with one key changed.
type variant struct {
	what string // the key's path and the change, for the failure message
	doc  any
}

// replacements are the values a key is given instead of its own: null and
// a value of every other JSON type.
var replacements = []any{nil, "x", json.Number("7"), map[string]any{}, []any{}, true}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "bool"
	}
	panic(fmt.Sprintf("not JSON: %T", v))
}

// variants returns, for every key of doc at every depth (array items
// included, and a string that holds JSON, as iotum's payload does), a copy
// of doc with the key removed and one with each replacement of another type.
func variants(doc any) []variant {
	var out []variant
	var walk func(path string, v any, set func(any, bool) any)
	walk = func(path string, v any, set func(v any, remove bool) any) {
		out = append(out, variant{path + " removed", set(nil, true)})
		for _, r := range replacements {
			if jsonType(r) != jsonType(v) {
				out = append(out, variant{path + " = " + jsonType(r), set(r, false)})
			}
		}
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				walk(path+"."+k, child, func(nv any, remove bool) any {
					m := maps(v)
					if remove {
						delete(m, k)
					} else {
						m[k] = nv
					}
					return set(m, false)
				})
			}
		case []any:
			for i, child := range v {
				walk(path+"["+strconv.Itoa(i)+"]", child, func(nv any, remove bool) any {
					s := slices.Clone(v)
					if remove {
						s = slices.Delete(s, i, i+1)
					} else {
						s[i] = nv
					}
					return set(s, false)
				})
			}
		case string:
			if inner, ok := decodeJSON(v).(map[string]any); ok {
				walk(path+"(json)", inner, func(nv any, remove bool) any {
					if remove {
						return set("", false)
					}
					return set(string(encodeJSON(nv)), false)
				})
			}
		}
	}
	if m, ok := doc.(map[string]any); ok {
		for k, child := range m {
			walk(k, child, func(nv any, remove bool) any {
				c := maps(m)
				if remove {
					delete(c, k)
				} else {
					c[k] = nv
				}
				return c
			})
		}
	}
	return out
}

func maps(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// decodeJSON decodes JSON keeping numbers as their text; nil for anything
// that is not JSON.
func decodeJSON(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil
	}
	return v
}

func encodeJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// goldenDeliveries lists the delivery files of a platform's testdata.
func goldenDeliveries(t *testing.T, platform string) []string {
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "testdata", platform), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") && filepath.Base(path) != "signatures.json" && !strings.HasSuffix(path, ".answer.json") {
			files = append(files, path)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// Every field of every golden delivery, taken away, made null or of another
// type, re-signed as its platform would: each variant is answered 200 or
// 400 with a reason, never a panic, never a 5xx.
func TestEveryFieldTakenAway(t *testing.T) {
	h := handlerOf(t, testConfig(allPlatforms()))

	attendeeKey, err := base64.StdEncoding.DecodeString(attendeeSecret)
	require.NoError(t, err)
	n := 0
	// sign makes the request a platform would send for body.
	sign := map[string]func(file string, body []byte) *http.Request{
		"attendee": func(_ string, body []byte) *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/attendee", bytes.NewReader(body))
			if err := loadgen.SignAttendee(req, attendeeKey, string(body)); err != nil {
				req.Header.Set("X-Webhook-Signature", forgedSignature) // not JSON Attendee could sign
			}
			return req
		},
		"eventsair": func(_ string, body []byte) *http.Request {
			return signedNow("/eventsair", testSecret, "msg_variant_"+strconv.Itoa(n), body)
		},
		"iotum": func(_ string, body []byte) *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/iotum", bytes.NewReader(body))
			req.Header.Set("x-signing-token", iotumToken)
			return req
		},
		"airmeet": func(file string, body []byte) *http.Request {
			trigger := strings.TrimSuffix(filepath.Base(file), ".json")
			return httptest.NewRequest(http.MethodPost, "/airmeet/"+trigger+"?token="+airmeetToken, bytes.NewReader(body))
		},
		"standardwebhooks/meetbot": func(_ string, body []byte) *http.Request {
			secret := standardWebhooksSenders["meetbot"]["secrets"].([]any)[0].(string)
			return signedNow("/meetbot", secret, "msg_variant_"+strconv.Itoa(n), body)
		},
		"zoom": func(_ string, body []byte) *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/zoom", bytes.NewReader(body))
			loadgen.SignZoom(req, []byte(zoomSecret), time.Now(), body)
			return req
		},
	}
	byStatus := map[int]int{}
	for _, platform := range []string{"attendee", "eventsair", "iotum", "airmeet", "standardwebhooks/meetbot", "zoom"} {
		for _, file := range goldenDeliveries(t, platform) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			if platform == "standardwebhooks/meetbot" || platform == "zoom" { // {"headers", "body"}: the body is the delivery
				var signed struct{ Body string }
				require.NoError(t, json.Unmarshal(raw, &signed))
				raw = []byte(signed.Body)
			}
			doc := decodeJSON(string(raw))
			require.NotNil(t, doc, file)
			for _, v := range variants(doc) {
				n++
				// Each variant a delivery of its own, not a repeat of the last.
				if m, ok := v.doc.(map[string]any); ok && platform == "attendee" && !strings.HasPrefix(v.what, "idempotency_key ") {
					m["idempotency_key"] = "variant-" + strconv.Itoa(n)
				}
				req := sign[platform](file, encodeJSON(v.doc))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				byStatus[w.Code]++
				switch w.Code {
				case http.StatusOK:
				case http.StatusBadRequest:
					require.NotEmpty(t, strings.TrimSpace(w.Body.String()), "%s, %s: a 400 says why", file, v.what)
				default:
					t.Fatalf("%s, %s: answered %d %q", file, v.what, w.Code, w.Body.String())
				}
			}
		}
	}
	t.Logf("%d variants: %v", n, byStatus)
	require.Greater(t, n, 1000)
}

// signedNow is a Standard Webhooks delivery of body to path, signed now.
func signedNow(path, secret, id string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	ts := time.Now().Unix()
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", standardWebhooksSignature(secret, id, ts, string(body)))
	return req
}
