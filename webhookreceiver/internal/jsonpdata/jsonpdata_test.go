package jsonpdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Expected values are built by hand with the pcommon API.

func str(s string) pcommon.Value   { return pcommon.NewValueStr(s) }
func num(i int64) pcommon.Value    { return pcommon.NewValueInt(i) }
func dbl(f float64) pcommon.Value  { return pcommon.NewValueDouble(f) }
func boolean(b bool) pcommon.Value { return pcommon.NewValueBool(b) }
func null() pcommon.Value          { return pcommon.NewValueEmpty() }

func arr(elems ...pcommon.Value) pcommon.Value {
	v := pcommon.NewValueSlice()
	for _, e := range elems {
		e.CopyTo(v.Slice().AppendEmpty())
	}
	return v
}

// obj takes alternating keys (string) and values (pcommon.Value).
func obj(kv ...any) pcommon.Value {
	v := pcommon.NewValueMap()
	for i := 0; i < len(kv); i += 2 {
		kv[i+1].(pcommon.Value).CopyTo(v.Map().PutEmpty(kv[i].(string)))
	}
	return v
}

func requireSameValue(t *testing.T, want, got pcommon.Value) {
	t.Helper()
	require.Equal(t, want.Type(), got.Type())
	require.Equal(t, want.AsRaw(), got.AsRaw())
	require.True(t, want.Equal(got), "Equal: want %s, got %s", want.AsString(), got.AsString())
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want pcommon.Value
	}{
		{"empty object", `{}`, obj()},
		{"empty array", `[]`, arr()},
		{"white space", " \t\r\n{ \t\r\n} \t\r\n", obj()},
		{"string", `"hello"`, str("hello")},
		{"empty string", `""`, str("")},
		{"true", `true`, boolean(true)},
		{"false", `false`, boolean(false)},
		{"null", `null`, null()},
		{"zero", `0`, num(0)},
		{"negative zero integer", `-0`, num(0)},
		{"int", `42`, num(42)},
		{"negative int", `-42`, num(-42)},
		{"max int64", `9223372036854775807`, num(math.MaxInt64)},
		{"min int64", `-9223372036854775808`, num(math.MinInt64)},
		{"beyond float64 precision, within int64", `9007199254740993`, num(9007199254740993)},
		{"max int64 + 1", `9223372036854775808`, str("9223372036854775808")},
		{"min int64 - 1", `-9223372036854775809`, str("-9223372036854775809")},
		{"big integer", `123456789012345678901234567890`, str("123456789012345678901234567890")},
		{"big round integer", `100000000000000000000`, str("100000000000000000000")},
		{"double", `1.5`, dbl(1.5)},
		{"negative double", `-1.5`, dbl(-1.5)},
		{"double with integral value", `2.0`, dbl(2)},
		{"trailing fraction zeros", `1.50000`, dbl(1.5)},
		{"one tenth", `0.1`, dbl(0.1)},
		{"exponent", `1e3`, dbl(1000)},
		{"upper case exponent with sign", `1E+3`, dbl(1000)},
		{"negative exponent", `25e-1`, dbl(2.5)},
		{"exponent with leading zeros", `1e0003`, dbl(1000)},
		{"zero with exponent", `0e10`, dbl(0)},
		{"negative zero double", `-0.0`, dbl(math.Copysign(0, -1))},
		{"17 digits", `0.30000000000000004`, dbl(math.Nextafter(0.3, 1))},
		{"pi", `3.141592653589793`, dbl(math.Pi)},
		{"max float64", `1.7976931348623157e308`, dbl(math.MaxFloat64)},
		{"smallest subnormal", `5e-324`, dbl(5e-324)},
		{"smallest normal", `2.2250738585072014e-308`, dbl(2.2250738585072014e-308)},
		{"more precision than float64", `0.10000000000000001`, str("0.10000000000000001")},
		{"many digits", `3.14159265358979323846264338327950288`, str("3.14159265358979323846264338327950288")},
		{"overflow", `1e999`, str("1e999")},
		{"just over max float64", `1.7976931348623159e308`, str("1.7976931348623159e308")},
		{"underflow", `1e-999`, str("1e-999")},
		{"below smallest subnormal", `2e-324`, str("2e-324")},
		{"rounds to subnormal", `4e-324`, str("4e-324")},
		{"integer in exponent form", `12345678901234567890e0`, str("12345678901234567890e0")},
		{"escapes", `"a\"b\\c\/d\be\ff\ng\rh\ti"`, str("a\"b\\c/d\be\ff\ng\rh\ti")},
		{"unicode escape", `"\u00e9\u00C9"`, str("éÉ")},
		{"escaped U+2028", `"\u2028"`, str("\u2028")},
		{"raw U+2028", "\"\u2028\"", str("\u2028")},
		{"emoji via surrogate pair", `"\ud83d\ude00"`, str("😀")},
		{"raw emoji", `"😀"`, str("😀")},
		{"escaped nul", `"\u0000"`, str("\x00")},
		{"lone high surrogate", `"\ud800"`, str("\uFFFD")},
		{"lone low surrogate", `"\udc00x"`, str("\uFFFDx")},
		{"high surrogate before non-surrogate", `"\ud800\u0041"`, str("\uFFFDA")},
		{"two high surrogates then low", `"\ud800\ud800\udc00"`, str("\uFFFD\U00010000")},
		{"high surrogate before plain text", `"\ud800abcdef"`, str("\uFFFDabcdef")},
		{"invalid UTF-8", "\"a\xffb\"", str("a\uFFFDb")},
		{"truncated UTF-8 sequence", "\"\xe2\x82\"", str("\uFFFD\uFFFD")},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", str("\uFFFD\uFFFD\uFFFD")},
		{"invalid UTF-8 with escape", "\"\xff\\n\"", str("\uFFFD\n")},
		{"DEL is allowed raw", "\"\x7f\"", str("\x7f")},
		{"nested", `{"a":[1,{"b":null},"c"],"d":{"e":{"f":true}}}`,
			obj("a", arr(num(1), obj("b", null()), str("c")), "d", obj("e", obj("f", boolean(true))))},
		{"duplicate keys: last wins", `{"a":1,"b":2,"a":{"x":3}}`, obj("a", obj("x", num(3)), "b", num(2))},
		{"duplicate key set to null", `{"a":"x","a":null}`, obj("a", null())},
		{"escaped key", `{"\u0061\n":1}`, obj("a\n", num(1))},
		{"empty key", `{"":1}`, obj("", num(1))},
		{"array of mixed", `[1, 1.5, "x", true, false, null, [], {}]`,
			arr(num(1), dbl(1.5), str("x"), boolean(true), boolean(false), null(), arr(), obj())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pcommon.NewValueEmpty()
			require.NoError(t, Parse(tt.in, got))
			requireSameValue(t, tt.want, got)
		})
	}
}

