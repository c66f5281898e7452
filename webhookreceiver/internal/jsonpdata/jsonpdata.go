// Package jsonpdata decodes JSON documents directly into pdata values.
//
// It is a small hand-written parser: one pass over the input, no
// reflection and no intermediate map[string]any. Keys and string values
// are substrings of the input, sharing its memory: besides the allocations
// pdata makes for the values themselves, only strings with escapes (or
// invalid UTF-8) are allocated. A decoded value thus keeps the whole input
// alive as long as it lives; the input is one delivery's body.
//
// Mapping:
//
//   - object -> Map (duplicate keys: the last value wins, at the position
//     of the first occurrence; objects with more than 128 keys do not keep
//     their key order, see maxOrderedKeys)
//   - array -> Slice
//   - string -> Str (invalid UTF-8 and lone surrogate escapes become U+FFFD)
//   - true, false -> Bool
//   - null -> Empty
//   - number -> Int if it is an integer literal (no fraction, no exponent)
//     that fits in int64; otherwise Double if the shortest formatting of
//     the nearest float64 denotes exactly the same number as the text
//     (1.5, 2.0, 1e3, 0.1); otherwise Str holding the original text, so no
//     digit is ever lost (integer literals beyond int64, 0.10000000000000001,
//     1e999, 1e-999).
package jsonpdata // import "github.com/eventhooks/collector/webhookreceiver/internal/jsonpdata"

import (
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/eventhooks/collector/webhookreceiver/internal/jsonscan"
)

// MaxDepth is the deepest nesting of arrays and objects accepted. Deeper
// documents are rejected with an error; the bound also keeps the recursion
// of the parser shallow.
const MaxDepth = 128

// maxOrderedKeys is how many keys an object may have to be built with
// Map.PutEmpty. PutEmpty looks for an existing key by scanning all keys
// inserted so far, so building a huge object that way would take time
// quadratic in its number of keys (a cheap denial of service). Objects
// with more keys are deduplicated in a Go map and handed to Map.FromRaw:
// linear time, but the key order of that object is lost.
const maxOrderedKeys = 128

// maxPooledElems bounds the scratch space a pooled parser keeps, so that
// one huge document does not pin memory forever.
const maxPooledElems = 4096

// SyntaxError is returned for any document that is not exactly one valid
// JSON value. Its message never contains more of the input than the single
// offending byte.
type SyntaxError struct {
	msg    string
	eof    bool
	Offset int // byte offset in the input where the problem was found
}

func (e *SyntaxError) Error() string {
	if e.eof {
		return "jsonpdata: " + e.msg
	}
	return "jsonpdata: " + e.msg + " at offset " + strconv.Itoa(e.Offset)
}

// Parse decodes one JSON document into dst (dst is overwritten). It returns
// an error for anything that is not exactly one valid JSON value (RFC 8259),
// surrounded by optional white space. After an error dst holds whatever was
// decoded up to that point.
func Parse(data string, dst pcommon.Value) error {
	p := newParser(data)
	p.skipSpace()
	if err := p.value(dst); err != nil {
		return err
	}
	if err := p.end(); err != nil {
		return err
	}
	p.release()
	return nil
}

// ParseMap is Parse for a document that must be a JSON object; dst is
// cleared first.
func ParseMap(data string, dst pcommon.Map) error {
	dst.Clear()
	p := newParser(data)
	p.skipSpace()
	if p.pos >= len(p.data) {
		return p.errEOF()
	}
	if p.data[p.pos] != '{' {
		return &SyntaxError{msg: "expected object, found " + quoteByte(p.data[p.pos]), Offset: p.pos}
	}
	if err := p.object(dst); err != nil {
		return err
	}
	if err := p.end(); err != nil {
		return err
	}
	p.release()
	return nil
}

type parser struct {
	data   string
	pos    int      // next byte to read
	depth  int      // arrays and objects currently open
	buf    []byte   // scratch space for strings with escapes
	levels []*level // scratch space per depth, see level
}

