package standardwebhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// The verifier's official cases are tested where it lives
// (internal/stdwebhooks); these tests pin that this platform uses it.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// The receiver asks, before reading a body, what the headers alone refuse.
var _ provider.HeaderVerifier = (*sender)(nil)

func newTestSender(t testing.TB, change func(*Config)) *sender {
	t.Helper()
	cfg := newConfig().(*Config)
	cfg.ServiceName = "meetbot"
	cfg.Secrets = []configopaque.String{testSecret}
	if change != nil {
		change(cfg)
	}
	require.NoError(t, cfg.Validate())
	p, err := newProvider(cfg, provider.Settings{Logger: zap.NewNop()})
	require.NoError(t, err)
	return p.(*sender)
}

// signed is a delivery signed as the specification says, apart from the
// code under test, under the header set of prefix ("webhook-" or "svix-").
func signed(prefix, id string, at time.Time, body string) *provider.Delivery {
	key, _ := base64.StdEncoding.DecodeString(testSecret[len("whsec_"):])
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	h := http.Header{}
	h.Set(prefix+"id", id)
	h.Set(prefix+"timestamp", ts)
	h.Set(prefix+"signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return &provider.Delivery{Header: h, Body: []byte(body), Received: at}
}

func TestVerify(t *testing.T) {
	s := newTestSender(t, nil)
	at := time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)
	body := `{"type":"bot.joined"}`
	for _, prefix := range []string{"webhook-", "svix-"} {
		d := signed(prefix, "msg_1", at, body)
		require.NoError(t, s.VerifyHeaders(d), prefix)
		require.NoError(t, s.Verify(d), prefix)
		events, err := s.Decode(d)
		require.NoError(t, err)
		require.Equal(t, "msg_1", events[0].DeliveryKey, "keyed by the %sid", prefix)
	}
	d := signed("webhook-", "msg_1", at, body)
	d.Body = []byte(`{"type":"bot.left"}`)
	require.ErrorContains(t, s.Verify(d), "does not match")
	d = signed("webhook-", "msg_1", at.Add(-6*time.Minute), body)
	d.Received = at
	require.ErrorContains(t, s.VerifyHeaders(d), "more than the tolerance")
	require.ErrorContains(t, s.Verify(d), "more than the tolerance")
}

func TestNamespace(t *testing.T) {
	var p provider.Provider = newTestSender(t, nil)
	namer, ok := p.(provider.Namer)
	require.True(t, ok)
	require.Equal(t, "meetbot", namer.Namespace())
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	cfg.Path = "sw"
	cfg.Tolerance = 0
	cfg.EventType = ""
	cfg.EventTime = "data..time"
	err := cfg.Validate()
	for _, want := range []string{
		"path: must start with /",
		"service_name: required",
		"secrets: at least one is required",
		"tolerance: must be at least 1s",
		"event_type: must not be empty",
		`event_time: "data..time": a dot path`,
	} {
		require.ErrorContains(t, err, want)
	}

	cfg = newConfig().(*Config)
	cfg.ServiceName = "recall ai"
	cfg.Secrets = []configopaque.String{"", "whsec_", "whsec_not*base64"}
	cfg.EventType = ".type"
	err = cfg.Validate()
	for _, want := range []string{
		`service_name: "recall ai": only letters`,
		"secrets[0]: is empty",
		"secrets[1]: is empty",
		"secrets[2]: is not base64",
		`event_type: ".type": a dot path`,
	} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, err.Error(), "not*base64", "a secret is never quoted")

	cfg = newConfig().(*Config)
	cfg.ServiceName = "recall"
	cfg.Secrets = []configopaque.String{testSecret}
	cfg.EventTime = ""
	require.NoError(t, cfg.Validate(), "no event time is allowed")
	require.Equal(t, "/standardwebhooks", cfg.Path)
	require.Equal(t, "type", cfg.EventType)
}
