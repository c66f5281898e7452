package hmac

import (
	cryptohmac "crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const secret = "It's a Secret to Everybody"

// The receiver asks, before reading a body, what the headers alone refuse.
var _ provider.HeaderVerifier = (*sender)(nil)

func newTestSender(t testing.TB, change func(*Config)) *sender {
	t.Helper()
	cfg := newConfig().(*Config)
	cfg.ServiceName = "github"
	cfg.Secrets = []configopaque.String{secret}
	cfg.SignatureHeader = "X-Hub-Signature-256"
	cfg.SignaturePrefix = "sha256="
	cfg.EventTypeHeader = "X-GitHub-Event"
	cfg.EventType = "action"
	cfg.EventIDHeader = "X-GitHub-Delivery"
	if change != nil {
		change(cfg)
	}
	require.NoError(t, cfg.Validate())
	p, err := newProvider(cfg, provider.Settings{Logger: zap.NewNop()})
	require.NoError(t, err)
	return p.(*sender)
}

// github is a delivery signed as GitHub documents it, apart from the code
// under test.
func github(event, id, body string) *provider.Delivery {
	m := cryptohmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	h := http.Header{}
	h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	if event != "" {
		h.Set("X-GitHub-Event", event)
	}
	if id != "" {
		h.Set("X-GitHub-Delivery", id)
	}
	return &provider.Delivery{Header: h, Body: []byte(body), Received: time.Now()}
}

func decodeOne(t *testing.T, s *sender, d *provider.Delivery) provider.Event {
	t.Helper()
	require.NoError(t, s.VerifyHeaders(d))
	require.NoError(t, s.Verify(d))
	events, err := s.Decode(d)
	require.NoError(t, err)
	require.Len(t, events, 1)
	return events[0]
}

func TestEventTypeFromHeaderAndBody(t *testing.T) {
	s := newTestSender(t, nil)
	ev := decodeOne(t, s, github("issues", "d-1", `{"action":"opened","issue":{"id":7,"milestone_id":3},"repository_id":9}`))
	require.Equal(t, "issues.opened", ev.Type)
	require.Equal(t, "d-1", ev.DeliveryKey)
	require.Equal(t, map[string]any{"github.milestone.id": "3", "github.repository.id": "9"}, ev.Attributes.AsRaw())
	require.Equal(t, "push", decodeOne(t, s, github("push", "d-2", `{"ref":"refs/heads/main"}`)).Type, "no action: the header alone")
	require.Equal(t, "push", decodeOne(t, s, github("push", "d-2", `{"action":3}`)).Type, "an action that is not a string is none")

	_, err := s.Decode(github("", "d-3", `{"action":"opened"}`))
	require.EqualError(t, err, "missing X-Github-Event header (event_type_header)")

	s = newTestSender(t, func(c *Config) { c.EventTypeHeader = "" })
	_, err = s.Decode(github("issues", "d-4", `{"issue":{}}`))
	require.EqualError(t, err, `event_type "action": no non-empty string at this path of the body`)
}

func TestDeliveryKey(t *testing.T) {
	s := newTestSender(t, nil)
	body := `{"action":"opened"}`
	require.Equal(t, "d-1", decodeOne(t, s, github("issues", "d-1", body)).DeliveryKey)
	byBody := decodeOne(t, s, github("issues", "", body)).DeliveryKey
	require.Len(t, byBody, 64, "without the header, the body's digest")
	require.Equal(t, byBody, decodeOne(t, s, github("pull_request", "", body)).DeliveryKey)
	require.NotEqual(t, byBody, decodeOne(t, s, github("issues", "", `{"action":"closed"}`)).DeliveryKey)

	s = newTestSender(t, func(c *Config) { c.EventIDHeader = ""; c.EventID = "event.id" })
	require.Equal(t, "12", decodeOne(t, s, github("issues", "d-1", `{"event":{"id":12}}`)).DeliveryKey)
	require.Len(t, decodeOne(t, s, github("issues", "d-1", `{"event":{"id":{}}}`)).DeliveryKey, 64)
}

func TestEventTime(t *testing.T) {
	s := newTestSender(t, func(c *Config) { c.EventTime = "event_ts" })
	ev := decodeOne(t, s, github("x", "", `{"event_ts":1759233600123}`))
	require.Equal(t, time.Date(2025, 9, 30, 12, 0, 0, 123e6, time.UTC), ev.Time)
	require.True(t, decodeOne(t, s, github("x", "", `{"event_ts":"soon"}`)).Time.IsZero())
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	cfg.SignedContent = "v0:{timestamp}:{body}"
	cfg.SignatureEncoding = "HEX"
	cfg.EventID = "a..b"
	cfg.EventIDHeader = "X-Id"
	err := cfg.Validate()
	for _, want := range []string{
		"service_name: required",
		"secrets: at least one is required",
		"signature_header: must not be empty",
		`signature_encoding: must be "hex" or "base64"`,
		`timestamp_header: required when signed_content holds "{timestamp}"`,
		"event_type or event_type_header: one is required",
		`event_id: "a..b": a dot path`,
		"event_id and event_id_header: set one, not both",
	} {
		require.ErrorContains(t, err, want)
	}
	cfg = newConfig().(*Config)
	cfg.ServiceName, cfg.SignatureHeader, cfg.EventType = "slack", "X-Slack-Signature", "event.type"
	cfg.Secrets = []configopaque.String{" padded-secret"}
	err = cfg.Validate()
	require.ErrorContains(t, err, "secrets[0]: has white space around it")
	require.NotContains(t, err.Error(), "padded-secret", "a secret is never quoted")
	cfg.Secrets = []configopaque.String{"s"}
	require.NoError(t, cfg.Validate())
	require.Equal(t, "/hmac", cfg.Path)
}

func TestChallenge(t *testing.T) {
	s := newTestSender(t, func(c *Config) {
		c.EventType, c.EventTypeHeader, c.EventIDHeader = "event.type", "", ""
		c.Challenge = &Challenge{Field: "type", Value: "url_verification", Echo: "challenge"}
	})
	reply, ok, err := s.Challenge(github("", "", `{"token":"t","challenge":"3eZbrw","type":"url_verification"}`))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, provider.Reply{ContentType: "text/plain; charset=utf-8", Body: []byte("3eZbrw")}, reply)

	_, ok, err = s.Challenge(github("", "", `{"type":"url_verification","challenge":{}}`))
	require.True(t, ok)
	require.EqualError(t, err, `challenge: "challenge" must be a non-empty string`)
	for _, body := range []string{
		`{"type":"event_callback","event":{"type":"message","text":"url_verification"}}`,
		`{"type":"url_verification_x","challenge":"c"}`,
		`url_verification`,
	} {
		_, ok, err := s.Challenge(github("", "", body))
		require.NoError(t, err)
		require.False(t, ok, body)
	}
	_, ok, _ = newTestSender(t, nil).Challenge(github("", "", `{"type":"url_verification","challenge":"c"}`))
	require.False(t, ok, "no challenge configured: none answered")

	cfg := newConfig().(*Config)
	cfg.Challenge = &Challenge{Field: "a..b"}
	err = cfg.Validate()
	require.ErrorContains(t, err, `challenge.field: "a..b": a dot path`)
	require.ErrorContains(t, err, "challenge.echo: must not be empty")
	require.ErrorContains(t, err, "challenge.value: must not be empty")
}

var _ provider.Challenger = (*sender)(nil)

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"action":"opened","issue":{"id":7}}`, `{"action":null}`, `{}`, `[]`, `{`, `""`,
	} {
		f.Add([]byte(s), "issues", "d-1")
	}
	s := newTestSender(f, func(c *Config) { c.EventTime = "issue.created_at" })
	f.Fuzz(func(t *testing.T, body []byte, event, id string) {
		d := github(event, id, string(body))
		d.Header["X-Github-Event"] = []string{event}
		d.Header["X-Github-Delivery"] = []string{id}
		events, err := s.Decode(d)
		if err == nil {
			require.Len(t, events, 1)
			require.NotEmpty(t, events[0].Type)
			require.NotEmpty(t, events[0].DeliveryKey)
		}
	})
}
