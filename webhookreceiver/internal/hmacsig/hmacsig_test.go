package hmacsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// GitHub's documented test values for validating webhook deliveries.
const (
	githubSecret    = "It's a Secret to Everybody"
	githubBody      = "Hello, World!"
	githubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

var (
	github = Scheme{Header: "X-Hub-Signature-256", Prefix: "sha256=", Encoding: Hex, Signed: Body}
	slack  = Scheme{Header: "X-Slack-Signature", Prefix: "v0=", Encoding: Hex, Signed: "v0:{timestamp}:{body}",
		TimestampHeader: "X-Slack-Request-Timestamp", Tolerance: 5 * time.Minute}
)

func newVerifier(t testing.TB, s Scheme, secrets ...string) *Verifier {
	t.Helper()
	require.Empty(t, s.Validate(func(f string) string { return f }))
	keys := make([][]byte, len(secrets))
	for i, sec := range secrets {
		keys[i] = []byte(sec)
	}
	v, err := New(s, keys)
	require.NoError(t, err)
	return v
}

func delivery(at time.Time, body string, header ...string) *provider.Delivery {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &provider.Delivery{Header: h, Body: []byte(body), Received: at}
}

// mac is written from the senders' documentation, apart from the code
// under test.
func mac(secret, content string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(content))
	return m.Sum(nil)
}

func TestGitHubVector(t *testing.T) {
	v := newVerifier(t, github, "a secret being rotated out", githubSecret)
	d := delivery(time.Now(), githubBody, "X-Hub-Signature-256", githubSignature)
	require.NoError(t, v.VerifyHeaders(d))
	require.NoError(t, v.Verify(d))
	require.Equal(t, 1, v.Signer(d), "the second secret signed")

	upper := delivery(time.Now(), githubBody, "X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac(githubSecret, githubBody)))
	require.NoError(t, v.Verify(upper))

	for name, d := range map[string]*provider.Delivery{
		"body changed":      delivery(time.Now(), githubBody+" ", "X-Hub-Signature-256", githubSignature),
		"other secret only": delivery(time.Now(), githubBody, "X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac("other", githubBody))),
	} {
		require.EqualError(t, v.Verify(d), "signature does not match any configured secret", name)
		require.Equal(t, -1, v.Signer(d))
	}
	for sig, want := range map[string]string{
		"":                            "missing X-Hub-Signature-256 header",
		githubSignature[7:]:           "X-Hub-Signature-256 is not sha256=<hex HMAC-SHA256>",
		"sha1=" + githubSignature[7:]: "X-Hub-Signature-256 is not sha256=<hex HMAC-SHA256>",
		githubSignature[:70]:          "X-Hub-Signature-256 is not sha256=<hex HMAC-SHA256>",
		githubSignature + "00":        "X-Hub-Signature-256 is not sha256=<hex HMAC-SHA256>",
		githubSignature[:70] + "zz":   "X-Hub-Signature-256 is not sha256=<hex HMAC-SHA256>",
	} {
		d := delivery(time.Now(), githubBody, "X-Hub-Signature-256", sig)
		require.EqualError(t, v.VerifyHeaders(d), want, sig)
		require.EqualError(t, v.Verify(d), want, sig)
	}
}

func TestTimestampTemplate(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	v := newVerifier(t, slack, secret)
	at := time.Unix(1531420618, 0)
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather"
	sign := func(ts int64, body string) *provider.Delivery {
		s := strconv.FormatInt(ts, 10)
		return delivery(at, body, "X-Slack-Request-Timestamp", s,
			"X-Slack-Signature", "v0="+hex.EncodeToString(mac(secret, "v0:"+s+":"+body)))
	}
	require.NoError(t, v.Verify(sign(at.Unix(), body)))
	require.NoError(t, v.Verify(sign(at.Unix()-300, body)), "the tolerance, not one second more")
	require.NoError(t, v.Verify(sign(at.Unix()+300, body)))
	require.EqualError(t, v.VerifyHeaders(sign(at.Unix()-301, body)), "X-Slack-Request-Timestamp is more than the tolerance away from now")
	require.EqualError(t, v.Verify(sign(at.Unix()+301, body)), "X-Slack-Request-Timestamp is more than the tolerance away from now")

	d := sign(at.Unix(), body)
	d.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix()+1, 10))
	require.EqualError(t, v.Verify(d), "signature does not match any configured secret", "the timestamp is signed")
	for ts, want := range map[string]string{
		"":                       "missing X-Slack-Request-Timestamp header",
		"-1531420618":            "X-Slack-Request-Timestamp is not Unix seconds",
		"1531420618.0":           "X-Slack-Request-Timestamp is not Unix seconds",
		"1531420618000000000000": "X-Slack-Request-Timestamp is not Unix seconds",
	} {
		d := sign(at.Unix(), body)
		d.Header.Set("X-Slack-Request-Timestamp", ts)
		require.EqualError(t, v.VerifyHeaders(d), want, ts)
	}
}