func TestParseOverwritesDestination(t *testing.T) {
	for _, in := range []string{`null`, `1`, `"s"`, `[1]`, `{"a":1}`} {
		want := pcommon.NewValueEmpty()
		require.NoError(t, Parse(in, want))
		for _, old := range []pcommon.Value{str("old"), obj("k", num(1)), arr(num(1)), null()} {
			require.NoError(t, Parse(in, old))
			requireSameValue(t, want, old)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"empty input", ``, "jsonpdata: unexpected end of input"},
		{"only white space", " \n\t", "jsonpdata: unexpected end of input"},
		{"two values", `1 2`, "jsonpdata: invalid character '2' after top-level value at offset 2"},
		{"two objects", `{}{}`, "after top-level value at offset 2"},
		{"trailing garbage", `{"a":1}x`, "jsonpdata: invalid character 'x' after top-level value at offset 7"},
		{"trailing comma in array", `[1,]`, "invalid character ']' looking for beginning of value at offset 3"},
		{"trailing comma in object", `{"a":1,}`, "invalid character '}' looking for beginning of object key string at offset 7"},
		{"leading comma", `[,1]`, "invalid character ',' looking for beginning of value at offset 1"},
		{"missing comma", `[1 2]`, "invalid character '2' after array element at offset 3"},
		{"missing colon", `{"a" 1}`, "invalid character '1' after object key at offset 5"},
		{"missing value", `{"a":}`, "invalid character '}' looking for beginning of value at offset 5"},
		{"non-string key", `{1:2}`, "looking for beginning of object key string at offset 1"},
		{"unclosed array", `[1`, "unexpected end of input"},
		{"unclosed object", `{"a":1`, "unexpected end of input"},
		{"unclosed nested", `[[[]]`, "unexpected end of input"},
		{"mismatched brackets", `[}`, "invalid character '}' looking for beginning of value at offset 1"},
		{"single quotes", `'a'`, "invalid character '\\'' looking for beginning of value at offset 0"},
		{"single quoted key", `{'a':1}`, "looking for beginning of object key string at offset 1"},
		{"leading zero", `01`, "invalid character '1' after top-level value at offset 1"},
		{"leading zero in array", `[00]`, "invalid character '0' after array element at offset 2"},
		{"negative leading zero", `-01`, "invalid character '1' after top-level value at offset 2"},
		{"lone minus", `-`, "unexpected end of input"},
		{"minus then letter", `-x`, "invalid character 'x' in numeric literal at offset 1"},
		{"plus sign", `+1`, "invalid character '+' looking for beginning of value at offset 0"},
		{"trailing decimal point", `1.`, "unexpected end of input"},
		{"decimal point without digits", `[1.]`, "invalid character ']' after decimal point in numeric literal at offset 3"},
		{"leading decimal point", `.5`, "invalid character '.' looking for beginning of value at offset 0"},
		{"empty exponent", `1e`, "unexpected end of input"},
		{"exponent without digits", `[1e+]`, "invalid character ']' in exponent of numeric literal at offset 4"},
		{"hex number", `0x10`, "invalid character 'x' after top-level value at offset 1"},
		{"NaN", `NaN`, "invalid character 'N' looking for beginning of value at offset 0"},
		{"Infinity", `-Infinity`, "invalid character 'I' in numeric literal at offset 1"},
		{"unterminated string", `"abc`, "unexpected end of input"},
		{"unterminated string after escape", `"abc\`, "unexpected end of input"},
		{"unterminated key", `{"abc`, "unexpected end of input"},
		{"bad escape", `"\x"`, "invalid character 'x' in string escape code at offset 2"},
		{"bad escape after text", `"abc\a"`, "invalid character 'a' in string escape code at offset 5"},
		{"escaped single quote", `"\'"`, "invalid character '\\'' in string escape code at offset 2"},
		{"short unicode escape", `"\u12"`, "invalid character '\"' in \\u hexadecimal character escape at offset 5"},
		{"bad unicode escape", `"\u12g4"`, "invalid character 'g' in \\u hexadecimal character escape at offset 5"},
		{"bad escape after high surrogate", `"\ud800\uzzzz"`, "invalid character 'z' in \\u hexadecimal character escape at offset 9"},
		{"truncated unicode escape", `"\u12`, "unexpected end of input"},
		{"bad digit in truncated unicode escape", `"\u1G`, "invalid character 'G' in \\u hexadecimal character escape at offset 4"},
		{"upper case bad digit in unicode escape", `"\uABCG"`, "invalid character 'G' in \\u hexadecimal character escape at offset 6"},
		{"short escape after high surrogate", `"\ud800\u12"`, "invalid character '\"' in \\u hexadecimal character escape at offset 11"},
		{"upper case U escape", `"\U0041"`, "invalid character 'U' in string escape code at offset 2"},
		{"raw newline in string", "\"a\nb\"", "invalid character '\\n' in string literal at offset 2"},
		{"raw tab in string", "\"\t\"", "invalid character '\\t' in string literal at offset 1"},
		{"raw NUL in string", "\"\x00\"", "invalid character '\\x00' in string literal at offset 1"},
		{"control character after escape", "\"\\n\x1f\"", "invalid character '\\x1f' in string literal at offset 3"},
		{"control character after invalid UTF-8", "\"\xff\x01\"", "invalid character '\\x01' in string literal at offset 2"},
		{"truncated true", `tru`, "unexpected end of input"},
		{"misspelled true", `trUe`, "invalid character 'U' in literal true at offset 2"},
		{"misspelled null", `[nul]`, "invalid character ']' in literal null at offset 4"},
		{"capitalized", `True`, "invalid character 'T' looking for beginning of value at offset 0"},
		{"literal with suffix", `falsey`, "invalid character 'y' after top-level value at offset 5"},
		{"byte order mark", "\xef\xbb\xbf{}", "invalid character byte 0xef looking for beginning of value at offset 0"},
		{"invalid UTF-8 outside string", "[\xff]", "invalid character byte 0xff looking for beginning of value at offset 1"},
		{"comment", `{} // x`, "invalid character '/' after top-level value at offset 3"},
		{"vertical tab is not white space", "\v1", "invalid character '\\v' looking for beginning of value at offset 0"},
		{"depth 129 arrays", strings.Repeat("[", 129) + strings.Repeat("]", 129), "jsonpdata: nesting deeper than 128 at offset 128"},
		{"depth 129 objects", strings.Repeat(`{"a":`, 128) + "{}" + strings.Repeat("}", 128), "jsonpdata: nesting deeper than 128 at offset 640"},
		{"very deep", strings.Repeat("[", 1_000_000), "jsonpdata: nesting deeper than 128 at offset 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Parse(tt.in, pcommon.NewValueEmpty())
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.err)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.LessOrEqual(t, se.Offset, len(tt.in))
			if !strings.Contains(tt.err, "nesting") { // encoding/json allows 10000 levels
				require.False(t, json.Valid([]byte(tt.in)), "encoding/json disagrees")
			}

			// Wrapped in an object, ParseMap must fail too.
			require.Error(t, ParseMap(`{"k":`+tt.in+`}`, pcommon.NewMap()))
		})
	}
}

