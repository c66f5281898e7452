package iotum

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const token = "c2b1f0e4-token-from-the-admin-ui-7d9a"

func newTestProvider(t testing.TB, tokens ...string) *iotum {
	t.Helper()
	cfg := newConfig().(*Config)
	for _, s := range tokens {
		cfg.SigningTokens = append(cfg.SigningTokens, configopaque.String(s))
	}
	require.NoError(t, cfg.Validate())
	p, err := newProvider(cfg, provider.Settings{Logger: zap.NewNop()})
	require.NoError(t, err)
	return p.(*iotum)
}

func delivery(tok, body string) *provider.Delivery {
	h := http.Header{}
	if tok != "" {
		h.Set("x-signing-token", tok)
	}
	return &provider.Delivery{Header: h, Body: []byte(body), Received: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func TestVerify(t *testing.T) {
	p := newTestProvider(t, "old-token-being-rotated-out", token)
	require.NoError(t, p.Verify(delivery(token, "")))
	require.NoError(t, p.Verify(delivery("old-token-being-rotated-out", "")))
	for name, tok := range map[string]string{
		"missing":           "",
		"wrong":             "something-else",
		"one character off": token[:len(token)-1] + "b",
		"shorter":           token[:len(token)-1],
		"longer":            token + "a",
		"other case":        "C2B1F0E4-TOKEN-FROM-THE-ADMIN-UI-7D9A",
		"with space":        " " + token,
	} {
		err := p.Verify(delivery(tok, ""))
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), token)
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	require.ErrorContains(t, cfg.Validate(), "signing_tokens: at least one is required")
	cfg.SigningTokens = []configopaque.String{"", " padded "}
	err := cfg.Validate()
	require.ErrorContains(t, err, "signing_tokens[0]: is empty")
	require.ErrorContains(t, err, "signing_tokens[1]: has white space around it")
	require.NotContains(t, err.Error(), "padded")
}

func decodeOne(t *testing.T, body string) provider.Event {
	t.Helper()
	events, err := (&iotum{}).Decode(delivery("", body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	return events[0]
}

func TestDecodeBigIDsKeepEveryDigit(t *testing.T) {
	ev := decodeOne(t, `{"event":"conference_start","payload":"{\"host_id\":18446744073709551617123,\"company_id\":9007199254740993,\"conference_id\":1258835}","timestamp":"2022-08-24T20:56:55.000Z"}`)
	require.Equal(t, "18446744073709551617123", ev.Attributes.AsRaw()["iotum.host.id"])
	require.Equal(t, "9007199254740993", ev.Attributes.AsRaw()["iotum.company.id"])
	require.Equal(t, "iotum/conference/1258835", ev.Trace)
	require.Equal(t, time.Date(2022, 8, 24, 20, 56, 55, 0, time.UTC), ev.Time.UTC())
	payload, ok := ev.Body.Map().Get("payload")
	require.True(t, ok)
	require.Equal(t, "18446744073709551617123", payload.Map().AsRaw()["host_id"], "the body's payload is decoded, digits kept")
}

func TestDeliveryKey(t *testing.T) {
	a := decodeOne(t, `{"event":"conference_end","payload":"{\"conference_id\":1}","timestamp":"2022-08-24T20:56:55.000Z"}`)
	b := decodeOne(t, `{"timestamp":"2022-08-24T20:56:55.000Z","event":"conference_end","payload":"{\"conference_id\":1}"}`)
	c := decodeOne(t, `{"event":"conference_end","payload":"{\"conference_id\":2}","timestamp":"2022-08-24T20:56:55.000Z"}`)
	require.Equal(t, a.DeliveryKey, b.DeliveryKey, "the same event, timestamp and payload")
	require.NotEqual(t, a.DeliveryKey, c.DeliveryKey)
	require.Len(t, a.DeliveryKey, 64)
}

func TestSeverity(t *testing.T) {
	for body, want := range map[string]plog.SeverityNumber{
		`{"event":"dialout_status_change","payload":"{\"status\":\"noanswer\"}"}`:                   plog.SeverityNumberWarn,
		`{"event":"dialout_status_change","payload":"{\"status\":\"answered\"}"}`:                   plog.SeverityNumberUnspecified,
		`{"event":"profile_picture_upload_failure","payload":"{}"}`:                                 plog.SeverityNumberWarn,
		`{"event":"leave_conference","payload":"{\"reason_for_leaving\":\"host_kicked_blocked\"}"}`: plog.SeverityNumberWarn,
		`{"event":"leave_livestream","payload":"{\"reason_for_leaving\":\"user_dropped\"}"}`:        plog.SeverityNumberWarn,
		`{"event":"leave_conference","payload":"{\"reason_for_leaving\":\"user_exit\"}"}`:           plog.SeverityNumberUnspecified,
	} {
		require.Equal(t, want, decodeOne(t, body).Severity, body)
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, body := range map[string]string{
		"not json":           `event=conference_start`,
		"no event":           `{"payload":"{}"}`,
		"payload not json":   `{"event":"conference_start","payload":"{host_id: 1}"}`,
		"payload not object": `{"event":"conference_start","payload":"[1]"}`,
		"payload a number":   `{"event":"conference_start","payload":3}`,
	} {
		_, err := (&iotum{}).Decode(delivery("", body))
		require.Error(t, err, name)
	}
}

func TestEveryFieldMayBeMissing(t *testing.T) {
	ev := decodeOne(t, `{"event":"conference_end"}`)
	require.True(t, ev.Time.IsZero())
	require.Empty(t, ev.Trace)
	require.Empty(t, ev.Transitions)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"event":"conference_start","payload":"{\"host_id\":1,\"conference_id\":2}","timestamp":"2022-08-24T20:56:55.000Z"}`,
		`{"event":"dialout_status_change","payload":"{\"conference_id\":2,\"phone_number\":\"+1\",\"status\":\"new\"}"}`,
		`{"event":"leave_conference","payload":"{\"conference_id\":1e400,\"participant_id\":null}"}`,
		`{"event":"x","payload":"\"\\ud800\""}`, `{}`, `[]`, `{"event":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := (&iotum{}).Decode(delivery("", string(body)))
		if err != nil {
			return
		}
		require.Len(t, events, 1)
		require.NotEmpty(t, events[0].Type)
		require.Len(t, events[0].DeliveryKey, 64)
		for _, tr := range events[0].Transitions {
			require.NotEmpty(t, tr.Key)
			require.False(t, tr.Start.IsZero() && tr.End.IsZero())
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add(token)
	f.Add("")
	f.Add(token + token)
	p := newTestProvider(f, token)
	f.Fuzz(func(t *testing.T, tok string) {
		if p.Verify(delivery(tok, "")) == nil {
			require.Equal(t, token, tok)
		}
	})
}
