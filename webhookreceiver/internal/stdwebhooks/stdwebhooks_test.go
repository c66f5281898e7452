package stdwebhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// The specification's vector, used by the Go, JavaScript, Python, PHP, Java,
// C# and Ruby libraries' tests (TestWebhookSign, "sign function works",
// test_sign_function, ...).
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// The Rust library's own vector (test_sign) and the signatures its tests
// use as wrong ones.
const (
	rustSecret    = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	rustID        = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"
	rustTimestamp = 1649367553
	rustBody      = `{"email":"test@example.com","username":"test_user"}`
	rustSignature = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
	rustWrong1    = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ="
	rustWrong2    = "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q="
	rustWrong3    = "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE="
	rustNoVerify  = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU="
)

// wrongSig is the wrong signature of the Go, JavaScript and Python
// libraries' multi-signature and invalid-signature tests.
const wrongSig = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

// sign is written from the specification, apart from the code under test:
// the key is the standard (padded) base64 after "whsec_".
func sign(secret, id, ts, body string) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func newVerifier(t testing.TB, tolerance time.Duration, secrets ...string) *Verifier {
	t.Helper()
	o := DefaultOptions()
	if tolerance != 0 {
		o.Tolerance = tolerance
	}
	for _, s := range secrets {
		o.Secrets = append(o.Secrets, configopaque.String(s))
	}
	require.Empty(t, o.Validate())
	v, err := New(o)
	require.NoError(t, err)
	return v
}

// msg is one delivery as the tests build it.
type msg struct {
	id, ts, sig, body string
	svix              bool // svix-* headers instead of webhook-*
}

func (m msg) delivery(received time.Time) *provider.Delivery {
	h := http.Header{}
	prefix := "webhook-"
	if m.svix {
		prefix = "svix-"
	}
	for name, value := range map[string]string{"id": m.id, "timestamp": m.ts, "signature": m.sig} {
		if value != "" {
			h.Set(prefix+name, value)
		}
	}
	return &provider.Delivery{Header: h, Body: []byte(m.body), Received: received}
}

func ts(sec int64) string { return strconv.FormatInt(sec, 10) }

func TestSignHelperMatchesTheVectors(t *testing.T) {
	require.Equal(t, specSignature, sign(specSecret, specID, ts(specTimestamp), specBody))
	require.Equal(t, rustSignature, sign(rustSecret, rustID, ts(rustTimestamp), rustBody))
}