func TestErrorDoesNotLeakInput(t *testing.T) {
	for _, in := range []string{
		`{"token":"s3cr3t-value" "next":1}`,
		`{"token":"s3cr3t-value",}`,
		`{"token":"s3cr3t-value`,
		`{"token":"s3cr3t-value\q"}`,
		`{"token":s3cr3t-value}`,
		`["s3cr3t-value"] s3cr3t-value`,
	} {
		err := Parse(in, pcommon.NewValueEmpty())
		require.Error(t, err)
		require.NotContains(t, err.Error(), "s3cr3t")
		require.True(t, strings.HasPrefix(err.Error(), "jsonpdata: "))
		require.Less(t, len(err.Error()), 100)
	}
}

func TestDepth(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	v := pcommon.NewValueEmpty()
	require.NoError(t, Parse(deep(MaxDepth), v))
	for range MaxDepth - 1 {
		require.Equal(t, 1, v.Slice().Len())
		v = v.Slice().At(0)
	}
	require.Equal(t, 0, v.Slice().Len())

	err := Parse(deep(MaxDepth+1), pcommon.NewValueEmpty())
	require.EqualError(t, err, "jsonpdata: nesting deeper than 128 at offset 128")

	// Depth is about nesting, not about how many containers there are.
	many := "[" + strings.Repeat(deep(MaxDepth-1)+",", 1000) + "[]]"
	require.NoError(t, Parse(many, pcommon.NewValueEmpty()))

	m := pcommon.NewMap()
	require.NoError(t, ParseMap(`{"a":`+deep(MaxDepth-1)+`}`, m))
	require.Error(t, ParseMap(`{"a":`+deep(MaxDepth)+`}`, m))
}