// level is scratch space for the array or object open at one depth. Its
// elements are decoded here first, then moved into a Map or Slice allocated
// at its final size: growing them one element at a time would cost several
// allocations per container, while the scratch space is reused.
type level struct {
	keys   []string      // object keys, in order
	values pcommon.Slice // values; only the first n are in use
	n      int
}

// Parsers are pooled for their scratch space.
var parserPool = sync.Pool{New: func() any { return new(parser) }}

func newParser(data string) *parser {
	p := parserPool.Get().(*parser)
	p.data = data
	return p
}

// release returns p to the pool after a successful parse (after an error
// scratch space may still hold values; then p is left to the GC).
func (p *parser) release() {
	if cap(p.buf) > maxPooledElems*16 {
		return
	}
	for _, l := range p.levels {
		if l.values.Len() > maxPooledElems {
			return
		}
	}
	p.data, p.pos, p.depth = "", 0, 0
	parserPool.Put(p)
}

// level returns the scratch space for the container just opened.
func (p *parser) level() *level {
	for len(p.levels) < p.depth {
		p.levels = append(p.levels, &level{values: pcommon.NewSlice()})
	}
	l := p.levels[p.depth-1]
	l.keys = l.keys[:0]
	l.n = 0
	return l
}

// next returns an empty value to decode the next element into.
func (l *level) next() pcommon.Value {
	l.n++
	if l.n <= l.values.Len() {
		return l.values.At(l.n - 1) // emptied by the previous user
	}
	return l.values.AppendEmpty()
}

// end checks that nothing but white space follows the top-level value.
func (p *parser) end() error {
	p.skipSpace()
	if p.pos < len(p.data) {
		return p.errChar(p.pos, "after top-level value")
	}
	return nil
}

func (p *parser) skipSpace() { p.pos = jsonscan.SkipSpace(p.data, p.pos) }

// value decodes the value starting at p.pos into v.
func (p *parser) value(v pcommon.Value) error {
	if p.pos >= len(p.data) {
		return p.errEOF()
	}
	switch c := p.data[p.pos]; c {
	case '{':
		return p.object(v.SetEmptyMap())
	case '[':
		return p.array(v.SetEmptySlice())
	case '"':
		s, err := p.string()
		if err != nil {
			return err
		}
		v.SetStr(s)
		return nil
	case 't':
		v.SetBool(true)
		return p.literal("true")
	case 'f':
		v.SetBool(false)
		return p.literal("false")
	case 'n':
		// v may hold an earlier value (dst, or a duplicate key): clear it.
		_ = v.FromRaw(nil)
		return p.literal("null")
	default:
		if c == '-' || jsonscan.IsDigit(c) {
			return p.number(v)
		}
		return p.errChar(p.pos, "looking for beginning of value")
	}
}

// enter accounts for one more level of nesting at p.pos.
func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return &SyntaxError{msg: "nesting deeper than " + strconv.Itoa(MaxDepth), Offset: p.pos}
	}
	p.pos++ // '{' or '['
	p.skipSpace()
	return nil
}

// object decodes the object starting at p.pos ('{') into m.
func (p *parser) object(m pcommon.Map) error {
	if err := p.enter(); err != nil {
		return err
	}
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return nil
	}
	l := p.level()
	for {
		if p.pos >= len(p.data) {
			return p.errEOF()
		}
		if p.data[p.pos] != '"' {
			return p.errChar(p.pos, "looking for beginning of object key string")
		}
		key, err := p.string()
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return p.errEOF()
		}
		if p.data[p.pos] != ':' {
			return p.errChar(p.pos, "after object key")
		}
		p.pos++
		p.skipSpace()
		l.keys = append(l.keys, key)
		if err := p.value(l.next()); err != nil {
			return err
		}
		done, err := p.afterElement('}', "after object key:value pair")
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	if l.n <= maxOrderedKeys {
		m.EnsureCapacity(l.n)
		for i := range l.n {
			// For a duplicate key PutEmpty returns the earlier entry,
			// emptied: the last value wins.
			l.values.At(i).MoveTo(m.PutEmpty(l.keys[i]))
		}
	} else {
		bigObject(m, l)
	}
	p.depth--
	return nil
}

