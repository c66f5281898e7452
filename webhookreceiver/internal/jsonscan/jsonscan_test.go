package jsonscan

import (
	"strconv"
	"strings"
	"testing"
)

// TestSkipPlain checks the word-at-a-time scan against the byte table with
// every byte value at every offset, from several starting points, for both
// input types.
func TestSkipPlain(t *testing.T) {
	for c := range 256 {
		for n := range 20 {
			for at := range n {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				for from := range min(n, 3) {
					want := from
					for want < len(b) && Plain[b[want]] {
						want++
					}
					if got := SkipPlain(b, from); got != want {
						t.Fatalf("[]byte: byte %#x at %d of %d, from %d: got %d, want %d", c, at, n, from, got, want)
					}
					if got := SkipPlain(string(b), from); got != want {
						t.Fatalf("string: byte %#x at %d of %d, from %d: got %d, want %d", c, at, n, from, got, want)
					}
				}
			}
		}
	}
}

func TestPlain(t *testing.T) {
	for c := range 256 {
		want := c >= 0x20 && c < 0x80 && c != '"' && c != '\\'
		if Plain[c] != want {
			t.Errorf("Plain[%#x] = %v", c, Plain[c])
		}
	}
}

func TestSkipSpace(t *testing.T) {
	for _, tt := range []struct {
		in       string
		from, at int
	}{{"", 0, 0}, {"  \t\r\n{", 0, 5}, {"x  y", 1, 3}, {"   ", 1, 3}, {"\v", 0, 0}, {"\u00a0", 0, 0}} {
		if got := SkipSpace(tt.in, tt.from); got != tt.at {
			t.Errorf("SkipSpace(%q, %d) = %d, want %d", tt.in, tt.from, got, tt.at)
		}
		if got := SkipSpace([]byte(tt.in), tt.from); got != tt.at {
			t.Errorf("SkipSpace([]byte(%q), %d) = %d, want %d", tt.in, tt.from, got, tt.at)
		}
	}
}

func BenchmarkSkipPlain(b *testing.B) {
	s := strings.Repeat("Let us start with the release notes. ", 30)
	b.SetBytes(int64(len(s)))
	for range b.N {
		if SkipPlain(s, 0) != len(s) {
			b.Fatal("stopped early")
		}
	}
}

func TestHex4(t *testing.T) {
	for _, tt := range []struct {
		in   string
		at   int
		want rune
		ok   bool
	}{
		{"0000", 0, 0, true},
		{"0123", 0, 0x0123, true},
		{"4567", 0, 0x4567, true},
		{"89ab", 0, 0x89ab, true},
		{"cdef", 0, 0xcdef, true},
		{"ABCD", 0, 0xabcd, true},
		{"EF09", 0, 0xef09, true},
		{"fFfF", 0, 0xffff, true},
		{"d83D", 0, 0xd83d, true},
		{`"\u00e9"`, 3, 0x00e9, true},
		{"123456", 0, 0x1234, true}, // only four digits are read
		{"123456", 2, 0x3456, true},
		// A byte next to each range of digits, at each position.
		{"/000", 0, 0, false},
		{"0:00", 0, 0, false},
		{"00@0", 0, 0, false},
		{"000G", 0, 0, false},
		{"`000", 0, 0, false},
		{"0g00", 0, 0, false},
		{"00 0", 0, 0, false},
		{"000-", 0, 0, false},
		{"fff\x00", 0, 0, false},
		{"\x80fff", 0, 0, false},
		{"ff\xfff", 0, 0, false},
		{"+123", 0, 0, false},
		{"x123", 0, 0, false},
		// Too short.
		{"", 0, 0, false},
		{"1", 0, 0, false},
		{"12", 0, 0, false},
		{"123", 0, 0, false},
		{"1234", 1, 0, false},
		{"1234", 4, 0, false},
		{`"\u12"`, 3, 0, false},
	} {
		if got, ok := Hex4(tt.in, tt.at); got != tt.want || ok != tt.ok {
			t.Errorf("Hex4(%q, %d) = %#x, %v; want %#x, %v", tt.in, tt.at, got, ok, tt.want, tt.ok)
		}
		if got, ok := Hex4([]byte(tt.in), tt.at); got != tt.want || ok != tt.ok {
			t.Errorf("Hex4([]byte(%q), %d) = %#x, %v; want %#x, %v", tt.in, tt.at, got, ok, tt.want, tt.ok)
		}
	}
}

// TestHex4AllBytes puts every byte value at each of the four positions and
// checks Hex4 against strconv.
func TestHex4AllBytes(t *testing.T) {
	for c := range 256 {
		for at := range 4 {
			b := []byte("a5F0")
			b[at] = byte(c)
			want, err := strconv.ParseUint(string(b), 16, 16)
			ok := err == nil
			if !ok {
				want = 0
			}
			if got, gotOK := Hex4(b, 0); got != rune(want) || gotOK != ok {
				t.Fatalf("Hex4(%q) = %#x, %v; want %#x, %v", b, got, gotOK, want, ok)
			}
		}
	}
}

func TestIsHexDigit(t *testing.T) {
	for c := range 256 {
		want := strings.IndexByte("0123456789abcdefABCDEF", byte(c)) >= 0
		if got := IsHexDigit(byte(c)); got != want {
			t.Errorf("IsHexDigit(%#x) = %v", c, got)
		}
	}
}

func TestIsDigit(t *testing.T) {
	for c := range 256 {
		want := strings.IndexByte("0123456789", byte(c)) >= 0
		if got := IsDigit(byte(c)); got != want {
			t.Errorf("IsDigit(%#x) = %v", c, got)
		}
	}
}