func TestParseMap(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("stale", "x")
	require.NoError(t, ParseMap(` {"b":1,"a":[true],"b":"two","c":null} `, m))
	requireSameValue(t, obj("b", str("two"), "a", arr(boolean(true)), "c", null()), mapValue(m))

	// Keys keep the order of their first appearance.
	var keys []string
	for k := range m.All() {
		keys = append(keys, k)
	}
	require.Equal(t, []string{"b", "a", "c"}, keys)

	require.NoError(t, ParseMap(`{}`, m))
	require.Equal(t, 0, m.Len())

	for in, msg := range map[string]string{
		`[]`:       "jsonpdata: expected object, found '[' at offset 0",
		` "a"`:     "jsonpdata: expected object, found '\"' at offset 1",
		`1`:        "jsonpdata: expected object, found '1' at offset 0",
		`null`:     "jsonpdata: expected object, found 'n' at offset 0",
		``:         "jsonpdata: unexpected end of input",
		`{} {}`:    "jsonpdata: invalid character '{' after top-level value at offset 3",
		`{"a":1,}`: "jsonpdata: invalid character '}' looking for beginning of object key string at offset 7",
	} {
		require.EqualError(t, ParseMap(in, pcommon.NewMap()), msg, in)
	}
}

func mapValue(m pcommon.Map) pcommon.Value {
	v := pcommon.NewValueMap()
	m.CopyTo(v.Map())
	return v
}

