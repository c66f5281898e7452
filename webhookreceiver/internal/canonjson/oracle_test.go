package canonjson

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// oracleScript reads one base64-encoded document per line (base64 so that
// raw bytes and newlines survive the framing), and answers each with the
// canonical string framed as an ASCII JSON string, or null when Python
// rejects the document.
const oracleScript = `
import base64, json, sys
out = sys.stdout
for line in sys.stdin.buffer:
    data = base64.b64decode(line)
    try:
        c = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        c.encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        out.write("null\n")
        continue
    out.write(json.dumps(c, ensure_ascii=True) + "\n")
out.flush()
`

func TestAgainstPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	docs := oracleDocs(300)

	var in bytes.Buffer
	for _, d := range docs {
		in.WriteString(base64.StdEncoding.EncodeToString(d))
		in.WriteByte('\n')
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-I", "-c", oracleScript)
	cmd.Env = append(os.Environ(), "PYTHONINTMAXSTRDIGITS=4300")
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())

	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	i, accepted, rejected := 0, 0, 0
	for sc.Scan() {
		require.Less(t, i, len(docs), "more answers than documents")
		doc := docs[i]
		got, err := Append(nil, doc)
		if line := sc.Text(); line == "null" {
			require.Error(t, err, "python rejects document %d: %q", i, doc)
			rejected++
		} else {
			var want string
			require.NoError(t, json.Unmarshal([]byte(line), &want))
			require.NoError(t, err, "python accepts document %d: %q", i, doc)
			require.Equal(t, want, string(got), "document %d: %q", i, doc)
			accepted++
		}
		i++
	}
	require.NoError(t, sc.Err())
	require.Equal(t, len(docs), i, "answers")
	t.Logf("%d documents: %d accepted, %d rejected by both", len(docs), accepted, rejected)
	require.Greater(t, accepted, len(docs)*3/4)
	require.Greater(t, rejected, 5)
}

// docGen writes random wire documents. In plain mode they are exactly what
// Python's json.dumps(payload) writes; otherwise the spelling varies the way
// other valid encoders (or hand edits) may: other white space, raw UTF-8,
// upper-case or needless escapes, duplicate keys.
type docGen struct {
	r     *rand.Rand
	plain bool
	lone  bool // may put lone surrogates into strings
}

func oracleDocs(n int) [][]byte {
	g := &docGen{r: rand.New(rand.NewPCG(2025, 715))}
	docs := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		g.plain = i%3 != 2
		g.lone = i%15 == 7 || i%15 == 11
		var b []byte
		if i%4 == 0 {
			b = g.object(b, 0)
		} else {
			b = g.value(b, 0)
		}
		if i%25 == 13 {
			// Damage some: cut short, or with stray data after.
			if g.r.IntN(2) == 0 {
				b = b[:g.r.IntN(len(b))]
			} else {
				b = append(b, []string{",", "]", " x", "0", "}"}[g.r.IntN(5)]...)
			}
		}
		docs = append(docs, b)
	}
	return docs
}

func (g *docGen) space(b []byte, plain string) []byte {
	if g.plain || g.r.IntN(3) == 0 {
		return append(b, plain...)
	}
	return append(b, []string{"", " ", "  ", "\n", "\t", "\r\n", " \n\t"}[g.r.IntN(7)]...)
}

func (g *docGen) value(b []byte, depth int) []byte {
	k := g.r.IntN(10)
	switch {
	case depth < 4 && k < 2:
		return g.object(b, depth+1)
	case depth < 4 && k < 3:
		return g.array(b, depth+1)
	case k < 6:
		return g.str(b, g.text())
	case k < 8:
		return g.number(b)
	}
	return append(b, []string{"true", "false", "null"}[g.r.IntN(3)]...)
}

func (g *docGen) array(b []byte, depth int) []byte {
	b = append(b, '[')
	n := g.r.IntN(5)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = g.space(append(b, ','), " ")
		}
		b = g.value(b, depth)
	}
	return append(b, ']')
}

func (g *docGen) object(b []byte, depth int) []byte {
	b = append(b, '{')
	n := g.r.IntN(6)
	if g.r.IntN(20) == 0 {
		n = 17 + g.r.IntN(25) // beyond the insertion-sort cut-off
	}
	var keys [][]rune
	for i := 0; i < n; i++ {
		if i > 0 {
			b = g.space(append(b, ','), " ")
		}
		var key []rune
		if !g.plain && len(keys) > 0 && g.r.IntN(4) == 0 {
			key = keys[g.r.IntN(len(keys))] // duplicate, perhaps spelt differently
		} else {
			key = g.key()
			for _, k := range keys {
				if string(k) == string(key) && g.plain {
					key = append(key, 'x', rune('0'+i))
				}
			}
		}
		keys = append(keys, key)
		b = g.str(b, key)
		b = g.space(append(g.space(b, ""), ':'), " ")
		b = g.value(b, depth)
	}
	return append(b, '}')
}

var oracleKeys = []string{
	"id", "bot_id", "trigger", "data", "event_type", "created_at", "a", "b", "B", "_",
	"0", "10", "9", "", " ", "\u00e9t\u00e9", "\u00e9", "e", "\u4e2d", "\U0001F600",
	"\U0001F600x", "\ufb01", "\uffff", "\ue000", "z", "\x7f", "\u2028", "<k>", "a\"b", "a\\b",
	"\t", "\x01", "Zo\u00eb",
}

func (g *docGen) key() []rune {
	if g.r.IntN(3) > 0 {
		return []rune(oracleKeys[g.r.IntN(len(oracleKeys))])
	}
	return g.text()
}

