package canonjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonscan"
)

func FuzzAppend(f *testing.F) {
	for _, seed := range []string{
		vector1,
		vector2,
		`{}`,
		`[]`,
		`{"b": 1, "a": 2, "b": 3}`,
		`{"a": "\ud800", "a": 1}`,
		`{"\u00e9": {"z": [1, 2.0, -0, 1e-07]}, "e": null}`,
		`"\ud83d\ude00\u0000\u001f\u007f\u2028<>&\"\\\/"`,
		`[NaN, Infinity, -Infinity, 100000000000000000000]`,
		" \t\n{ \"k\" : [ true , false , null ] }\r\n",
		"\"\u00e9\u4e2d\U0001F600\"",
		`"\ud800"`,
		"\"\xed\xa0\x80\"",
		"\"\xff\"",
		`{"a": 1,}`,
		`[1, 2`,
		`1.5e+300`,
		strings.Repeat("[", 40) + strings.Repeat("]", 40),
		`{"\"": 1, "\\": 2, "\n": 3, "\u0001": 4}`,
		`{"a":{"a":{"a":{"b":1,"a":2}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Append(nil, data)
		if err != nil {
			var e *Error
			require.True(t, errors.As(err, &e))
			require.GreaterOrEqual(t, e.Offset, 0)
			require.LessOrEqual(t, e.Offset, len(data))
			if mustAccept(data) {
				t.Fatalf("valid document rejected: %v", err)
			}
			return
		}

		require.True(t, utf8.Valid(out), "output is UTF-8")
		require.LessOrEqual(t, len(out), len(data), "output never longer than input")
		plain, spaced := outsideStrings(out)
		require.False(t, spaced, "white space outside strings in %q", out)
		require.True(t, json.Valid(plain), "output is JSON: %q", out)

		again, err := Append(nil, out)
		require.NoError(t, err)
		require.Equal(t, string(out), string(again), "idempotent")

		prefixed, err := Append([]byte("xyz"), data)
		require.NoError(t, err)
		require.Equal(t, "xyz"+string(out), string(prefixed))

		if json.Valid(data) {
			// The same value as encoding/json sees it (which keeps the last
			// of duplicate keys too).
			require.Equal(t, decodeAny(t, data), decodeAny(t, out))
		}
	})
}

// mustAccept reports whether Append has to accept data: valid JSON in valid
// UTF-8 without duplicate keys, lone surrogates, over-long integers or
// nesting beyond MaxDepth.
func mustAccept(data []byte) bool {
	if !json.Valid(data) || !utf8.Valid(data) {
		return false
	}
	depth, lone, longInt := inspect(data)
	return depth <= MaxDepth && !lone && !longInt && !hasDuplicateKeys(data)
}

// inspect walks valid JSON for its nesting depth, lone surrogate escapes and
// integers longer than Python converts.
func inspect(data []byte) (maxDepth int, lone, longInt bool) {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			for i++; data[i] != '"'; i++ {
				if data[i] != '\\' {
					continue
				}
				i++
				if data[i] != 'u' {
					continue
				}
				r, _ := jsonscan.Hex4(data, i+1)
				i += 4
				switch {
				case r >= 0xd800 && r < 0xdc00:
					if i+6 < len(data) && data[i+1] == '\\' && data[i+2] == 'u' {
						if r2, _ := jsonscan.Hex4(data, i+3); r2 >= 0xdc00 && r2 < 0xe000 {
							i += 6
							continue
						}
					}
					lone = true
				case r >= 0xdc00 && r < 0xe000:
					lone = true
				}
			}
		case c == '[' || c == '{':
			depth++
			maxDepth = max(maxDepth, depth)
		case c == ']' || c == '}':
			depth--
		case c == '-' || jsonscan.IsDigit(c):
			j := i
			for j < len(data) && strings.IndexByte("+-.eE0123456789", data[j]) >= 0 {
				j++
			}
			num := bytes.TrimPrefix(data[i:j], []byte("-"))
			if !bytes.ContainsAny(num, ".eE") && len(num) > maxIntDigits {
				longInt = true
			}
			i = j - 1
		}
	}
	return maxDepth, lone, longInt
}

// hasDuplicateKeys reports whether an object in valid JSON repeats a key.
func hasDuplicateKeys(data []byte) bool {
	type frame struct {
		keys     map[string]bool
		wantKey  bool
		isObject bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return true // cannot tell; do not insist
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.isObject && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.wantKey = false
			continue
		}
		if top != nil && top.isObject {
			top.wantKey = true // this token starts the member's value
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, wantKey: true, isObject: true})
			case '[':
				stack = append(stack, &frame{})
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// outsideStrings returns out with Python's NaN and Infinity tokens replaced
// by 0 (so that encoding/json can check the rest), and whether white space
// occurs outside strings.
func outsideStrings(out []byte) (plain []byte, spaced bool) {
	plain = make([]byte, 0, len(out))
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c == '"':
			j := i + 1
			for out[j] != '"' {
				if out[j] == '\\' {
					j++
				}
				j++
			}
			plain = append(plain, out[i:j+1]...)
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			spaced = true
		case bytes.HasPrefix(out[i:], []byte("NaN")):
			plain = append(plain, '0')
			i += 2
		case bytes.HasPrefix(out[i:], []byte("Infinity")):
			plain = append(plain, '0')
			i += 7
		default:
			plain = append(plain, c)
		}
	}
	return plain, spaced
}

func decodeAny(t *testing.T, data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}