func TestKeyOrder(t *testing.T) {
	var sb strings.Builder
	var want []string
	sb.WriteString("{")
	for i := range maxOrderedKeys {
		if i > 0 {
			sb.WriteString(",")
		}
		k := strconv.Itoa((i * 7919) % 1000)
		want = append(want, k)
		sb.WriteString(`"` + k + `":` + strconv.Itoa(i))
	}
	sb.WriteString("}")
	m := pcommon.NewMap()
	require.NoError(t, ParseMap(sb.String(), m))
	var got []string
	for k := range m.All() {
		got = append(got, k)
	}
	require.Equal(t, want, got)
}

// TestLargeObject covers objects with more than maxOrderedKeys keys, which
// are built differently, and checks that their cost is not quadratic.
func TestLargeObject(t *testing.T) {
	for _, n := range []int{maxOrderedKeys - 1, maxOrderedKeys, maxOrderedKeys + 1, 3 * maxOrderedKeys, 200_000} {
		var sb strings.Builder
		sb.WriteString(`{"dup":"first",`)
		for i := range n {
			sb.WriteString(`"k` + strconv.Itoa(i) + `":[` + strconv.Itoa(i) + `],`)
			if i%100 == 0 {
				// A duplicate both before and after the switch.
				sb.WriteString(`"dup":` + strconv.Itoa(i) + `,`)
			}
		}
		sb.WriteString(`"dup":{"last":true}}`)

		start := time.Now()
		got := pcommon.NewValueEmpty()
		require.NoError(t, Parse(sb.String(), got))
		elapsed := time.Since(start)
		require.Equal(t, n+1, got.Map().Len())
		// Map.Get is linear, so looking up every key would be quadratic:
		// walk the map once instead.
		seen := make(map[string]bool, n+1)
		for k, v := range got.Map().All() {
			if seen[k] {
				t.Fatalf("duplicate key %q", k)
			}
			seen[k] = true
			if k == "dup" {
				requireSameValue(t, obj("last", boolean(true)), v)
				continue
			}
			// Plain checks: require is slow for 200,000 values.
			i, err := strconv.Atoi(strings.TrimPrefix(k, "k"))
			if err != nil || v.Type() != pcommon.ValueTypeSlice || v.Slice().Len() != 1 || v.Slice().At(0).Int() != int64(i) {
				t.Fatalf("%q: got %s", k, v.AsString())
			}
		}
		// Quadratic insertion takes minutes for 200,000 keys; linear well
		// under a second.
		require.Less(t, elapsed, 10*time.Second)
	}
}