// bigObject fills m with the entries in l, in linear time. Map.FromRaw is
// the only way to fill a Map without a scan per key: it is given each key
// with the position of its last value, as an int, and then the Int values
// it stored are replaced by the real ones.
func bigObject(m pcommon.Map, l *level) {
	index := make(map[string]any, l.n)
	for i, k := range l.keys {
		index[k] = i
	}
	_ = m.FromRaw(index) // cannot fail: the raw values are ints
	for _, v := range m.All() {
		l.values.At(int(v.Int())).MoveTo(v)
	}
	// Values of duplicate keys that lost were not moved: drop them.
	for i := range l.n {
		_ = l.values.At(i).FromRaw(nil)
	}
}

// afterElement reads what follows an element of an object or array: a comma
// (more to come) or the closing byte (done).
func (p *parser) afterElement(closing byte, what string) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, p.errEOF()
	}
	c := p.data[p.pos]
	p.pos++
	switch c {
	case closing:
		return true, nil
	case ',':
		p.skipSpace()
		return false, nil
	}
	return false, p.errChar(p.pos-1, what)
}

// array decodes the array starting at p.pos ('[') into s.
func (p *parser) array(s pcommon.Slice) error {
	if err := p.enter(); err != nil {
		return err
	}
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return nil
	}
	l := p.level()
	for {
		if err := p.value(l.next()); err != nil {
			return err
		}
		done, err := p.afterElement(']', "after array element")
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	s.EnsureCapacity(l.n)
	for i := range l.n {
		l.values.At(i).MoveTo(s.AppendEmpty())
	}
	p.depth--
	return nil
}

// literal consumes word (true, false or null), whose first byte is known.
func (p *parser) literal(word string) error {
	for i := 1; i < len(word); i++ {
		j := p.pos + i
		if j >= len(p.data) {
			return p.errEOF()
		}
		if p.data[j] != word[i] {
			return p.errChar(j, "in literal "+word)
		}
	}
	p.pos += len(word)
	return nil
}

// string decodes the string starting at p.pos (the opening quote).
func (p *parser) string() (string, error) {
	data := p.data
	start := p.pos + 1
	// Fast path: most strings have no escapes and are valid UTF-8, so
	// their value is a substring of the input (no allocation).
	i := start
	for {
		if i = jsonscan.SkipPlain(data, i); i >= len(data) {
			break
		}
		c := data[i]
		if c == '"' {
			p.pos = i + 1
			return data[start:i], nil
		}
		if c < utf8.RuneSelf {
			break // escape or control character
		}
		r, size := utf8.DecodeRuneInString(data[i:])
		if r == utf8.RuneError && size == 1 {
			break // invalid UTF-8
		}
		i += size
	}
	return p.slowString(start, i)
}

// slowString finishes a string that needs rewriting; data[start:i] is
// already known to need none.
func (p *parser) slowString(start, i int) (string, error) {
	data := p.data
	buf := append(p.buf[:0], data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case jsonscan.Plain[c]:
			j := jsonscan.SkipPlain(data, i)
			buf = append(buf, data[i:j]...)
			i = j
		case c == '"':
			p.pos = i + 1
			p.buf = buf
			return string(buf), nil
		case c == '\\':
			var err error
			buf, i, err = p.escape(buf, i)
			if err != nil {
				return "", err
			}
		case c < 0x20:
			return "", p.errChar(i, "in string literal")
		default:
			// Like encoding/json: each byte that does not start a valid
			// UTF-8 sequence becomes U+FFFD.
			r, size := utf8.DecodeRuneInString(data[i:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, data[i:i+size]...)
			}
			i += size
		}
	}
	return "", p.errEOF()
}

