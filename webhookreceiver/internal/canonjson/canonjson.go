// Package canonjson rebuilds the bytes a Python sender signs when it
// computes
//
//	json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
//
// from the body it sent on the wire, which was written by Python's default
// json.dumps(payload) (insertion-ordered keys, ", " and ": " separators,
// non-ASCII escaped as \uXXXX).
//
// The conversion is a single pass of a small recursive-descent parser that
// writes straight into the caller's buffer; only object members are
// buffered (in pooled scratch space) so that they can be sorted.
//
// Numbers are copied exactly as they appear in the input. That equals
// Python's output whenever the wire number is already Python's repr of the
// value, which is always the case for text written by json.dumps. Other
// spellings of a number (1E5, 1.50, -0, 1e400) are kept as they are where
// Python would print its own repr (100000.0, 1.5, 0, Infinity).
package canonjson

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonscan"
)

// MaxDepth is the deepest nesting of arrays and objects Append accepts.
const MaxDepth = 512

// maxIntDigits is CPython's default limit on the number of digits of an
// integer converted from text (sys.get_int_max_str_digits()). json.loads
// rejects longer integer literals, so such a payload cannot have been signed.
const maxIntDigits = 4300

// Error reports why a document was rejected and where. It never quotes the
// input.
type Error struct {
	Offset int    // byte offset in the input
	Reason string // short constant description
}

func (e *Error) Error() string {
	return "canonjson: " + e.Reason + " at byte " + strconv.Itoa(e.Offset)
}

// Append appends to dst the bytes Python's
// json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
// gives for the JSON document data, and returns the extended slice.
//
// Python's NaN, Infinity and -Infinity tokens are accepted. Documents that
// Python would reject, either when loading or when encoding the result to
// UTF-8 (a lone surrogate in a kept string), are rejected with an *Error,
// as are invalid UTF-8, a byte order mark, and nesting deeper than MaxDepth.
// On error dst is returned unchanged.
func Append(dst, data []byte) ([]byte, error) {
	n := len(dst)
	// The canonical form is never longer than the input: white space is
	// dropped, and every escape is replaced by something no longer.
	dst = slices.Grow(dst, len(data))

	p := parserPool.Get().(*parser)
	p.data = data
	p.pos = 0
	p.depth = 0

	out, poison, err := p.value(dst, 0)
	if err == nil {
		p.skipSpace()
		if p.pos != len(p.data) {
			err = p.fail("data after the document")
		}
	}
	if err == nil && poison != 0 {
		err = &Error{Offset: poison - 1, Reason: "lone surrogate"}
	}
	p.release()
	if err != nil {
		return dst[:n], err
	}
	return out, nil
}

// member is an object member buffered in its object's scratch level: the
// decoded key is buf[key:val] and the rendered value buf[val:end].
type member struct {
	prefix        uint64 // the key's first 8 bytes, big-endian, zero-padded
	key, val, end int
	poison        int
}