// TestHugeNumbers checks that numbers with thousands of digits are kept as
// text and are not slow to convert.
func TestHugeNumbers(t *testing.T) {
	digits := strings.Repeat("1234567890", 1000)
	zeros := strings.Repeat("0", 10_000)
	for _, in := range []string{
		digits,
		"-" + digits,
		"1." + digits,
		"0." + zeros + "1",
		"1" + zeros + ".0",
		"1e" + digits,
		"1e-" + digits,
		digits + "e-" + strconv.Itoa(len(digits)-1),
	} {
		start := time.Now()
		var doc strings.Builder
		doc.WriteString("[")
		for i := range 100 {
			if i > 0 {
				doc.WriteString(",")
			}
			doc.WriteString(in)
		}
		doc.WriteString("]")
		v := pcommon.NewValueEmpty()
		require.NoError(t, Parse(doc.String(), v))
		require.Less(t, time.Since(start), 5*time.Second)
		require.Equal(t, 100, v.Slice().Len())
		require.Equal(t, pcommon.ValueTypeStr, v.Slice().At(0).Type())
		require.Equal(t, in, v.Slice().At(0).Str())
	}

	// Leading zeros in the exponent do not make a number huge.
	v := pcommon.NewValueEmpty()
	require.NoError(t, Parse("25e-"+zeros+"1", v))
	requireSameValue(t, dbl(2.5), v)
	require.NoError(t, Parse("1e"+zeros+"1", v))
	requireSameValue(t, dbl(10), v)
	require.NoError(t, Parse("0."+zeros+"e"+zeros, v))
	requireSameValue(t, dbl(0), v)
	require.NoError(t, Parse("0."+zeros[:300]+"1e300", v))
	requireSameValue(t, dbl(0.1), v)
}

// TestExactFloatPaths compares the fast path of exactFloat with the
// strconv-only slow path and with an independent big.Rat check.
func TestExactFloatPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var text string
		switch rng.IntN(4) {
		case 0:
			text = strconv.FormatFloat(math.Float64frombits(rng.Uint64()), 'e', -1, 64)
		case 1:
			text = strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)), 'g', -1, 64)
		default:
			// Random digits, sometimes too many for float64.
			n := 1 + rng.IntN(20)
			b := []byte(strconv.FormatUint(rng.Uint64(), 10))
			if len(b) > n {
				b = b[:n]
			}
			if b[0] == '0' {
				b[0] = '1'
			}
			p := rng.IntN(len(b) + 1)
			s := string(b[:p])
			if s == "" {
				s = "0"
			}
			s += "." + string(b[p:]) + "0"
			text = s + "e" + strconv.Itoa(rng.IntN(60)-30)
		}
		if strings.ContainsAny(text, "NI") {
			continue // NaN, Inf
		}
		text = strings.Replace(text, "e+", "e", 1)
		got, ok := exactFloat(text)
		wantOK, want := roundTrips(text)
		require.Equal(t, wantOK, ok, text)
		if ok {
			require.Equal(t, math.Float64bits(want), math.Float64bits(got), text)
		}
	}
}

// roundTrips is the reference for exactFloat: whether the shortest
// formatting of the nearest float64 denotes exactly the number in text.
func roundTrips(text string) (bool, float64) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return false, 0
	}
	if f == 0 {
		// Avoid big.Rat on "1e-999999999": zero is exact only for zero.
		return strings.Trim(strings.Split(strings.ToLower(text), "e")[0], "-0.") == "", f
	}
	a, ok1 := new(big.Rat).SetString(text)
	b, ok2 := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return ok1 && ok2 && a.Cmp(b) == 0, f
}

// requireSameAsStd checks got against the value encoding/json (with
// UseNumber) decoded from the same document.
func requireSameAsStd(t testing.TB, want any, got pcommon.Value, path string) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		require.Equal(t, pcommon.ValueTypeEmpty, got.Type(), path)
	case bool:
		require.Equal(t, pcommon.ValueTypeBool, got.Type(), path)
		require.Equal(t, w, got.Bool(), path)
	case string:
		require.Equal(t, pcommon.ValueTypeStr, got.Type(), path)
		require.Equal(t, w, got.Str(), path)
	case json.Number:
		requireNumber(t, string(w), got, path)
	case []any:
		require.Equal(t, pcommon.ValueTypeSlice, got.Type(), path)
		require.Equal(t, len(w), got.Slice().Len(), path)
		for i, e := range w {
			requireSameAsStd(t, e, got.Slice().At(i), path+"["+strconv.Itoa(i)+"]")
		}
	case map[string]any:
		require.Equal(t, pcommon.ValueTypeMap, got.Type(), path)
		require.Equal(t, len(w), got.Map().Len(), path)
		for k, e := range w {
			g, ok := got.Map().Get(k)
			require.True(t, ok, path+"."+k)
			requireSameAsStd(t, e, g, path+"."+strconv.Quote(k))
		}
	default:
		t.Fatalf("unexpected %T at %s", want, path)
	}
}

