package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
)

func identity(s configopaque.String) ([]byte, error) {
	if s == "bad" {
		return nil, errors.New("is bad")
	}
	return []byte(s), nil
}

func TestValidateSecrets(t *testing.T) {
	require.ErrorContains(t, errors.Join(ValidateSecrets("tokens", nil, identity)...), "tokens: at least one is required")
	errs := ValidateSecrets("tokens", []configopaque.String{"good", "bad"}, identity)
	require.Len(t, errs, 1)
	require.EqualError(t, errs[0], "tokens[1]: is bad")
	keys, err := DecodeSecrets([]configopaque.String{"a", "b"}, identity)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("a"), []byte("b")}, keys)
	_, err = DecodeSecrets([]configopaque.String{"bad"}, identity)
	require.Error(t, err)
}

func TestTokens(t *testing.T) {
	tokens := NewTokens([][]byte{[]byte("old-token"), []byte("new-token")})
	require.True(t, tokens.Match("old-token"))
	require.True(t, tokens.Match("new-token"))
	for _, wrong := range []string{"", "new-toke", "new-tokenn", "NEW-TOKEN", "new-tokem"} {
		require.False(t, tokens.Match(wrong), wrong)
	}
	require.False(t, Tokens(nil).Match(""), "no tokens match nothing")
}

func TestValidatePath(t *testing.T) {
	for path, ok := range map[string]bool{"/x": true, "/": true, "": false, "x": false, "/x/": false} {
		err := (&Common{Path: path}).ValidatePath()
		require.Equal(t, ok, err == nil, path)
	}
}

// TestHMACsMatch checks against crypto/hmac over the joined parts: any
// secret, any of the given signatures, nothing else.
func TestHMACsMatch(t *testing.T) {
	sum := func(key, msg string) (s [sha256.Size]byte) {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(msg))
		copy(s[:], m.Sum(nil))
		return s
	}
	h := NewHMACs([][]byte{[]byte("old secret"), []byte("new secret")})
	body := []byte("body")
	for range 3 { // pooled HMACs are reset between uses
		require.True(t, h.Match([][sha256.Size]byte{sum("new secret", "msg_1.body")}, body, "msg_1", "."))
		require.True(t, h.Match([][sha256.Size]byte{sum("other", "x"), sum("old secret", "msg_1.body")}, body, "msg_1", "."))
		require.False(t, h.Match([][sha256.Size]byte{sum("other secret", "msg_1.body")}, body, "msg_1", "."))
		require.False(t, h.Match([][sha256.Size]byte{sum("new secret", "msg_1.bodyx")}, body, "msg_1", "."))
		require.False(t, h.Match([][sha256.Size]byte{sum("new secret", "msg_1.body")}, body, "msg_2", "."))
		require.True(t, h.Match([][sha256.Size]byte{sum("new secret", "body")}, body))
		require.False(t, h.Match(nil, body, "msg_1", "."))
	}
}

// TestDecodeHMAC: exactly a base64 HMAC-SHA256, nothing shorter, longer,
// malformed, or spelled with bits past the data in its last character (which
// a lenient decoder reads as the same HMAC).
func TestDecodeHMAC(t *testing.T) {
	want := sha256.Sum256([]byte("x"))
	enc := base64.StdEncoding.EncodeToString(want[:])
	got, ok := DecodeHMAC(enc)
	require.True(t, ok)
	require.Equal(t, want, got)
	for _, s := range []string{"", enc[:40], enc + "AAAA", base64.StdEncoding.EncodeToString(append(want[:], 1)), "!" + enc[1:], strings.Repeat("A", 1000), nonCanonical(enc)} {
		_, ok := DecodeHMAC(s)
		require.False(t, ok, s)
	}
}

// nonCanonical spells the same bytes as enc, a 32-byte base64 ending in one
// "=", with a padding bit set in its last character.
func nonCanonical(enc string) string {
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", enc[42])
	b := []byte(enc)
	b[42] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[last|1]
	return string(b)
}

// TestContentKey checks against SHA-256 over the bytes as the key's
// documentation lays them out.
func TestContentKey(t *testing.T) {
	hexSum := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }
	require.Equal(t, hexSum("trigger.x\x00{\"a\":1}"), ContentKey([]byte(`{"a":1}`), "trigger.x"))
	require.Equal(t, hexSum("e\x00t\x00p\x00"), ContentKey(nil, "e", "t", "p"))
	require.NotEqual(t, ContentKey(nil, "ab", "c"), ContentKey(nil, "a", "bc"))
	long := strings.Repeat("y", 5000) // beyond the stack buffer
	require.Equal(t, hexSum("h\x00"+long), ContentKey([]byte(long), "h"))
}
