package zoom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const token = "zoom app secret token"

var (
	_ provider.HeaderVerifier = (*zoom)(nil)
	_ provider.Challenger     = (*zoom)(nil)
)

var at = time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)

func newTestProvider(t testing.TB, tokens ...string) *zoom {
	t.Helper()
	cfg := newConfig().(*Config)
	for _, s := range tokens {
		cfg.SecretTokens = append(cfg.SecretTokens, configopaque.String(s))
	}
	require.NoError(t, cfg.Validate())
	p, err := newProvider(cfg, provider.Settings{Logger: zap.NewNop()})
	require.NoError(t, err)
	return p.(*zoom)
}

// signed is a delivery signed as Zoom's webhook documentation says, apart
// from the code under test.
func signed(secret string, ts time.Time, body string) *provider.Delivery {
	s := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + s + ":" + body))
	h := http.Header{}
	h.Set("x-zm-request-timestamp", s)
	h.Set("x-zm-signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	return &provider.Delivery{Header: h, Body: []byte(body), Received: at}
}

func TestVerify(t *testing.T) {
	z := newTestProvider(t, "token being rotated out", token)
	body := `{"event":"meeting.started","event_ts":1759233600000,"payload":{}}`
	for _, secret := range []string{token, "token being rotated out"} {
		d := signed(secret, at, body)
		require.NoError(t, z.VerifyHeaders(d))
		require.NoError(t, z.Verify(d))
	}
	d := signed(token, at, body)
	d.Body = []byte(`{"event":"meeting.ended"}`)
	require.EqualError(t, z.Verify(d), "signature does not match any configured secret")
	require.EqualError(t, z.VerifyHeaders(signed(token, at.Add(-6*time.Minute), body)), "X-Zm-Request-Timestamp is more than the tolerance away from now")
	d = signed(token, at, body)
	d.Header.Del("x-zm-signature")
	require.EqualError(t, z.VerifyHeaders(d), "missing X-Zm-Signature header")
	d = signed("another app's token", at, body)
	require.Error(t, z.Verify(d))
}

func TestChallenge(t *testing.T) {
	z := newTestProvider(t, "token being rotated out", token)
	body := `{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1759233600000,"event":"endpoint.url_validation"}`
	for _, secret := range []string{token, "token being rotated out"} {
		reply, ok, err := z.Challenge(signed(secret, at, body))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "application/json", reply.ContentType)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("qgg8vlvZRS6UYooatFL8Aw"))
		require.JSONEq(t, `{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"`+hex.EncodeToString(m.Sum(nil))+`"}`, string(reply.Body),
			"answered with the secret that signed the check")
	}

	reply, ok, err := z.Challenge(signed(token, at, `{"event":"endpoint.url_validation","payload":{"plainToken":"a\"<b>"}}`))
	require.NoError(t, err)
	require.True(t, ok)
	var answer map[string]string
	require.NoError(t, json.Unmarshal(reply.Body, &answer))
	require.Equal(t, `a"<b>`, answer["plainToken"], "the token comes back as sent, in valid JSON")

	for body, want := range map[string]string{
		`{"event":"endpoint.url_validation","payload":{}}`:                `endpoint.url_validation: "payload.plainToken" must be a non-empty string`,
		`{"event":"endpoint.url_validation","payload":{"plainToken":7}}`:  `endpoint.url_validation: "payload.plainToken" must be a non-empty string`,
		`{"event":"endpoint.url_validation","payload":{"plainToken":""}}`: `endpoint.url_validation: "payload.plainToken" must be a non-empty string`,
		`{"event":"endpoint.url_validation","payload":"plainToken"}`:      `endpoint.url_validation: "payload.plainToken" must be a non-empty string`,
	} {
		_, ok, err := z.Challenge(signed(token, at, body))
		require.True(t, ok, body)
		require.EqualError(t, err, want, body)
	}
	for _, body := range []string{
		`{"event":"meeting.started","payload":{"object":{"topic":"endpoint.url_validation"}}}`,
		`{"event":"meeting.started"}`,
		`not json endpoint.url_validation`,
	} {
		_, ok, err := z.Challenge(signed(token, at, body))
		require.NoError(t, err, body)
		require.False(t, ok, "%s: an event, not a check", body)
	}
	_, ok, _ = z.Challenge(signed("another app's token", at, `{"event":"endpoint.url_validation","payload":{"plainToken":"x"}}`))
	require.True(t, ok)
}