// text returns random characters; a value in the surrogate range stands
// for a lone surrogate.
func (g *docGen) text() []rune {
	var s []rune
	n := g.r.IntN(8)
	for i := 0; i < n; i++ {
		var c rune
		switch g.r.IntN(12) {
		case 0, 1, 2:
			c = rune(0x20 + g.r.IntN(0x5f)) // printable ASCII
		case 3:
			c = []rune{'"', '\\', '/', '<', '>', '&', 0x7f}[g.r.IntN(7)]
		case 4:
			c = rune(g.r.IntN(0x20))
		case 5:
			c = []rune{0x2028, 0x2029, 0xfeff, 0xffff, 0xe000, 0xfffd, 0xa0}[g.r.IntN(7)]
		case 6:
			c = rune(0xc0 + g.r.IntN(0x140)) // Latin
		case 7:
			c = rune(0x4e00 + g.r.IntN(0x5000)) // CJK
		case 8:
			c = rune(0x1f600 + g.r.IntN(0x50)) // emoji
		case 9:
			c = rune(0x10000 + g.r.IntN(0x100000)) // any astral
		case 10:
			if g.lone && g.r.IntN(3) == 0 {
				c = rune(0xd800 + g.r.IntN(0x800))
			} else {
				c = 'q'
			}
		default:
			c = rune(0x80 + g.r.IntN(0xd800-0x80))
		}
		s = append(s, c)
	}
	return s
}

func (g *docGen) hex4(b []byte, r rune) []byte {
	h := strconv.AppendInt(nil, int64(0x10000+r), 16)[1:] // four digits
	if !g.plain && g.r.IntN(2) == 0 {
		h = bytes.ToUpper(h)
	}
	return append(append(b, '\\', 'u'), h...)
}

// str writes s as Python's json.dumps does (ensure_ascii=True), or with
// varied but equivalent spellings.
func (g *docGen) str(b []byte, s []rune) []byte {
	b = append(b, '"')
	for _, c := range s {
		if !g.plain && g.r.IntN(4) == 0 {
			// An alternative spelling.
			switch {
			case c >= 0xd800 && c < 0xe000:
				b = appendSurrogate(b, c) // Python decodes bytes with surrogatepass
				continue
			case c >= 0x80:
				b = utf8.AppendRune(b, c)
				continue
			case c == '/':
				b = append(b, '\\', '/')
				continue
			case c < 0x80:
				b = g.hex4(b, c)
				continue
			}
		}
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c >= 0x20 && c < 0x7f:
			b = append(b, byte(c))
		case c < 0x10000:
			b = g.hex4(b, c)
		default:
			c -= 0x10000
			b = g.hex4(g.hex4(b, 0xd800+c>>10), 0xdc00+c&0x3ff)
		}
	}
	return append(b, '"')
}

func (g *docGen) number(b []byte) []byte {
	switch g.r.IntN(9) {
	case 0:
		return strconv.AppendInt(b, int64(g.r.IntN(2001)-1000), 10)
	case 1:
		return strconv.AppendInt(b, g.r.Int64()-g.r.Int64(), 10)
	case 2:
		n := new(big.Int).Lsh(big.NewInt(1), uint(64+g.r.IntN(200)))
		n.Add(n, big.NewInt(g.r.Int64()))
		if g.r.IntN(2) == 0 {
			n.Neg(n)
		}
		return n.Append(b, 10)
	case 3:
		return append(b, pyFloat(float64(g.r.IntN(2001)-1000))...)
	case 4:
		return append(b, pyFloat(math.Float64frombits(g.r.Uint64()))...) // any double, NaN and infinities included
	case 5:
		return append(b, pyFloat((g.r.Float64()-0.5)*math.Pow(10, float64(g.r.IntN(40)-20)))...)
	case 6:
		specials := []float64{0, math.Copysign(0, -1), 1, 0.1, 1e-07, 1.5e-07, 1e16, 1e15, 0.0001, 0.00001,
			1.5e300, 5e-324, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1), 1 << 53, 1e22}
		return append(b, pyFloat(specials[g.r.IntN(len(specials))])...)
	}
	return append(b, pyFloat(g.r.NormFloat64()*1000)...)
}

// pyFloat formats f as Python's float repr, which json.dumps uses; NaN and
// infinities as json.dumps writes them by default.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	if f == 0 {
		return sign + "0.0"
	}
	// Shortest round-trip digits d1d2...dn and the decimal point position,
	// value = 0.d1d2...dn × 10^decpt.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	decpt := x + 1
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			return sign + "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			return sign + digits[:decpt] + "." + digits[decpt:]
		}
	}
	s := sign + digits[:1]
	if len(digits) > 1 {
		s += "." + digits[1:]
	}
	es := "+"
	if x < 0 {
		es, x = "-", -x
	}
	if x < 10 {
		es += "0"
	}
	return s + "e" + es + strconv.Itoa(x)
}

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 0.1: "0.1", 1e-07: "1e-07", 1.5e300: "1.5e+300", 1e16: "1e+16", 1e15: "1000000000000000.0",
		0.0001: "0.0001", 0.00001: "1e-05", 123.456: "123.456", 5e-324: "5e-324", -2.5: "-2.5",
		math.MaxFloat64: "1.7976931348623157e+308", 1e22: "1e+22",
	} {
		require.Equal(t, want, pyFloat(f))
	}
	require.Equal(t, "-0.0", pyFloat(math.Copysign(0, -1)))
}