type parser struct {
	data  []byte
	pos   int
	depth int
	// levels[i] buffers the members of the object currently being parsed
	// at object nesting i; members is a stack of all open objects' members.
	levels  [][]byte
	members []member
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// Scratch space beyond these sizes is not kept for the next call.
const (
	maxPooledLevel   = 64 << 10
	maxPooledMembers = 4096
)

func (p *parser) release() {
	p.data = nil
	for i, b := range p.levels {
		if cap(b) > maxPooledLevel {
			p.levels[i] = nil
		}
	}
	if len(p.levels) > 64 {
		clear(p.levels[64:])
		p.levels = p.levels[:64]
	}
	if cap(p.members) > maxPooledMembers {
		p.members = nil
	}
	p.members = p.members[:0]
	parserPool.Put(p)
}

func (p *parser) fail(reason string) error {
	return &Error{Offset: p.pos, Reason: reason}
}

func (p *parser) skipSpace() { p.pos = jsonscan.SkipSpace(p.data, p.pos) }

// minPoison combines two poison marks (offset+1 of a lone surrogate, 0 for
// none), keeping the earliest.
func minPoison(a, b int) int {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// value parses the value at p.pos (after optional white space), appends its
// canonical form to out and returns the extended slice. lvl is the object
// nesting, selecting the scratch level an object found here uses. The
// returned poison mark is non-zero when the value holds a lone surrogate
// that survives into the output: Python can load such a value but cannot
// encode it, yet it is harmless when a later duplicate key discards it.
func (p *parser) value(out []byte, lvl int) ([]byte, int, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return out, 0, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; c {
	case '{':
		return p.object(out, lvl)
	case '[':
		return p.array(out, lvl)
	case '"':
		return p.str(out, false)
	case 't':
		return p.literal(out, "true")
	case 'f':
		return p.literal(out, "false")
	case 'n':
		return p.literal(out, "null")
	case 'N':
		return p.literal(out, "NaN")
	case 'I':
		return p.literal(out, "Infinity")
	case '-':
		if p.pos+1 < len(p.data) && p.data[p.pos+1] == 'I' {
			return p.literal(out, "-Infinity")
		}
		return p.number(out)
	default:
		if jsonscan.IsDigit(c) {
			return p.number(out)
		}
		return out, 0, p.fail("invalid character")
	}
}

func (p *parser) literal(out []byte, lit string) ([]byte, int, error) {
	end := p.pos + len(lit)
	if end > len(p.data) || string(p.data[p.pos:end]) != lit {
		return out, 0, p.fail("invalid literal")
	}
	p.pos = end
	return append(out, lit...), 0, nil
}

// number copies a number matching -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
// — the pattern Python's scanner uses — verbatim. Like Python, a '.' or 'e'
// not followed by digits ends the number (and then fails as stray data).
func (p *parser) number(out []byte) ([]byte, int, error) {
	d := p.data
	start := p.pos
	i := start
	if d[i] == '-' {
		i++
	}
	digits := i
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && jsonscan.IsDigit(d[i]) {
			i++
		}
	default:
		p.pos = i
		return out, 0, p.fail("invalid number")
	}
	integer := true
	if i+1 < len(d) && d[i] == '.' && jsonscan.IsDigit(d[i+1]) {
		integer = false
		i += 2
		for i < len(d) && jsonscan.IsDigit(d[i]) {
			i++
		}
	}
	if i+1 < len(d) && (d[i] == 'e' || d[i] == 'E') {
		j := i + 1
		if d[j] == '+' || d[j] == '-' {
			j++
		}
		if j < len(d) && jsonscan.IsDigit(d[j]) {
			integer = false
			i = j + 1
			for i < len(d) && jsonscan.IsDigit(d[i]) {
				i++
			}
		}
	}
	if integer && i-digits > maxIntDigits {
		return out, 0, p.fail("integer has too many digits")
	}
	p.pos = i
	return append(out, d[start:i]...), 0, nil
}

func (p *parser) array(out []byte, lvl int) ([]byte, int, error) {
	if p.depth++; p.depth > MaxDepth {
		return out, 0, p.fail("nesting too deep")
	}
	p.pos++
	out = append(out, '[')
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return append(out, ']'), 0, nil
	}
	poison := 0
	for {
		var vp int
		var err error
		out, vp, err = p.value(out, lvl)
		if err != nil {
			return out, 0, err
		}
		poison = minPoison(poison, vp)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return out, 0, p.fail("unexpected end of input")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			out = append(out, ',')
		case ']':
			p.pos++
			p.depth--
			return append(out, ']'), poison, nil
		default:
			return out, 0, p.fail("expected ',' or ']'")
		}
	}
}

func (p *parser) object(out []byte, lvl int) ([]byte, int, error) {
	if p.depth++; p.depth > MaxDepth {
		return out, 0, p.fail("nesting too deep")
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return append(out, '{', '}'), 0, nil
	}
	for len(p.levels) <= lvl {
		p.levels = append(p.levels, nil)
	}
	buf := p.levels[lvl][:0]
	base := len(p.members)
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return out, 0, p.fail("unexpected end of input")
		}
		if p.data[p.pos] != '"' {
			return out, 0, p.fail("expected string key")
		}
		key := len(buf)
		var kp, vp int
		var err error
		if buf, kp, err = p.str(buf, true); err != nil {
			return out, 0, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return out, 0, p.fail("expected ':'")
		}
		p.pos++
		val := len(buf)
		if buf, vp, err = p.value(buf, lvl+1); err != nil {
			return out, 0, err
		}
		p.members = append(p.members, member{
			prefix: keyPrefix(buf[key:val]),
			key:    key, val: val, end: len(buf),
			poison: minPoison(kp, vp),
		})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return out, 0, p.fail("unexpected end of input")
		}
		c := p.data[p.pos]
		p.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			p.pos--
			return out, 0, p.fail("expected ',' or '}'")
		}
	}

	ms := p.members[base:]
	sortMembers(ms, buf)
	poison := 0
	out = append(out, '{')
	first := true
	for i, m := range ms {
		if i+1 < len(ms) && m.prefix == ms[i+1].prefix && bytes.Equal(buf[m.key:m.val], buf[ms[i+1].key:ms[i+1].val]) {
			continue // superseded by a later duplicate
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = appendQuoted(out, buf[m.key:m.val])
		out = append(out, ':')
		out = append(out, buf[m.val:m.end]...)
		poison = minPoison(poison, m.poison)
	}
	out = append(out, '}')

	p.levels[lvl] = buf
	p.members = p.members[:base]
	p.depth--
	return out, poison, nil
}

