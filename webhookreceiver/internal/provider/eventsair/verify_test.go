package eventsair

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

// Every official case is tested on the shared verifier
// (internal/stdwebhooks); these tests pin that EventsAir uses it.
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specBody   = `{"test": 2432232314}`
	testID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	testTime   = 1614265330
)

// The receiver asks, before reading a body, what the headers alone refuse.
var _ provider.HeaderVerifier = (*eventsAir)(nil)

func newTestProvider(t testing.TB, secrets ...string) *eventsAir {
	t.Helper()
	cfg := newConfig().(*Config)
	for _, s := range secrets {
		cfg.Secrets = append(cfg.Secrets, configopaque.String(s))
	}
	require.NoError(t, cfg.Validate())
	p, err := newProvider(cfg, provider.Settings{Logger: zap.NewNop()})
	require.NoError(t, err)
	return p.(*eventsAir)
}

// delivery builds a request with the webhook-* headers, or the svix-* ones
// when prefix is "svix-".
func deliveryWith(prefix, id string, ts int64, sig, body string, received time.Time) *provider.Delivery {
	h := http.Header{}
	if id != "" {
		h.Set(prefix+"id", id)
	}
	if ts != 0 {
		h.Set(prefix+"timestamp", strconv.FormatInt(ts, 10))
	}
	if sig != "" {
		h.Set(prefix+"signature", sig)
	}
	return &provider.Delivery{Header: h, Body: []byte(body), Received: received}
}

func delivery(id string, ts int64, sig, body string, received time.Time) *provider.Delivery {
	return deliveryWith("webhook-", id, ts, sig, body, received)
}

// sign is written from the specification, apart from the code under test.
func sign(secret, id string, ts int64, body string) string {
	key, _ := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestVerify(t *testing.T) {
	at := time.Unix(testTime, 0)
	p := newTestProvider(t, specSecret)
	specSignature := sign(specSecret, testID, testTime, specBody)
	require.NoError(t, p.Verify(delivery(testID, testTime, specSignature, specBody, at)))
	require.ErrorContains(t, p.Verify(delivery(testID, testTime, specSignature, specBody+" ", at)), "does not match")
	require.ErrorContains(t, p.Verify(delivery(testID, testTime, specSignature, specBody, at.Add(5*time.Minute+time.Second))), "more than the tolerance")
	require.ErrorContains(t, p.Verify(delivery(testID, testTime, "", specBody, at)), "missing Webhook-Signature header")
}

// TestSvixHeaders: EventsAir delivers through Svix, whose library reads
// svix-id, svix-timestamp and svix-signature; a delivery carrying only
// those is verified and keyed by its svix-id.
func TestSvixHeaders(t *testing.T) {
	at := time.Unix(testTime, 0)
	p := newTestProvider(t, specSecret)
	specSignature := sign(specSecret, testID, testTime, specBody)
	d := deliveryWith("svix-", testID, testTime, specSignature, specBody, at)
	require.NoError(t, p.Verify(d))
	require.NoError(t, p.VerifyHeaders(d))

	body := `{"type":"Event.Created","data":{"eventId":"e1"}}`
	d = deliveryWith("svix-", "msg_svix_1", testTime, sign(specSecret, "msg_svix_1", testTime, body), body, at)
	require.NoError(t, p.Verify(d))
	events, err := p.Decode(d)
	require.NoError(t, err)
	require.Equal(t, "msg_svix_1", events[0].DeliveryKey)

	d = deliveryWith("svix-", testID, testTime, "", specBody, at)
	require.ErrorContains(t, p.Verify(d), "missing Svix-Signature header")
}

// TestVerifyHeaders: what the headers alone show is refused before the body
// is read (the receiver calls VerifyHeaders with no body yet).
func TestVerifyHeaders(t *testing.T) {
	p := newTestProvider(t, specSecret)
	at := time.Unix(testTime, 0)
	specSignature := sign(specSecret, testID, testTime, specBody)
	require.NoError(t, p.VerifyHeaders(delivery(testID, testTime, specSignature, "", at)))
	require.ErrorContains(t, p.VerifyHeaders(delivery("", testTime, specSignature, "", at)), "missing Webhook-Id")
	require.ErrorContains(t, p.VerifyHeaders(delivery(testID, testTime, specSignature, "", at.Add(time.Hour))), "more than the tolerance")
	require.ErrorContains(t, p.VerifyHeaders(delivery(testID, testTime, "v1a,abc", "", at)), "has no")
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	cfg.Path = "eventsair/"
	cfg.Tolerance = 0
	err := cfg.Validate()
	require.ErrorContains(t, err, "path: must start with /")
	require.ErrorContains(t, err, "secrets: at least one is required")
	require.ErrorContains(t, err, "tolerance: must be at least 1s")

	cfg = newConfig().(*Config)
	cfg.Secrets = []configopaque.String{"whsec_not*base64", "whsec_", ""}
	err = cfg.Validate()
	require.ErrorContains(t, err, `secrets[0]: is not base64`)
	require.ErrorContains(t, err, `secrets[1]: is empty`)
	require.ErrorContains(t, err, `secrets[2]: is empty`)
	require.NotContains(t, err.Error(), "not*base64")
}
