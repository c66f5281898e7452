// Package jsonscan holds the scanning the two JSON parsers of this module
// (jsonpdata, canonjson) share: white space, the plain part of a string,
// eight bytes at a time, as long strings (texts, transcripts) are most of
// what a body's bytes are, digits and the hex digits of \u escapes. Errors
// are left to the callers, which word and place them each their own way.
package jsonscan

// Plain marks the bytes that stand for themselves inside a JSON string:
// ASCII except control characters, the quote and the backslash.
var Plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space, or len(data).
func SkipSpace[T string | []byte](data T, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Masks: a byte value repeated in each of a word's eight bytes.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// SkipPlain returns the index of the first byte at or after i that is not
// Plain, or len(data).
func SkipPlain[T string | []byte](data T, i int) int {
	for ; i+8 <= len(data); i += 8 {
		w := load64(data[i : i+8])
		// (x - ones) &^ x has a high bit set iff a byte of x is zero, and
		// (x - n*ones) &^ x iff a byte is below n: the word holds a control
		// byte, a quote or a backslash; w&highs is non-ASCII.
		quote, backslash := w^'"'*ones, w^'\\'*ones
		found := (w-0x20*ones)&^w | (quote-ones)&^quote | (backslash-ones)&^backslash | w
		if found&highs != 0 {
			break
		}
	}
	for i < len(data) && Plain[data[i]] {
		i++
	}
	return i
}

// load64 reads eight bytes as a little-endian word (the compiler makes
// this one load).
func load64[T string | []byte](b T) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// IsDigit reports whether c is an ASCII decimal digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// hexValue maps a hex digit (either case) to its value and any other byte
// to -1, so that or-ing the four shifted values of an escape is negative iff
// one of them is bad: a single test instead of a branch per digit.
var hexValue = func() (t [256]int8) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = int8(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = int8(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = int8(c - 'A' + 10)
		default:
			t[c] = -1
		}
	}
	return t
}()

// IsHexDigit reports whether c is a hex digit, in either case.
func IsHexDigit(c byte) bool { return hexValue[c] >= 0 }

// Hex4 decodes the four hex digits (either case) of a \u escape at
// data[i:i+4] into the UTF-16 code unit they spell. It returns 0, false if
// fewer than four bytes are left or one of them is not a hex digit; a
// caller that reports which can find it with IsHexDigit.
func Hex4[T string | []byte](data T, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	s := data[i : i+4]
	r := rune(hexValue[s[0]])<<12 | rune(hexValue[s[1]])<<8 | rune(hexValue[s[2]])<<4 | rune(hexValue[s[3]])
	if r < 0 {
		return 0, false
	}
	return r, true
}
