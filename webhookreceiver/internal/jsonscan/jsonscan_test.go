package jsonscan

import (
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
