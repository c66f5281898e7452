package jsonpdata

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// FuzzParse checks Parse against encoding/json: both must accept and reject
// the same documents (apart from nesting deeper than MaxDepth, which only
// Parse rejects), and an accepted document must decode to the same
// structure.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		``,
		` `,
		`null`,
		`true`,
		`{}`,
		`[]`,
		`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
		`{"a":1,"a":2}`,
		`[0,-0,1.5,-2.0,1e3,1E-3,0.1,0.10000000000000001,9223372036854775807,9223372036854775808]`,
		`[123456789012345678901234567890,1e999,-1e-999,5e-324,1.7976931348623157e308]`,
		`"\"\\\/\b\f\n\r\t\u0000\u00e9\u2028\ud83d\ude00"`,
		`"\ud800\ud800\udc00\udc00"`,
		"\"\xff\xe2\x82\xed\xa0\x80\"",
		`"\u12"`,
		`{"a":1,}`,
		`[1,]`,
		`01`,
		`-`,
		`1.`,
		`.5`,
		`1e+`,
		`'a'`,
		`{"a" 1}`,
		`tru`,
		`[1] [2]`,
		"\"\x01\"",
		strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
		strings.Repeat(`{"a":`, MaxDepth) + `1` + strings.Repeat("}", MaxDepth),
		string(webhookDoc),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := pcommon.NewValueEmpty()
		err := Parse(string(data), v)
		if !json.Valid(data) {
			require.Error(t, err, "encoding/json rejects this document")
			return
		}
		if nestingDepth(data) > MaxDepth {
			require.ErrorContains(t, err, "nesting deeper than")
			return
		}
		require.NoError(t, err, "encoding/json accepts this document")
		requireSameAsStd(t, decodeStd(t, data), v, "$")

		// ParseMap agrees with Parse.
		m := pcommon.NewMap()
		err = ParseMap(string(data), m)
		if v.Type() != pcommon.ValueTypeMap {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.Equal(t, v.Map().AsRaw(), m.AsRaw())
	})
}

// nestingDepth returns the deepest nesting of arrays and objects in a
// valid document.
func nestingDepth(data []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
