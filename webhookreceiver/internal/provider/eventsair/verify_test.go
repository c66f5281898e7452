package eventsair

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// The Standard Webhooks specification's own test vector.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

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

func delivery(id string, ts int64, sig, body string, received time.Time) *provider.Delivery {
	h := http.Header{}
	if id != "" {
		h.Set("webhook-id", id)
	}
	if ts != 0 {
		h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	}
	if sig != "" {
		h.Set("webhook-signature", sig)
	}
	return &provider.Delivery{Header: h, Body: []byte(body), Received: received}
}

// sign is written from the specification, apart from the code under test.
func sign(secret string, id string, ts int64, body string) string {
	return signRaw(secret, id, strconv.FormatInt(ts, 10), body)
}

func signRaw(secret, id, ts, body string) string {
	key, _ := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestSignHelperMatchesSpecVector(t *testing.T) {
	require.Equal(t, specSignature, sign(specSecret, specID, specTimestamp, specBody))
}

func TestVerify(t *testing.T) {
	at := time.Unix(specTimestamp, 0)
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 32 bytes long!"))
	p := newTestProvider(t, specSecret)
	tests := []struct {
		name    string
		p       *eventsAir
		d       *provider.Delivery
		wantErr string
	}{
		{"spec vector", p, delivery(specID, specTimestamp, specSignature, specBody, at), ""},
		{"secret without whsec_ prefix", newTestProvider(t, specSecret[len("whsec_"):]), delivery(specID, specTimestamp, specSignature, specBody, at), ""},
		{"second of two secrets (rotation)", newTestProvider(t, other, specSecret), delivery(specID, specTimestamp, specSignature, specBody, at), ""},
		{"several signatures, one valid", p, delivery(specID, specTimestamp, "v1,Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg= "+specSignature, specBody, at), ""},
		{"the valid one sixth of six signatures", p, delivery(specID, specTimestamp, strings.Repeat("v1,Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg= ", 5)+specSignature, specBody, at), ""},
		{"v1a entries ignored", p, delivery(specID, specTimestamp, "v1a,"+specSignature[3:]+" "+specSignature, specBody, at), ""},
		{"only v1a", p, delivery(specID, specTimestamp, "v1a,"+specSignature[3:], specBody, at), "no v1 signature"},
		{"4m59s late is within 5m", p, delivery(specID, specTimestamp, specSignature, specBody, at.Add(4*time.Minute+59*time.Second)), ""},
		{"4m59s early is within 5m", p, delivery(specID, specTimestamp, specSignature, specBody, at.Add(-4*time.Minute-59*time.Second)), ""},
		{"stale", p, delivery(specID, specTimestamp, specSignature, specBody, at.Add(5*time.Minute+time.Second)), "more than the tolerance"},
		{"future", p, delivery(specID, specTimestamp, specSignature, specBody, at.Add(-5*time.Minute-time.Second)), "more than the tolerance"},
		{"tampered body", p, delivery(specID, specTimestamp, specSignature, `{"test": 2432232315}`, at), "does not match"},
		{"tampered id", p, delivery(specID+"x", specTimestamp, specSignature, specBody, at), "does not match"},
		{"wrong secret", newTestProvider(t, other), delivery(specID, specTimestamp, specSignature, specBody, at), "does not match"},
		{"unsigned", p, delivery(specID, specTimestamp, "", specBody, at), "missing Webhook-Signature"},
		{"no id", p, delivery("", specTimestamp, specSignature, specBody, at), "missing Webhook-Id"},
		{"no timestamp", p, delivery(specID, 0, specSignature, specBody, at), "missing Webhook-Timestamp"},
		{"signature not base64", p, delivery(specID, specTimestamp, "v1,!!!", specBody, at), "no v1 signature"},
		{"truncated signature", p, delivery(specID, specTimestamp, specSignature[:20], specBody, at), "no v1 signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Verify(tt.d)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), specSecret[len("whsec_"):], "errors never quote a secret")
		})
	}
}

func TestVerifyTimestampNotANumber(t *testing.T) {
	p := newTestProvider(t, specSecret)
	d := delivery(specID, specTimestamp, specSignature, specBody, time.Unix(specTimestamp, 0))
	d.Header.Set("webhook-timestamp", "2021-02-25T15:02:10Z")
	require.ErrorContains(t, p.Verify(d), "not Unix seconds")
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	cfg.Path = "eventsair/"
	cfg.Tolerance = 0
	err := cfg.Validate()
	require.ErrorContains(t, err, "path: must start with /")
	require.ErrorContains(t, err, "secrets: at least one is required")
	require.ErrorContains(t, err, "tolerance: must be positive")

	cfg = newConfig().(*Config)
	cfg.Secrets = []configopaque.String{"whsec_not*base64", "whsec_"}
	err = cfg.Validate()
	require.ErrorContains(t, err, `secrets[0]: is not base64`)
	require.ErrorContains(t, err, `secrets[1]: is empty`)
	require.NotContains(t, err.Error(), "not*base64")
}