func decodeOne(t *testing.T, body string) provider.Event {
	t.Helper()
	events, err := newTestProvider(t, token).Decode(signed(token, at, body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	return events[0]
}

func TestDecode(t *testing.T) {
	ev := decodeOne(t, `{"event":"recording.started","event_ts":1759233600123,"payload":{"account_id":"acc","object":{"id":92718843011,"uuid":"u==","type":5}}}`)
	require.Equal(t, "recording.started", ev.Type)
	require.Equal(t, time.Date(2025, 9, 30, 12, 0, 0, 123e6, time.UTC), ev.Time)
	require.Equal(t, "zoom/webinar/u==", ev.Trace, "a webinar's recording is in the webinar's trace")
	require.Equal(t, map[string]any{"zoom.account.id": "acc", "zoom.webinar.id": "92718843011", "zoom.webinar.uuid": "u=="}, ev.Attributes.AsRaw())
	require.Len(t, ev.DeliveryKey, 64)

	ev = decodeOne(t, `{"event":"user.created","event_ts":1759233600123,"payload":{"account_id":"acc","object":{"id":"user-1","uuid":"x"}}}`)
	require.Equal(t, map[string]any{"zoom.account.id": "acc"}, ev.Attributes.AsRaw(), "a user's id is not a meeting's")
	require.Empty(t, ev.Trace)

	ev = decodeOne(t, `{"event":"meeting.participant_joined","payload":{"object":{"uuid":"m","participant":{"user_id":"1","join_time":"soon"}}}}`)
	require.True(t, ev.Time.IsZero(), "no event_ts: no event time")
	require.Len(t, ev.Transitions, 1)
	require.Equal(t, "zoom/meeting/m/participant/1", ev.Transitions[0].Key, "without participant_uuid, the user_id")
	require.Equal(t, at, ev.Transitions[0].Start, "an unreadable join_time: the delivery's arrival")

	ev = decodeOne(t, `{"event":"meeting.participant_left","payload":{"object":{"uuid":"m","participant":{}}}}`)
	require.Empty(t, ev.Transitions, "a participant without any ID has no span")
	require.Equal(t, "zoom/meeting/m", ev.Trace)

	for body, want := range map[string]string{
		`{"event":""}`:   `"event" must be a non-empty string`,
		`{"event":3}`:    `"event" must be a non-empty string`,
		`{"payload":{}}`: `"event" must be a non-empty string`,
	} {
		_, err := newTestProvider(t, token).Decode(signed(token, at, body))
		require.EqualError(t, err, want, body)
	}
	_, err := newTestProvider(t, token).Decode(signed(token, at, `[]`))
	require.Error(t, err)
}

func TestDeliveryKey(t *testing.T) {
	body := `{"event":"meeting.ended","event_ts":1759233600000,"payload":{"object":{"uuid":"m"}}}`
	z := newTestProvider(t, token)
	first, err := z.Decode(signed(token, at, body))
	require.NoError(t, err)
	retry, err := z.Decode(signed(token, at.Add(5*time.Minute), body))
	require.NoError(t, err)
	require.Equal(t, first[0].DeliveryKey, retry[0].DeliveryKey, "a retry, signed anew, is the same delivery")
	for _, body := range []string{
		`{"event":"meeting.ended","event_ts":1759233600001,"payload":{"object":{"uuid":"m"}}}`,
		`{"event":"meeting.started","event_ts":1759233600000,"payload":{"object":{"uuid":"m"}}}`,
		`{"event":"meeting.ended","event_ts":1759233600000,"payload":{"object":{"uuid":"n"}}}`,
		`{"event":"meeting.ended","event_ts":1759233600000,"payload":{"account_id":"a","object":{"uuid":"m"}}}`,
		`{"event":"meeting.ended","event_ts":1759233600000,"payload":{"object":{"uuid":"m","id":1}}}`,
		`{"event":"meeting.ended","event_ts":1759233600000,"payload":{"object":{"uuid":"m","participant":{"user_id":"1"}}}}`,
	} {
		other, err := z.Decode(signed(token, at, body))
		require.NoError(t, err)
		require.NotEqual(t, first[0].DeliveryKey, other[0].DeliveryKey, body)
	}

	// Sent again with new download links: the same recording's completion.
	sent := `{"event":"recording.completed","event_ts":1759233600000,"payload":{"object":{"uuid":"m","id":1,"recording_files":[{"download_url":"https://zoom.us/a"}]}},"download_token":"t1"}`
	again := `{"event":"recording.completed","event_ts":1759233600000,"payload":{"object":{"uuid":"m","id":1,"recording_files":[{"download_url":"https://zoom.us/b"}]}},"download_token":"t2"}`
	a, err := z.Decode(signed(token, at, sent))
	require.NoError(t, err)
	b, err := z.Decode(signed(token, at, again))
	require.NoError(t, err)
	require.Equal(t, a[0].DeliveryKey, b[0].DeliveryKey)

	// Two users updated in the same millisecond are two events.
	u1, err := z.Decode(signed(token, at, `{"event":"user.updated","event_ts":1759233600000,"payload":{"account_id":"a","object":{"id":"u1"}}}`))
	require.NoError(t, err)
	u2, err := z.Decode(signed(token, at, `{"event":"user.updated","event_ts":1759233600000,"payload":{"account_id":"a","object":{"id":"u2"}}}`))
	require.NoError(t, err)
	require.NotEqual(t, u1[0].DeliveryKey, u2[0].DeliveryKey)

	// Without event_ts, the whole body.
	n1, err := z.Decode(signed(token, at, `{"event":"x","payload":{"n":1}}`))
	require.NoError(t, err)
	n2, err := z.Decode(signed(token, at, `{"event":"x","payload":{"n":2}}`))
	require.NoError(t, err)
	require.NotEqual(t, n1[0].DeliveryKey, n2[0].DeliveryKey)
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	cfg.Tolerance = 0
	err := cfg.Validate()
	require.ErrorContains(t, err, "secret_tokens: at least one is required")
	require.ErrorContains(t, err, "tolerance: must be at least 1s")
	cfg.SecretTokens = []configopaque.String{"", " padded-token"}
	err = cfg.Validate()
	require.ErrorContains(t, err, "secret_tokens[0]: is empty")
	require.ErrorContains(t, err, "secret_tokens[1]: has white space around it")
	require.NotContains(t, err.Error(), "padded-token")
	require.Equal(t, "/zoom", cfg.Path)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"event":"meeting.participant_joined","event_ts":1759233600123,"payload":{"account_id":"a","object":{"id":1,"uuid":"u","participant":{"user_id":"1","join_time":"2025-09-30T12:00:00Z"}}}}`,
		`{"event":"recording.completed","payload":{"object":{"uuid":"u","type":"5","recording_files":[{}]}}}`,
		`{"event":"endpoint.url_validation","payload":{"plainToken":"x"}}`,
		`{"event":"meeting.ended","payload":{"object":{"uuid":null}}}`, `{}`, `[]`, `{"event":""}`,
	} {
		f.Add([]byte(s))
	}
	z := newTestProvider(f, token)
	f.Fuzz(func(t *testing.T, body []byte) {
		d := signed(token, at, string(body))
		if _, ok, err := z.Challenge(d); ok && err == nil {
			return
		}
		events, err := z.Decode(d)
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
	good := signed(token, at, "{}")
	f.Add(good.Header.Get("x-zm-request-timestamp"), good.Header.Get("x-zm-signature"), []byte("{}"))
	f.Add("", "", []byte(nil))
	f.Add("1759233600", "v0=", []byte("{}"))
	z := newTestProvider(f, token)
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		d := &provider.Delivery{Header: http.Header{"X-Zm-Request-Timestamp": {ts}, "X-Zm-Signature": {sig}}, Body: body, Received: at}
		if z.Verify(d) != nil {
			return
		}
		m := hmac.New(sha256.New, []byte(token))
		m.Write([]byte("v0:" + ts + ":" + string(body)))
		got, err := hex.DecodeString(sig[len("v0="):])
		require.NoError(t, err)
		require.True(t, hmac.Equal(m.Sum(nil), got), "only Zoom's signature verifies")
	})
}