// TestOfficialCases runs the cases of the official libraries' test suites
// (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go,
// javascript/src/webhook.test.ts, python/tests/test_webhooks.py,
// rust/src/lib.rs, and the extra ones of java's TestScenario and php's
// WebhookTest), each on a fixed clock rather than the wall clock. The Go
// library's VerifyIgnoringTimestamp cases have no counterpart: the receiver
// always checks the timestamp (their year-2000 case is one here all the same).
func TestOfficialCases(t *testing.T) {
	at := time.Unix(specTimestamp, 0)
	spec := msg{id: specID, ts: ts(specTimestamp), sig: specSignature, body: specBody}
	with := func(change func(*msg)) msg { m := spec; change(&m); return m }
	// The library tests sign at "now" and verify a moment later; here "now"
	// is the spec's timestamp and the moment later is at.
	signedAt := func(sec int64) msg {
		return msg{id: specID, ts: ts(sec), sig: sign(specSecret, specID, ts(sec), specBody), body: specBody}
	}
	tolerance := int64(DefaultTolerance / time.Second)

	rustAt := time.Unix(rustTimestamp, 0)
	rust := msg{id: rustID, ts: ts(rustTimestamp), sig: rustSignature, body: rustBody}
	rustWith := func(sig string) msg { m := rust; m.sig = sig; return m }

	tests := []struct {
		source  string // the libraries whose tests have the case
		name    string
		secret  string
		m       msg
		at      time.Time
		wantErr string
	}{
		{"go js py rust", "spec vector verifies", specSecret, spec, at, ""},
		{"go js py", "secret without whsec_ prefix", specSecret[len("whsec_"):], spec, at, ""},
		{"js py", "unbranded (webhook-*) headers", specSecret, spec, at, ""},
		{"go js py rust", "missing id", specSecret, with(func(m *msg) { m.id = "" }), at, "missing Webhook-Id header"},
		{"go js py rust", "missing timestamp", specSecret, with(func(m *msg) { m.ts = "" }), at, "missing Webhook-Timestamp header"},
		{"go js py rust", "missing signature", specSecret, with(func(m *msg) { m.sig = "" }), at, "missing Webhook-Signature header"},
		{"js py", "timestamp hello", specSecret, with(func(m *msg) { m.ts = "hello" }), at, "not Unix seconds"},
		{"php", "timestamp with a fraction", specSecret, with(func(m *msg) { m.ts = "161426533.0" }), at, "not Unix seconds"},
		{"php", "negative timestamp", specSecret, with(func(m *msg) { m.ts = "-161426533" }), at, "not Unix seconds"},
		{"go", "invalid signature", specSecret, with(func(m *msg) { m.sig = "v1," + wrongSig }), at, "does not match"},
		{"py", "signature with its last character changed", specSecret, with(func(m *msg) { m.sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=" }), at, "does not match"},
		{"js", "signature not 32 bytes of base64", specSecret, with(func(m *msg) { m.sig = "v1,dawfeoifkpqwoekfpqoekf" }), at, "has no"},
		{"go js rust", "v1, with nothing after it", specSecret, with(func(m *msg) { m.sig = "v1," }), at, "has no"},
		{"js rust", "signature cut to 8 characters", specSecret, with(func(m *msg) { m.sig = specSignature[:8] }), at, "has no"},
		{"java", "no version separator", specSecret, with(func(m *msg) { m.sig = "invalid_signature" }), at, "has no"},
		{"java", "valid signature under version v2", specSecret, with(func(m *msg) { m.sig = "v2," + specSignature[3:] }), at, "has no"},
		{"spec", "valid signature under version v1a", specSecret, with(func(m *msg) { m.sig = "v1a," + specSignature[3:] }), at, "has no"},
		{"go js py", "bad-v1 v2,… valid bad-v1", specSecret, with(func(m *msg) {
			m.sig = strings.Join([]string{"v1," + wrongSig, "v2," + wrongSig, specSignature, "v1," + wrongSig}, " ")
		}), at, ""},
		{"spec", "v1 beside a v1a entry", specSecret, with(func(m *msg) {
			m.sig = specSignature + " v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
		}), at, ""},
		{"rust", "rust vector verifies", rustSecret, rust, rustAt, ""},
		{"rust", "rust wrong signature", rustSecret, rustWith(rustNoVerify), rustAt, "does not match"},
		{"rust", "three wrong and the valid one", rustSecret, rustWith(strings.Join([]string{rustWrong1, rustWrong2, rustSignature, rustWrong3}, " ")), rustAt, ""},
		{"rust", "three wrong ones only", rustSecret, rustWith(strings.Join([]string{rustWrong1, rustWrong2, rustWrong3}, " ")), rustAt, "does not match"},
		{"rust", "rust v1, only", rustSecret, rustWith("v1,"), rustAt, "has no"},
		{"rust", "rust signature cut to 8 characters", rustSecret, rustWith(rustSignature[:8]), rustAt, "has no"},
		{"all", "exactly at the tolerance, old", specSecret, signedAt(specTimestamp - tolerance), at, ""},
		{"all", "exactly at the tolerance, new", specSecret, signedAt(specTimestamp + tolerance), at, ""},
		{"js py rust java", "one second too old", specSecret, signedAt(specTimestamp - tolerance - 1), at, "more than the tolerance"},
		{"go js py rust java", "one second too new", specSecret, signedAt(specTimestamp + tolerance + 1), at, "more than the tolerance"},
		{"go", "at the tolerance, old, and a moment after", specSecret, signedAt(specTimestamp - tolerance), at.Add(999 * time.Millisecond), ""},
		{"go", "year 2000", specSecret, signedAt(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()), at, "more than the tolerance"},
		{"js", "empty body", specSecret, msg{id: specID, ts: ts(specTimestamp), sig: sign(specSecret, specID, ts(specTimestamp), ""), body: ""}, at, ""},
		{"svix", "svix-* headers", specSecret, with(func(m *msg) { m.svix = true }), at, ""},
		{"svix", "svix-* headers without an id", specSecret, with(func(m *msg) { m.svix = true; m.id = "" }), at, "missing Svix-Id header"},
	}
	for _, tt := range tests {
		t.Run(tt.source+"/"+tt.name, func(t *testing.T) {
			v := newVerifier(t, 0, tt.secret)
			d := tt.m.delivery(tt.at)
			err := v.Verify(d)
			headerErr := v.CheckHeaders(d.Header, d.Received)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NoError(t, headerErr)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), strings.TrimPrefix(tt.secret, "whsec_"), "errors never quote a secret")
			if tt.wantErr == "does not match" {
				require.NoError(t, headerErr, "the headers alone cannot tell a wrong signature")
			} else {
				require.EqualError(t, headerErr, err.Error(), "what the headers show is refused before the body")
			}
		})
	}
}

// TestSecrets covers the official secret cases: with and without whsec_,
// with and without base64 padding (Python's
// test_signature_verification_with_unpadded_secret), several secrets, and
// the empty ones that every library refuses.
func TestSecrets(t *testing.T) {
	at := time.Unix(specTimestamp, 0)
	for _, tt := range []struct {
		name, configured, signedWith string
	}{
		{"needs no padding", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"one padding character left out", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS="},
		{"one padding character given", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS="},
		{"two padding characters left out", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=="},
		{"two left out, with whsec_", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=="},
		{"two given, with whsec_", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr==", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=="},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, 0, tt.configured)
			m := msg{id: specID, ts: ts(specTimestamp), sig: sign(tt.signedWith, specID, ts(specTimestamp), specBody), body: specBody}
			require.NoError(t, v.Verify(m.delivery(at)))
		})
	}

	t.Run("second of two secrets (rotation)", func(t *testing.T) {
		other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 32 bytes long!"))
		spec := msg{id: specID, ts: ts(specTimestamp), sig: specSignature, body: specBody}
		require.NoError(t, newVerifier(t, 0, other, specSecret).Verify(spec.delivery(at)))
		require.ErrorContains(t, newVerifier(t, 0, other).Verify(spec.delivery(at)), "does not match")
	})

	t.Run("empty and malformed secrets are configuration errors", func(t *testing.T) {
		o := DefaultOptions()
		require.ErrorContains(t, errors.Join(o.Validate()...), "secrets: at least one is required")
		o.Secrets = []configopaque.String{"", "whsec_", "whsec_not*base64", "whsec_=="}
		o.Tolerance = 500 * time.Millisecond
		err := errors.Join(o.Validate()...)
		require.ErrorContains(t, err, "secrets[0]: is empty")
		require.ErrorContains(t, err, "secrets[1]: is empty")
		require.ErrorContains(t, err, `secrets[2]: is not base64`)
		require.ErrorContains(t, err, "secrets[3]: is empty")
		require.ErrorContains(t, err, "tolerance: must be at least 1s")
		require.NotContains(t, err.Error(), "not*base64")
		_, err = New(o)
		require.Error(t, err)
	})
}

// TestHeaderSets pins which of the two sets is read: webhook-* when all
// three are present, else svix-*.
func TestHeaderSets(t *testing.T) {
	at := time.Unix(specTimestamp, 0)
	v := newVerifier(t, 0, specSecret)
	d := func(set map[string]string) *provider.Delivery {
		h := http.Header{}
		for k, val := range set {
			h.Set(k, val)
		}
		return &provider.Delivery{Header: h, Body: []byte(specBody), Received: at}
	}
	good := ts(specTimestamp)

	both := d(map[string]string{
		"webhook-id": specID, "webhook-timestamp": good, "webhook-signature": specSignature,
		"svix-id": "msg_other", "svix-timestamp": "1", "svix-signature": "v1,x",
	})
	require.NoError(t, v.Verify(both), "all three webhook-* present: they are used")
	require.Equal(t, specID, ID(both.Header))

	partial := d(map[string]string{
		"webhook-id": "msg_other", "webhook-timestamp": good,
		"svix-id": specID, "svix-timestamp": good, "svix-signature": specSignature,
	})
	require.NoError(t, v.Verify(partial), "webhook-* incomplete: svix-* are used")
	require.Equal(t, specID, ID(partial.Header))

	mixed := d(map[string]string{"webhook-id": specID, "svix-timestamp": good, "webhook-signature": specSignature})
	require.ErrorContains(t, v.Verify(mixed), "missing Svix-Id header", "the sets are never mixed")

	require.ErrorContains(t, v.Verify(d(nil)), "missing Webhook-Id header")
	require.Empty(t, ID(http.Header{}))
}

// TestCheckHeaders is what the receiver can refuse before reading a body.
func TestCheckHeaders(t *testing.T) {
	at := time.Unix(specTimestamp, 0)
	v := newVerifier(t, 2*time.Minute, specSecret)
	good := ts(specTimestamp)
	for _, tt := range []struct {
		name    string
		m       msg
		wantErr string
	}{
		{"well-formed, whatever the body", msg{id: "x", ts: good, sig: "v1," + wrongSig}, ""},
		{"svix-*, well-formed", msg{id: "x", ts: good, sig: "v1," + wrongSig, svix: true}, ""},
		{"no id", msg{ts: good, sig: specSignature}, "missing Webhook-Id"},
		{"no timestamp", msg{id: "x", sig: specSignature}, "missing Webhook-Timestamp"},
		{"no signature", msg{id: "x", ts: good}, "missing Webhook-Signature"},
		{"svix, no signature", msg{id: "x", ts: good, svix: true}, "missing Svix-Signature"},
		{"timestamp in RFC 3339", msg{id: "x", ts: "2021-02-25T15:02:10Z", sig: specSignature}, "Webhook-Timestamp is not Unix seconds"},
		{"timestamp too long for an int64", msg{id: "x", ts: strings.Repeat("9", 19), sig: specSignature}, "not Unix seconds"},
		{"timestamp at the configured tolerance", msg{id: "x", ts: ts(specTimestamp - 120), sig: specSignature}, ""},
		{"timestamp past the configured tolerance", msg{id: "x", ts: ts(specTimestamp - 121), sig: specSignature}, "Webhook-Timestamp is 2m1s away from now, more than the tolerance of 2m0s"},
		{"timestamp far in the future", msg{id: "x", ts: strings.Repeat("9", 18), sig: specSignature}, "more than the tolerance"},
		{"timestamp zero", msg{id: "x", ts: "0", sig: specSignature}, "more than the tolerance"},
		{"only v1a and v2", msg{id: "x", ts: good, sig: "v1a," + wrongSig + " v2," + wrongSig}, `has no "v1,<base64 HMAC-SHA256>" entry`},
		{"v1 not base64", msg{id: "x", ts: good, sig: "v1,!!!"}, "has no"},
		{"v1 of 31 bytes", msg{id: "x", ts: good, sig: "v1," + base64.StdEncoding.EncodeToString(make([]byte, 31))}, "has no"},
		{"v1 of 33 bytes", msg{id: "x", ts: good, sig: "v1," + base64.StdEncoding.EncodeToString(make([]byte, 33))}, "has no"},
		{"v1 without padding", msg{id: "x", ts: good, sig: strings.TrimRight(specSignature, "=")}, "has no"},
		{"blank signature", msg{id: "x", ts: good, sig: "   "}, "has no"},
		{"16 entries, the last one good", msg{id: "x", ts: good, sig: strings.Repeat("v1a,"+wrongSig+" ", 15) + specSignature}, ""},
		{"17 entries", msg{id: "x", ts: good, sig: strings.Repeat("v1,"+wrongSig+" ", 16) + specSignature}, "Webhook-Signature has more than 16 entries"},
		{"20,000 entries", msg{id: "x", ts: good, sig: strings.Repeat("v1, ", 20_000)}, "more than 16 entries"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.m.delivery(at)
			d.Body = nil // not read yet
			err := v.CheckHeaders(d.Header, d.Received)
			require.Equal(t, err, v.VerifyHeaders(d))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestVerifyHeadersAllocatesNothing(t *testing.T) {
	v := newVerifier(t, 0, specSecret)
	d := msg{id: specID, ts: ts(specTimestamp), sig: specSignature, body: specBody}.delivery(time.Unix(specTimestamp, 0))
	require.NoError(t, v.VerifyHeaders(d))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = v.VerifyHeaders(d) }))
}

// FuzzVerify: only a signature computed over the fuzzed content with the
// secret passes, whichever header set carries it; and whatever the headers
// alone refuse, Verify refuses with the same error.
func FuzzVerify(f *testing.F) {
	f.Add(specID, ts(specTimestamp), specSignature, []byte(specBody), false)
	f.Add(specID, ts(specTimestamp), specSignature, []byte(specBody), true)
	f.Add("", "", "", []byte{}, false)
	f.Add(specID, "-99999999999999999999", "v1,", []byte(specBody), false)
	f.Add(specID, ts(specTimestamp), "v1a,x v1,y v2", []byte(specBody), true)
	f.Add(specID, ts(specTimestamp), "v1,"+wrongSig+" v2,"+wrongSig+" "+specSignature, []byte(specBody), false)
	v := newVerifier(f, 0, specSecret)
	at := time.Unix(specTimestamp, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, svix bool) {
		d := msg{id: id, ts: ts, sig: sig, svix: svix}.delivery(at)
		d.Body = body
		err := v.Verify(d)
		headerErr := v.CheckHeaders(d.Header, d.Received)
		if err == nil {
			require.NoError(t, headerErr)
			hs := ReadHeaders(d.Header)
			require.Contains(t, hs.Signature, sign(specSecret, hs.ID, hs.Timestamp, string(body))[3:])
		}
		if headerErr != nil {
			require.Equal(t, headerErr, err)
		}
	})
}
