package canonjson

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	vectorKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

	vector1 = `{"idempotency_key": "3e0f3c42-5f6b-4e8a-9d0e-7b1f2a3c4d5e", "bot_id": "bot_3hfP0PXEsNinIZmh", "bot_metadata": null, "trigger": "bot.state_change", "data": {"new_state": "ended", "old_state": "post_processing", "created_at": "2023-07-15T14:30:45.123456+00:00", "event_type": "post_processing_completed", "event_sub_type": null, "event_metadata": null}}`
	vector2 = `{"idempotency_key": "8f0c3a52-6a1e-4b8e-9d1e-2f3b4c5d6e7f", "bot_id": "bot_3hfP0PXEsNinIZmh", "bot_metadata": {"customer": "Zo\u00eb & co <test>"}, "trigger": "bot.state_change", "data": {"event_type": "post_processing_completed", "event_sub_type": null, "event_metadata": {}, "old_state": "post_processing", "new_state": "ended", "created_at": "2025-07-15T14:30:45.123456+00:00"}}`
)

func sign(t *testing.T, msg []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(vectorKey)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write(msg)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestDesignVectors(t *testing.T) {
	c1, err := Append(nil, []byte(vector1))
	require.NoError(t, err)
	require.Equal(t, `{"bot_id":"bot_3hfP0PXEsNinIZmh","bot_metadata":null,"data":{"created_at":"2023-07-15T14:30:45.123456+00:00","event_metadata":null,"event_sub_type":null,"event_type":"post_processing_completed","new_state":"ended","old_state":"post_processing"},"idempotency_key":"3e0f3c42-5f6b-4e8a-9d0e-7b1f2a3c4d5e","trigger":"bot.state_change"}`, string(c1))
	require.Equal(t, "De2BmelCkl9TsV2xNwIgpi7Sj6AnJA7xqWRd+HUpIQ0=", sign(t, c1))

	require.Contains(t, vector2, `Zo\u00eb`, "the wire carries the six-character escape")
	c2, err := Append(nil, []byte(vector2))
	require.NoError(t, err)
	require.Contains(t, string(c2), "\"customer\":\"Zo\u00eb & co <test>\"")
	require.Equal(t, "Niqy8odm+4deptGamHplyXE8EeabMNTL3FbMVCBBy0Q=", sign(t, c2))
	raw := sign(t, []byte(vector2))
	require.Equal(t, "4Wxv4B2wLJxnh3B4PqtJzocfK8OR0/mGhpYxyUS9vb8=", raw)
	require.NotEqual(t, raw, sign(t, c2))
}

func TestAppendKeepsPrefix(t *testing.T) {
	dst := []byte("prefix:")
	out, err := Append(dst, []byte(`{"b": 1, "a": [true, false]}`))
	require.NoError(t, err)
	require.Equal(t, `prefix:{"a":[true,false],"b":1}`, string(out))

	out, err = Append(dst, []byte(`{"b": 1,}`))
	require.Error(t, err)
	require.Equal(t, "prefix:", string(out))
}

func TestAppendCases(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		// key order
		{"sorted keys", `{"b": 1, "a": 2, "c": 3}`, `{"a":2,"b":1,"c":3}`},
		{"upper before lower", `{"a": 1, "B": 2, "_": 3, "0": 4}`, `{"0":4,"B":2,"_":3,"a":1}`},
		{"prefix first", `{"ab": 1, "a": 2, "": 3}`, `{"":3,"a":2,"ab":1}`},
		{"non-ASCII keys", `{"\u00e9": 1, "z": 2, "\u4e2d": 3, "e": 4}`, "{\"e\":4,\"z\":2,\"\u00e9\":1,\"\u4e2d\":3}"},
		{"astral after BMP", `{"\ud83d\ude00": 1, "\uffff": 2, "\ufb01": 3}`, "{\"\ufb01\":3,\"\uffff\":2,\"\U0001F600\":1}"},
		{"escaped key sorts by decoded value", `{"\u0062": 1, "a": 2, "\"": 3, "\\": 4, "\n": 5}`, `{"\n":5,"\"":3,"\\":4,"a":2,"b":1}`},
		{"nested sorting", `{"z": {"y": [{"b": 1, "a": 2}], "x": {}}, "a": null}`, `{"a":null,"z":{"x":{},"y":[{"a":2,"b":1}]}}`},
		{"array order kept", `[3, 1, 2, {"b": [2, 1], "a": 0}]`, `[3,1,2,{"a":0,"b":[2,1]}]`},
		{"duplicate key last wins", `{"a": 1, "b": 2, "a": 3}`, `{"a":3,"b":2}`},
		{"duplicate key thrice", `{"a": 1, "a": {"x": 1}, "a": [2]}`, `{"a":[2]}`},
		{"duplicate by escape", `{"\u00e9": 1, "` + "\u00e9" + `": 2}`, "{\"\u00e9\":2}"},
		{"duplicate nested", `{"o": {"k": 1, "k": 2}}`, `{"o":{"k":2}}`},
		{"many members", `{"t": 1, "s": 2, "r": 3, "q": 4, "p": 5, "o": 6, "n": 7, "m": 8, "l": 9, "k": 10, "j": 11, "i": 12, "h": 13, "g": 14, "f": 15, "e": 16, "d": 17, "c": 18, "b": 19, "a": 20, "t": 21, "a": 22, "abcdefghij": 23, "abcdefghi": 24, "abcdefgh": 25, "abcdefghij": 26}`,
			`{"a":22,"abcdefgh":25,"abcdefghi":24,"abcdefghij":26,"b":19,"c":18,"d":17,"e":16,"f":15,"g":14,"h":13,"i":12,"j":11,"k":10,"l":9,"m":8,"n":7,"o":6,"p":5,"q":4,"r":3,"s":2,"t":21}`},
		{"long shared key prefixes", `{"abcdefgh2": 1, "abcdefgh10": 2, "abcdefgh": 3, "abcdefg\u0000": 4, "abcdefg": 5}`, `{"abcdefg":5,"abcdefg\u0000":4,"abcdefgh":3,"abcdefgh10":2,"abcdefgh2":1}`},
		{"lone surrogate discarded by duplicate", `{"a": "\ud800", "a": 1}`, `{"a":1}`},

		// strings
		{"U+0000", `"\u0000"`, `"\u0000"`},
		{"U+001F lower-case hex", `"\u001F"`, `"\u001f"`},
		{"short escapes", `"\b\f\n\r\t\u0008\u000C\u000a\u000D\u0009"`, `"\b\f\n\r\t\b\f\n\r\t"`},
		{"quote and backslash", `"\"\\\u0022\u005c"`, `"\"\\\"\\"`},
		{"solidus unescaped", `"\/a/"`, `"/a/"`},
		{"U+007F raw", `"\u007f"`, "\"\x7f\""},
		{"U+2028 and U+2029 raw", `"\u2028\u2029"`, "\"\u2028\u2029\""},
		{"html characters raw", `"<script>&amp;\u003c\u003e\u0026"`, `"<script>&amp;<>&"`},
		{"accented", `"Zo\u00eb"`, "\"Zo\u00eb\""},
		{"emoji from surrogate pair", `"\ud83d\ude00"`, "\"\U0001F600\""},
		{"upper-case surrogate pair", `"\uD83D\uDE00!"`, "\"\U0001F600!\""},
		{"max code point", `"\udbff\udfff"`, "\"\U0010FFFF\""},
		{"raw UTF-8 kept", "\"\u00e9\u4e2d\U0001F600\"", "\"\u00e9\u4e2d\U0001F600\""},
		{"BOM character inside string", `"\ufeff"`, "\"\ufeff\""},
		{"empty string", `""`, `""`},

		// numbers and literals
		{"float 1.0", `1.0`, `1.0`},
		{"float exponent", `1e-07`, `1e-07`},
		{"float positive exponent", `[1.5e+300, -2.5E-3]`, `[1.5e+300,-2.5E-3]`},
		{"negative zero", `-0`, `-0`},
		{"negative zero float", `-0.0`, `-0.0`},
		{"big integer", `100000000000000000000`, `100000000000000000000`},
		{"negative big integer", `-36893488147419103232`, `-36893488147419103232`},
		{"NaN", `NaN`, `NaN`},
		{"-Infinity", `-Infinity`, `-Infinity`},
		{"special floats in array", `[NaN, Infinity, -Infinity]`, `[NaN,Infinity,-Infinity]`},
		{"literals", `[true, false, null]`, `[true,false,null]`},
		{"4300-digit integer", strings.Repeat("9", maxIntDigits), strings.Repeat("9", maxIntDigits)},
		{"long fraction", "0." + strings.Repeat("1", 5000), "0." + strings.Repeat("1", 5000)},

		// structure and white space
		{"empty object", `{}`, `{}`},
		{"empty array", `[]`, `[]`},
		{"empty containers spaced", "{ \n}", `{}`},
		{"empty array spaced", "[\t]", `[]`},
		{"white space everywhere", " \t\r\n{ \"b\" :\n[ 1 ,\t2 ] , \"a\"\r: { } } \n", `{"a":{},"b":[1,2]}`},
		{"compact input", `{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{"scalar top level", ` "x" `, `"x"`},
		{"depth at the limit", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Append(nil, []byte(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			again, err := Append(nil, got)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again), "idempotent")
		})
	}
}

func TestAppendErrors(t *testing.T) {
	deepObj := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	cases := []struct {
		name, in string
		offset   int
	}{
		{"empty", ``, 0},
		{"only space", "  \n", 3},
		{"lone high surrogate", `"\ud800"`, 1},
		{"lone low surrogate", `"x\udc00"`, 2},
		{"high surrogate then letter", `"\ud83dA"`, 1},
		{"high surrogate then non-low escape", `"\ud83d\u0041"`, 1},
		{"two high surrogates", `"\ud83d\ud83d"`, 1},
		{"reversed pair", `"\ude00\ud83d"`, 1},
		{"lone surrogate in key", `{"\udfff": 1}`, 2},
		{"lone surrogate kept after duplicate", `{"a": 1, "a": "\ud800"}`, 15},
		{"lone surrogate deep in array", `[1, [{"k": ["\udbff"]}]]`, 13},
		{"encoded surrogate", "\"\xed\xa0\x80\"", 1},
		{"invalid UTF-8", "\"\xff\"", 1},
		{"truncated UTF-8", "\"\xc3\"", 1},
		{"overlong UTF-8", "\"\xc0\xaf\"", 1},
		{"UTF-8 byte order mark", "\xef\xbb\xbf{}", 0},
		{"non-ASCII outside string", "[1,\u00e9]", 3},
		{"trailing garbage", `{} x`, 3},
		{"two values", `1 2`, 2},
		{"trailing comma in object", `{"a": 1,}`, 8},
		{"trailing comma in array", `[1,]`, 3},
		{"missing comma", `[1 2]`, 3},
		{"missing colon", `{"a" 1}`, 5},
		{"non-string key", `{1: 2}`, 1},
		{"single quotes", `{'a': 1}`, 1},
		{"unterminated object", `{"a": 1`, 7},
		{"unterminated array", `[1, 2`, 5},
		{"unterminated string", `"abc`, 4},
		{"unterminated escape", `"\`, 2},
		{"short unicode escape", `"\u12"`, 1},
		{"bad unicode escape", `"\u12G4"`, 1},
		{"bad digit in truncated unicode escape", `"\u1G`, 1},
		{"short escape after high surrogate", `"\ud800\u12"`, 7},
		{"bad escape after high surrogate", `"\ud800\uDCzz"`, 7},
		{"bad escape", `"\x41"`, 2},
		{"raw control character", "\"a\tb\"", 2},
		{"raw newline", "\"a\nb\"", 2},
		{"leading zero", `01`, 1},
		{"plus sign", `+1`, 0},
		{"bare minus", `-`, 1},
		{"dot without digits", `1.`, 1},
		{"exponent without digits", `1e`, 1},
		{"leading dot", `.5`, 0},
		{"-NaN", `-NaN`, 1},
		{"lower-case nan", `nan`, 0},
		{"truncated literal", `tru`, 0},
		{"misspelt literal", `nul1`, 0},
		{"4301-digit integer", strings.Repeat("1", maxIntDigits+1), 0},
		{"depth over the limit", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), MaxDepth},
		{"object depth over the limit", deepObj, (MaxDepth) * 5},
		{"very deep", strings.Repeat("[", 1<<20), MaxDepth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Append([]byte("keep"), []byte(tc.in))
			require.Error(t, err)
			require.Equal(t, "keep", string(out))
			var e *Error
			require.True(t, errors.As(err, &e))
			require.Equal(t, tc.offset, e.Offset, "%v", err)
			require.Less(t, len(err.Error()), 80)
			require.True(t, strings.HasPrefix(err.Error(), "canonjson: "))
		})
	}
}

// corpusPath is the corpus generate.py writes with Python itself.
var corpusPath = filepath.Join("..", "..", "..", "testdata", "attendee", "canonical", "corpus.jsonl")

func TestPythonCorpus(t *testing.T) {
	f, err := os.Open(corpusPath)
	require.NoError(t, err)
	defer f.Close()

	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	n := 0
	for sc.Scan() {
		n++
		var line struct {
			Wire      *string `json:"wire"`
			Canonical *string `json:"canonical"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "line %d", n)
		require.NotNil(t, line.Wire, "line %d", n)
		require.NotNil(t, line.Canonical, "line %d", n)
		got, err := Append(nil, []byte(*line.Wire))
		require.NoError(t, err, "line %d", n)
		require.Equal(t, *line.Canonical, string(got), "line %d", n)
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, n, 150)
}

func TestConcurrentUse(t *testing.T) {
	// Pooled scratch space must never be shared between calls.
	docs := []string{vector1, vector2, `{"b": {"d": 1, "c": [{"f": 2, "e": 3}]}, "a": 0}`}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func(g int) {
			var err error
			for i := 0; i < 300 && err == nil; i++ {
				doc := docs[(g+i)%len(docs)]
				var a, b []byte
				if a, err = Append(nil, []byte(doc)); err == nil {
					b, err = Append(nil, a)
					if err == nil && string(a) != string(b) {
						err = errors.New("mismatch")
					}
				}
			}
			done <- err
		}(g)
	}
	for g := 0; g < 8; g++ {
		require.NoError(t, <-done)
	}
}