// escape decodes the escape sequence at data[i] (a backslash), appends its
// value to buf and returns the index after it.
func (p *parser) escape(buf []byte, i int) ([]byte, int, error) {
	data := p.data
	i++
	if i >= len(data) {
		return buf, i, p.errEOF()
	}
	c := data[i]
	switch c {
	case '"', '\\', '/':
		return append(buf, c), i + 1, nil
	case 'b':
		return append(buf, '\b'), i + 1, nil
	case 'f':
		return append(buf, '\f'), i + 1, nil
	case 'n':
		return append(buf, '\n'), i + 1, nil
	case 'r':
		return append(buf, '\r'), i + 1, nil
	case 't':
		return append(buf, '\t'), i + 1, nil
	case 'u':
	default:
		return buf, i, p.errChar(i, "in string escape code")
	}
	r, ok := jsonscan.Hex4(data, i+1)
	if !ok {
		return buf, i, p.hex4Error(i + 1)
	}
	i += 5
	if utf16.IsSurrogate(r) {
		// Characters outside the BMP are written as a high surrogate
		// escape followed by a low one; any other surrogate is lone and
		// becomes U+FFFD, while what follows it is decoded on its own.
		lo := rune(-1)
		if r < 0xDC00 && i+6 <= len(data) && data[i] == '\\' && data[i+1] == 'u' {
			if v, ok := jsonscan.Hex4(data, i+2); ok {
				lo = v
			}
		}
		if 0xDC00 <= lo && lo < 0xE000 {
			r = utf16.DecodeRune(r, lo)
			i += 6
		} else {
			r = utf8.RuneError
		}
	}
	return utf8.AppendRune(buf, r), i, nil
}

// hex4Error reports why jsonscan.Hex4 rejected data[i:i+4]: the first byte
// that is not a hex digit, else the end of the input.
func (p *parser) hex4Error(i int) error {
	for j := i; j < min(i+4, len(p.data)); j++ {
		if !jsonscan.IsHexDigit(p.data[j]) {
			return p.errChar(j, "in \\u hexadecimal character escape")
		}
	}
	return p.errEOF()
}

// number decodes the number starting at p.pos into v.
func (p *parser) number(v pcommon.Value) error {
	data := p.data
	start := p.pos
	i := start
	if data[i] == '-' {
		i++
	}
	// Integer part: 0, or a non-zero digit followed by digits. A zero
	// followed by a digit ends the number here; the caller then rejects
	// the digit that follows.
	if i >= len(data) {
		return p.errEOF()
	}
	switch c := data[i]; {
	case c == '0':
		i++
	case jsonscan.IsDigit(c):
		for i < len(data) && jsonscan.IsDigit(data[i]) {
			i++
		}
	default:
		return p.errChar(i, "in numeric literal")
	}
	integer := true
	if i < len(data) && data[i] == '.' {
		integer = false
		i++
		if i >= len(data) {
			return p.errEOF()
		}
		if !jsonscan.IsDigit(data[i]) {
			return p.errChar(i, "after decimal point in numeric literal")
		}
		for i < len(data) && jsonscan.IsDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		integer = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) {
			return p.errEOF()
		}
		if !jsonscan.IsDigit(data[i]) {
			return p.errChar(i, "in exponent of numeric literal")
		}
		for i < len(data) && jsonscan.IsDigit(data[i]) {
			i++
		}
	}
	p.pos = i
	text := data[start:i]

	if integer {
		if n, ok := parseInt64(text); ok {
			v.SetInt(n)
			return nil
		}
	} else if f, ok := exactFloat(text); ok {
		v.SetDouble(f)
		return nil
	}
	v.SetStr(text)
	return nil
}

// parseInt64 converts a valid JSON integer literal, reporting false if it
// does not fit in int64.
func parseInt64(text string) (int64, bool) {
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	// 19 digits always fit in a uint64; int64 values have at most 19.
	if len(text) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range text {
		u = u*10 + uint64(c-'0')
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	case neg && u < 1<<63:
		return -int64(u), true
	case neg && u == 1<<63:
		return math.MinInt64, true
	}
	return 0, false
}

// maxFloatDigits is the most significant digits the shortest formatting of
// a float64 can have.
const maxFloatDigits = 17

