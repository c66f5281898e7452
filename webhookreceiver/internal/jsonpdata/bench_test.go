package jsonpdata

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// webhookDoc is a ~1 KiB webhook body in the style of a source-hosting
// push event: nested objects, strings, integers, a double, booleans, null.
var webhookDoc = []byte(`{
  "event": "push",
  "delivery_id": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
  "ref": "refs/heads/main",
  "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  "after": "0000000000000000000000000000000000000000",
  "created": false,
  "deleted": true,
  "forced": false,
  "base_ref": null,
  "compare": "https://example.com/octo-org/hello-world/compare/6113728f27ae...000000000000",
  "repository": {
    "id": 186853002,
    "name": "hello-world",
    "full_name": "octo-org/hello-world",
    "private": false,
    "owner": {"login": "octo-org", "id": 6811672, "type": "Organization", "site_admin": false},
    "description": "My first repository",
    "fork": false,
    "created_at": 1557933565,
    "size": 0,
    "stargazers_count": 0,
    "score": 0.75,
    "language": null,
    "topics": ["webhooks", "demo", "otel"],
    "default_branch": "main"
  },
  "pusher": {"name": "octocat", "email": "octocat@example.com"},
  "sender": {
    "login": "octocat",
    "id": 21031067,
    "avatar_url": "https://avatars.example.com/u/21031067?v=4",
    "type": "User",
    "site_admin": false
  },
  "commits": [
    {"id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "message": "Update README.md\n\nFix typo", "timestamp": "2019-05-15T15:20:41Z", "added": [], "removed": [], "modified": ["README.md"]}
  ]
}`)

func BenchmarkParse(b *testing.B) {
	v := pcommon.NewValueEmpty()
	require.NoError(b, Parse(string(webhookDoc), v))
	b.SetBytes(int64(len(webhookDoc)))
	b.ReportAllocs()
	for b.Loop() {
		v := pcommon.NewValueEmpty()
		if err := Parse(string(webhookDoc), v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is the usual way to get the same result, for
// comparison: encoding/json into map[string]any, then Map.FromRaw.
func BenchmarkEncodingJSON(b *testing.B) {
	b.SetBytes(int64(len(webhookDoc)))
	b.ReportAllocs()
	for b.Loop() {
		var raw map[string]any
		if err := json.Unmarshal(webhookDoc, &raw); err != nil {
			b.Fatal(err)
		}
		if err := pcommon.NewMap().FromRaw(raw); err != nil {
			b.Fatal(err)
		}
	}
}