// sortMembers sorts ms by key, stably, so that among equal keys the last
// in the input — the one a Python dict keeps — comes last.
func sortMembers(ms []member, buf []byte) {
	if len(ms) > 16 {
		slices.SortStableFunc(ms, func(a, b member) int {
			if a.prefix != b.prefix {
				if a.prefix < b.prefix {
					return -1
				}
				return 1
			}
			return bytes.Compare(buf[a.key:a.val], buf[b.key:b.val])
		})
		return
	}
	for i := 1; i < len(ms); i++ {
		m := ms[i]
		j := i
		for ; j > 0; j-- {
			prev := &ms[j-1]
			if m.prefix > prev.prefix || m.prefix == prev.prefix && string(buf[m.key:m.val]) >= string(buf[prev.key:prev.val]) {
				break
			}
			ms[j] = *prev
		}
		ms[j] = m
	}
}

// keyPrefix packs the first 8 bytes of k so that comparing prefixes orders
// keys whenever the prefixes differ.
func keyPrefix(k []byte) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var x uint64
	for i, c := range k {
		x |= uint64(c) << (56 - 8*i)
	}
	return x
}

// str parses the string at p.pos. With decode it appends the decoded
// contents; otherwise the canonical quoted form. A lone surrogate is
// appended in the generalised UTF-8 form (3 bytes), so that distinct lone
// surrogates stay distinct keys and sort by code point, and reported as
// poison.
func (p *parser) str(out []byte, decode bool) ([]byte, int, error) {
	d := p.data
	i := p.pos + 1
	if !decode {
		out = append(out, '"')
	}
	poison := 0
	run := i
	for {
		i = jsonscan.SkipPlain(d, i)
		if i >= len(d) {
			p.pos = i
			return out, 0, p.fail("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			out = append(out, d[run:i]...)
			if !decode {
				out = append(out, '"')
			}
			p.pos = i + 1
			return out, poison, nil
		case c == '\\':
			out = append(out, d[run:i]...)
			esc := i
			if i+1 >= len(d) {
				p.pos = i + 1
				return out, 0, p.fail("unterminated string")
			}
			var r rune
			switch d[i+1] {
			case '"', '\\', '/':
				r = rune(d[i+1])
				i += 2
			case 'b':
				r, i = '\b', i+2
			case 'f':
				r, i = '\f', i+2
			case 'n':
				r, i = '\n', i+2
			case 'r':
				r, i = '\r', i+2
			case 't':
				r, i = '\t', i+2
			case 'u':
				var ok bool
				if r, ok = jsonscan.Hex4(d, i+2); !ok {
					p.pos = esc
					return out, 0, p.fail("invalid \\u escape")
				}
				i += 6
				if r >= 0xD800 && r < 0xDC00 && i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					r2, ok := jsonscan.Hex4(d, i+2)
					if !ok {
						p.pos = i
						return out, 0, p.fail("invalid \\u escape")
					}
					if r2 >= 0xDC00 && r2 < 0xE000 {
						r = utf16.DecodeRune(r, r2)
						i += 6
					}
				}
				if utf16.IsSurrogate(r) {
					poison = minPoison(poison, esc+1)
					out = appendSurrogate(out, r)
					run = i
					continue
				}
			default:
				p.pos = i + 1
				return out, 0, p.fail("invalid escape")
			}
			if decode {
				out = utf8.AppendRune(out, r)
			} else {
				out = appendRune(out, r)
			}
			run = i
		case c < 0x20:
			p.pos = i
			return out, 0, p.fail("control character in string")
		default: // c >= 0x80
			r, size := utf8.DecodeRune(d[i:])
			if r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
			// Python decodes bytes with "surrogatepass": an encoded
			// surrogate loads as a lone surrogate.
			if c == 0xED && i+2 < len(d) && d[i+1] >= 0xA0 && d[i+1] <= 0xBF && d[i+2] >= 0x80 && d[i+2] <= 0xBF {
				poison = minPoison(poison, i+1)
				i += 3
				continue // the bytes are copied with the run
			}
			p.pos = i
			return out, 0, p.fail("invalid UTF-8")
		}
	}
}

// appendSurrogate appends the generalised UTF-8 encoding of a surrogate
// code point (which utf8.AppendRune would replace by U+FFFD).
func appendSurrogate(out []byte, r rune) []byte {
	return append(out, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends the canonical form of the ASCII byte c, which is
// '"', '\\' or a control character.
func appendEscaped(out []byte, c byte) []byte {
	switch c {
	case '"':
		return append(out, '\\', '"')
	case '\\':
		return append(out, '\\', '\\')
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	}
	return append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// appendRune appends the canonical form of a decoded character inside a
// string.
func appendRune(out []byte, r rune) []byte {
	if r < 0x20 || r == '"' || r == '\\' {
		return appendEscaped(out, byte(r))
	}
	return utf8.AppendRune(out, r)
}

// appendQuoted appends the canonical quoted form of a decoded string.
func appendQuoted(out, s []byte) []byte {
	out = append(out, '"')
	run := 0
	for i, c := range s {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out = append(out, s[run:i]...)
		out = appendEscaped(out, c)
		run = i + 1
	}
	out = append(out, s[run:]...)
	return append(out, '"')
}