func TestBase64(t *testing.T) {
	s := Scheme{Header: "X-Signature", Encoding: Base64, Signed: "{timestamp}.{body}", TimestampHeader: "X-Timestamp", Tolerance: time.Minute}
	v := newVerifier(t, s, "shh")
	at := time.Unix(1_700_000_000, 0)
	sig := base64.StdEncoding.EncodeToString(mac("shh", "1700000000.{}"))
	require.NoError(t, v.Verify(delivery(at, "{}", "X-Timestamp", "1700000000", "X-Signature", sig)))
	require.EqualError(t, v.Verify(delivery(at, "{}", "X-Timestamp", "1700000000", "X-Signature", hex.EncodeToString(mac("shh", "1700000000.{}")))),
		"X-Signature is not <base64 HMAC-SHA256>")
}

func TestSchemeValidate(t *testing.T) {
	name := func(f string) string { return "opt." + f }
	for s, want := range map[*Scheme][]string{
		{Encoding: "HEX", Signed: "{body}"}:                                  {"opt.Header: must not be empty", `opt.Encoding: must be "hex" or "base64"`},
		{Header: "X", Encoding: Hex, Signed: "{body}.{timestamp}"}:           {`opt.Signed: "{body}.{timestamp}": must end with "{body}"`},
		{Header: "X", Encoding: Hex, Signed: "{id}.{body}"}:                  {`no other braces`},
		{Header: "X", Encoding: Hex, Signed: "{timestamp}{timestamp}{body}"}: {`no other braces`},
		{Header: "X", Encoding: Hex, Signed: "v0:{timestamp}:{body}"}:        {`opt.TimestampHeader: required when opt.Signed holds "{timestamp}"`},
		{Header: "X", Encoding: Hex, Signed: "{body}", TimestampHeader: "T"}: {"opt.Tolerance: must be at least 1s"},
	} {
		errs := s.Validate(name)
		require.Len(t, errs, len(want), "%+v: %v", *s, errs)
		for i, w := range want {
			require.ErrorContains(t, errs[i], w)
		}
	}
	require.Empty(t, github.Validate(name))
	require.Empty(t, slack.Validate(name))
}

func FuzzVerify(f *testing.F) {
	at := time.Unix(1531420618, 0)
	f.Add("1531420618", "v0="+hex.EncodeToString(mac("s", "v0:1531420618:{}")), []byte("{}"))
	f.Add("", "", []byte(nil))
	f.Add("99999999999999999999", "v0=zz", []byte("x"))
	v := newVerifier(f, slack, "s")
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		d := delivery(at, string(body))
		d.Header["X-Slack-Request-Timestamp"] = []string{ts}
		d.Header["X-Slack-Signature"] = []string{sig}
		err := v.Verify(d)
		if v.VerifyHeaders(d) != nil {
			require.Error(t, err, "what the headers refuse, Verify refuses")
		}
		if err == nil {
			got, decErr := hex.DecodeString(sig[len("v0="):]) // either case
			require.NoError(t, decErr)
			require.True(t, hmac.Equal(mac("s", "v0:"+ts+":"+string(body)), got), "only the HMAC of the signed content verifies")
		}
	})
}
