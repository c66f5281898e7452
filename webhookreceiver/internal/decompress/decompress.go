// Package decompress opens the compressed request bodies a user chose to
// accept. None of the platforms compresses, so the receiver accepts none by
// default; an encoding that is enabled gets a decoder whose memory is known
// before it allocates it, so that the receiver can reserve it from its body
// budget first. Encodings whose decoders allocate megabytes on a few bytes of
// header (lz4's legacy frames, snappy's declared lengths) are not offered.
package decompress

import (
	"compress/gzip"
	"compress/zlib"
	"io"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// Decoder opens one Content-Encoding.
type Decoder struct {
	// Cost is the most the decoder allocates for a body of at most limit
	// decoded bytes, beyond the decoded bytes themselves.
	Cost func(limit int64) int64
	// Open wraps the compressed body. It may read the stream's header.
	Open func(body io.Reader, limit int64) (io.ReadCloser, error)
}

// flateCost covers a DEFLATE decompressor: its 32 KiB window, its Huffman
// tables and the reader's buffer.
const flateCost = 64 << 10

// zstdEncoderWindow is the window a zstd encoder that streams (and so cannot
// shrink its window to the content's size) declares by default: frames from
// such encoders must keep decoding, so no route's bound is lower.
const zstdEncoderWindow = 8 << 20

var decoders = map[string]Decoder{
	"gzip": {
		Cost: func(int64) int64 { return flateCost },
		Open: func(body io.Reader, _ int64) (io.ReadCloser, error) { return gzip.NewReader(body) },
	},
	"zlib": {
		Cost: func(int64) int64 { return flateCost },
		Open: func(body io.Reader, _ int64) (io.ReadCloser, error) { return zlib.NewReader(body) },
	},
	"zstd": {
		// The window, and the decoder's block buffers beside it.
		Cost: func(limit int64) int64 { return int64(zstdWindow(limit)) + 512<<10 },
		Open: func(body io.Reader, limit int64) (io.ReadCloser, error) {
			d, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(zstdWindow(limit)))
			if err != nil {
				return nil, err
			}
			return zstdReader{d}, nil
		},
	},
}

func init() {
	// HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2), as the
	// collector's own servers read it.
	decoders["deflate"] = decoders["zlib"]
}

// zstdWindow is the largest window a frame may declare for a body of at
// most limit bytes.
func zstdWindow(limit int64) uint64 {
	return uint64(max(limit, zstdEncoderWindow))
}

type zstdReader struct{ *zstd.Decoder }

func (z zstdReader) Close() error { z.Decoder.Close(); return nil }

// Lookup returns the decoder of a Content-Encoding this package offers.
func Lookup(encoding string) (Decoder, bool) {
	d, ok := decoders[encoding]
	return d, ok
}

// Names lists the encodings this package offers, sorted.
func Names() []string {
	names := make([]string, 0, len(decoders))
	for n := range decoders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Identity reports whether encoding means no compression at all.
func Identity(encoding string) bool { return encoding == "" || encoding == "identity" }