// requireNumber checks the mapping rules for the number text.
func requireNumber(t testing.TB, text string, got pcommon.Value, path string) {
	t.Helper()
	isInt := !strings.ContainsAny(text, ".eE")
	n, intErr := strconv.ParseInt(text, 10, 64)
	switch got.Type() {
	case pcommon.ValueTypeInt:
		require.True(t, isInt, path)
		require.NoError(t, intErr, path)
		require.Equal(t, n, got.Int(), path)
	case pcommon.ValueTypeDouble:
		require.False(t, isInt, path)
		ok, f := roundTrips(text)
		require.True(t, ok, "%s: %s", path, text)
		require.Equal(t, math.Float64bits(f), math.Float64bits(got.Double()), path)
	case pcommon.ValueTypeStr:
		require.Equal(t, text, got.Str(), path)
		if isInt {
			require.Error(t, intErr, "%s: %s fits int64", path, text)
		} else {
			ok, _ := roundTrips(text)
			require.False(t, ok, "%s: %s fits float64", path, text)
		}
	default:
		t.Fatalf("%s: number %s decoded as %s", path, text, got.Type())
	}
}

// decodeStd decodes data with encoding/json, keeping numbers as text.
func decodeStd(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func TestCrossCheckEncodingJSON(t *testing.T) {
	docs := []string{
		`{"a":1,"b":[1,2,3],"c":{"d":"e"},"f":null,"g":true,"h":false}`,
		`[1, -1, 0.5, -0.0, 1e10, 1E-10, 12345678901234567890, 0.1, 1e400, 5e-324]`,
		`{"a":1,"a":2,"b":{"c":1},"b":{"d":2}}`,
		`"\u00e9\ud83d\ude00\u2028\ud800\udc00\ud800"`,
		"\"\xff\xfe\xc3\x28\xe2\x28\xa1\xf0\x90\x28\xbc\"",
		`{"\ud83d\ude00":"\u0000\u001f\\\"\/"}`,
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		docs = append(docs, string(randomDoc(rng, 0)))
	}
	for _, doc := range docs {
		data := []byte(doc)
		require.True(t, json.Valid(data), doc)
		got := pcommon.NewValueEmpty()
		require.NoError(t, Parse(doc, got), doc)
		requireSameAsStd(t, decodeStd(t, data), got, "$")
	}
}

// randomDoc writes a random valid JSON document, heavy on the tricky
// parts: escapes, invalid UTF-8, odd numbers, duplicate keys, white space.
func randomDoc(rng *rand.Rand, depth int) []byte {
	var b []byte
	ws := func() {
		for rng.IntN(4) == 0 {
			b = append(b, " \t\r\n"[rng.IntN(4)])
		}
	}
	var value func(depth int)
	value = func(depth int) {
		ws()
		k := rng.IntN(10)
		if depth > 6 {
			k = rng.IntN(5)
		}
		switch k {
		case 0:
			b = append(b, []string{"null", "true", "false"}[rng.IntN(3)]...)
		case 1, 2:
			b = append(b, randomNumber(rng)...)
		case 3, 4:
			b = append(b, randomString(rng)...)
		case 5, 6:
			b = append(b, '[')
			for i := range rng.IntN(5) {
				if i > 0 {
					b = append(b, ',')
				}
				value(depth + 1)
			}
			ws()
			b = append(b, ']')
		default:
			b = append(b, '{')
			n := rng.IntN(6)
			if depth < 2 && rng.IntN(20) == 0 {
				n = maxOrderedKeys + rng.IntN(100)
			}
			for i := range n {
				if i > 0 {
					b = append(b, ',')
				}
				ws()
				if rng.IntN(3) == 0 {
					b = append(b, randomString(rng)...)
				} else {
					b = append(b, '"', 'k', byte('a'+rng.IntN(26)), byte('a'+rng.IntN(26)), '"') // duplicates likely
				}
				ws()
				b = append(b, ':')
				value(depth + 1)
			}
			ws()
			b = append(b, '}')
		}
		ws()
	}
	value(depth)
	return b
}

func randomNumber(rng *rand.Rand) string {
	special := []string{"0", "-0", "0.0", "-0.0", "1", "-1", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e308", "1.8e308", "1e-400",
		"4.9e-324", "5e-324", "2.5e-324", "0.1", "0.10000000000000001", "1.00000000000000000001", "123456789.123456789",
		"9007199254740993", "9007199254740993.0", "1E+2", "1e-2", "100e-2", "0.000001e6"}
	if rng.IntN(2) == 0 {
		return special[rng.IntN(len(special))]
	}
	var s []byte
	if rng.IntN(2) == 0 {
		s = append(s, '-')
	}
	s = strconv.AppendUint(s, rng.Uint64()>>rng.IntN(64), 10)
	if rng.IntN(2) == 0 {
		s = append(s, '.')
		s = strconv.AppendUint(s, rng.Uint64()>>rng.IntN(64), 10)
	}
	if rng.IntN(3) == 0 {
		s = append(s, "eE"[rng.IntN(2)])
		s = append(s, []string{"", "+", "-"}[rng.IntN(3)]...)
		s = strconv.AppendInt(s, int64(rng.IntN(700)), 10)
	}
	return string(s)
}

func randomString(rng *rand.Rand) string {
	pieces := []string{"a", "xyz", " ", "é", "😀", "\u2028", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`,
		`\u0000`, `\u001F`, `\u00e9`, `\uFFFF`, `\ud83d\ude00`, `\ud800`, `\udc00`, `\uDBFF\uDFFF`, `\ud800\ud800`,
		"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x7f", "'"}
	s := []byte{'"'}
	for range rng.IntN(8) {
		s = append(s, pieces[rng.IntN(len(pieces))]...)
	}
	return string(append(s, '"'))
}

func TestSyntaxErrorIsValue(t *testing.T) {
	err := Parse(`[1,,]`, pcommon.NewValueEmpty())
	var se *SyntaxError
	require.True(t, errors.As(err, &se))
	require.Equal(t, 3, se.Offset)
	require.Equal(t, "jsonpdata: invalid character ',' looking for beginning of value at offset 3", err.Error())

	err = Parse(`[1,`, pcommon.NewValueEmpty())
	require.True(t, errors.As(err, &se))
	require.Equal(t, 3, se.Offset)
	require.Equal(t, "jsonpdata: unexpected end of input", err.Error())
}

func TestStringAllocations(t *testing.T) {
	for in, want := range map[string]float64{
		`"plain ascii string"`:       0, // a substring of the input
		`"ünïcödé 😀 string"`:         0,
		`"escaped \n string \u00e9"`: 1, // rewritten: one copy; the scratch buffer is reused
		`12345`:                      0,
		`1.5`:                        0,
		`1.2345678901234567`:         0, // slow path of exactFloat
		`true`:                       0,
	} {
		v := pcommon.NewValueEmpty()
		p := parser{data: in}
		require.NoError(t, p.value(v)) // warm up the scratch buffer
		allocs := testing.AllocsPerRun(100, func() {
			p.pos = 0
			_ = p.value(v)
		})
		require.Equal(t, want, allocs, in)
	}
}

// TestConcurrentReuse parses from many goroutines, mixing valid and
// invalid documents, to check that pooled parsers share nothing.
func TestConcurrentReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	docs := make([][]byte, 200)
	for i := range docs {
		docs[i] = randomDoc(rng, 0)
	}
	want := make([]any, len(docs))
	for i, doc := range docs {
		want[i] = decodeStd(t, doc)
	}
	for g := range 4 {
		t.Run(strconv.Itoa(g), func(t *testing.T) {
			t.Parallel()
			for i := range docs {
				i := (i + g*50) % len(docs)
				// A failed parse in between must not disturb the next one.
				bad := append(bytes.Clone(docs[i]), 'x')
				require.Error(t, Parse(string(bad), pcommon.NewValueEmpty()))
				got := pcommon.NewValueEmpty()
				require.NoError(t, Parse(string(docs[i]), got))
				requireSameAsStd(t, want[i], got, "$")
			}
		})
	}
}
