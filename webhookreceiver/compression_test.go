package webhookreceiver

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// compressed re-sends req's body under encoding, with the same headers (the
// signature is over the decoded body, as a platform would sign it).
func compressed(t *testing.T, req *http.Request, encoding string, encode func(io.Writer, []byte)) *http.Request {
	t.Helper()
	plain, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	var buf bytes.Buffer
	encode(&buf, plain)
	out, err := http.NewRequest(req.Method, req.URL.String(), &buf)
	require.NoError(t, err)
	out.Header = req.Header.Clone()
	out.Header.Set("Content-Encoding", encoding)
	return out
}

func gzipped(w io.Writer, b []byte) {
	z := gzip.NewWriter(w)
	_, _ = z.Write(b)
	_ = z.Close()
}

func zstded(w io.Writer, b []byte) {
	z, _ := zstd.NewWriter(w)
	_, _ = z.Write(b)
	_ = z.Close()
}

// No platform compresses: by default a compressed body is answered 415,
// unread, whatever the encoding, and no decoder is made for it.
func TestCompressedBodiesRefusedByDefault(t *testing.T) {
	r, platforms := loadgenReceiver(t, func(*Config) {})
	for _, enc := range []string{"gzip", "zstd", "lz4", "snappy", "x-snappy-framed", "deflate", "br"} {
		req := compressed(t, platforms["eventsair"].Next(r.url, 1), enc, gzipped)
		resp := do(t, req)
		require.Equal(t, http.StatusUnsupportedMediaType, resp.status, enc)
		require.Contains(t, resp.body, "compression_algorithms")
	}
	resp := do(t, platforms["eventsair"].Next(r.url, 2))
	require.Equal(t, http.StatusOK, resp.status, "uncompressed: accepted")
}

// Encodings a user enables are decoded after the headers are checked, and
// their decoders' memory is reserved from the budget before they exist: a
// zstd decoder's window does not fit a budget that a gzip one does.
func TestEnabledCompression(t *testing.T) {
	r, platforms := loadgenReceiver(t, func(cfg *Config) {
		cfg.CompressionAlgorithms = []string{"gzip", "zstd"}
		cfg.MaxBodyBytesInFlight = 32 << 20 // a zstd decoder reserves 8.5 MiB, of a stranger's half
	})
	for n, tc := range []struct {
		enc    string
		encode func(io.Writer, []byte)
	}{{"gzip", gzipped}, {"zstd", zstded}} {
		for _, name := range []string{"eventsair", "attendee", "iotum"} {
			resp := do(t, compressed(t, platforms[name].Next(r.url, uint64(10+n)), tc.enc, tc.encode))
			require.Equal(t, http.StatusOK, resp.status, "%s %s: %s", name, tc.enc, resp.body)
		}
	}
	resp := do(t, compressed(t, platforms["eventsair"].Next(r.url, 20), "gzip", func(w io.Writer, b []byte) { _, _ = w.Write(b) }))
	require.Equal(t, http.StatusBadRequest, resp.status, "not gzip at all")
	require.Contains(t, resp.body, "reading the gzip body")
	resp = do(t, compressed(t, platforms["eventsair"].Next(r.url, 21), "lz4", gzipped))
	require.Equal(t, http.StatusUnsupportedMediaType, resp.status, "not enabled")

	// A frame declaring a window past the bound is refused, not allocated.
	huge := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x78} // magic; no checksum; window 2^(10+15) = 32 MiB
	req, err := http.NewRequest(http.MethodPost, r.url+"/iotum", bytes.NewReader(append(huge, make([]byte, 64)...)))
	require.NoError(t, err)
	req.Header.Set("X-Signing-Token", "load-test-iotum-signing-token")
	req.Header.Set("Content-Encoding", "zstd")
	resp = do(t, req)
	require.Equal(t, http.StatusBadRequest, resp.status, resp.body)
}

// What a decoder costs is held against the budget: a zstd decoder (an
// 8 MiB window) does not fit a 4 MiB budget, a gzip one does.
func TestDecoderReservedFromTheBudget(t *testing.T) {
	r, platforms := loadgenReceiver(t, func(cfg *Config) {
		cfg.CompressionAlgorithms = []string{"gzip", "zstd"}
		cfg.MaxRequestBodySize = 1 << 20
		cfg.MaxBodyBytesInFlight = 4 << 20
	})
	resp := do(t, compressed(t, platforms["iotum"].Next(r.url, 1), "zstd", zstded))
	require.Equal(t, http.StatusServiceUnavailable, resp.status, resp.body)
	require.Equal(t, map[string]int64{"over_budget": 1}, deliveriesByOutcome(t, r.tel, "iotum"))
	resp = do(t, compressed(t, platforms["iotum"].Next(r.url, 1), "gzip", gzipped))
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	require.Zero(t, bodyBytesInFlight(t, r))
}