// decimal is a number in canonical form, value = ±digits × 10^exp, without
// leading or trailing zeros in digits. Two decimals are == exactly when
// they denote the same number (zero keeps its sign).
type decimal struct {
	neg    bool
	n      int // number of digits; 0 for zero
	digits [maxFloatDigits]byte
	exp    int
}

// parseDecimal converts a valid JSON number (or strconv's 'e' formatting
// of a float64, which has the same syntax) to canonical form. It reports
// false for more than maxFloatDigits significant digits: such a number
// cannot be the shortest formatting of any float64. It runs in time linear
// in len(s), even for thousands of digits.
func parseDecimal[T string | []byte](s T) (d decimal, ok bool) {
	i := 0
	if s[0] == '-' {
		d.neg = true
		i++
	}
	zeros := 0     // zeros seen since the last non-zero digit
	fraction := 0  // digits after the decimal point
	point := false // whether the decimal point was seen
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			point = true
			continue
		}
		if !jsonscan.IsDigit(c) {
			break
		}
		if point {
			fraction++
		}
		if c == '0' {
			if d.n > 0 { // leading zeros do not count
				zeros++
			}
			continue
		}
		if d.n+zeros >= len(d.digits) {
			return d, false
		}
		for ; zeros > 0; zeros-- {
			d.digits[d.n] = '0'
			d.n++
		}
		d.digits[d.n] = c
		d.n++
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		neg := false
		if s[i] == '+' || s[i] == '-' {
			neg = s[i] == '-'
			i++
		}
		for ; i < len(s); i++ {
			if exp < 1e9 { // saturate: far beyond float64 range already
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if neg {
			exp = -exp
		}
	}
	if d.n > 0 {
		d.exp = exp - fraction + zeros // the trailing zeros were dropped
	}
	return d, true
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactFloat converts a JSON number with a fraction or an exponent to the
// nearest float64, reporting false unless the shortest formatting of that
// float64 denotes the same number as text (so converting loses nothing).
func exactFloat(text string) (float64, bool) {
	d, ok := parseDecimal(text)
	if !ok {
		return 0, false
	}
	if d.n == 0 {
		if d.neg {
			return math.Copysign(0, -1), true
		}
		return 0, true
	}
	// Outside float64's range: overflow, or underflow below the smallest
	// subnormal (4.9e-324). Checking here also keeps huge exponents away
	// from strconv.
	if e := d.exp + d.n - 1; e > 308 || e < -324 {
		return 0, false
	}
	// Fast path: with at most 15 significant digits the decimal is
	// exactly the shortest formatting of its nearest float64 (float64
	// holds 15 decimal digits), and when both the digits and the power of
	// ten are exact float64 values one multiplication or division rounds
	// correctly.
	if d.n <= 15 && -22 <= d.exp && d.exp <= 22 {
		var m uint64
		for _, c := range d.digits[:d.n] {
			m = m*10 + uint64(c-'0')
		}
		f := float64(m)
		if d.exp < 0 {
			f /= pow10[-d.exp]
		} else {
			f *= pow10[d.exp]
		}
		if d.neg {
			f = -f
		}
		return f, true
	}
	// Slow path: let strconv round the canonical form, then check that
	// the shortest formatting of the result is the same number.
	var buf [40]byte
	b := buf[:0]
	if d.neg {
		b = append(b, '-')
	}
	b = append(b, d.digits[:d.n]...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(d.exp), 10)
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil { // out of range
		return 0, false
	}
	back, ok := parseDecimal(strconv.AppendFloat(buf[:0], f, 'e', -1, 64))
	if !ok || back != d {
		return 0, false
	}
	return f, true
}

func (p *parser) errEOF() error {
	return &SyntaxError{msg: "unexpected end of input", eof: true, Offset: len(p.data)}
}

// errChar reports the unexpected byte at data[i].
func (p *parser) errChar(i int, context string) error {
	return &SyntaxError{msg: "invalid character " + quoteByte(p.data[i]) + " " + context, Offset: i}
}

// quoteByte quotes c so that control characters and bytes that are not
// ASCII are readable: 'x', '\x01', byte 0xe9.
func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRuneToASCII(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}
