package webhookreceiver

import (
	"net/http"
	"testing"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
)

// BenchmarkDelivery measures one delivery of each platform through the
// handler: read, verify, decode, dedup, lifecycle, translate, consume into
// nop consumers. The deliveries are those of `make bench`'s load harness,
// each with a fresh delivery key; making and signing them is not timed.
func BenchmarkDelivery(b *testing.B) {
	for _, p := range loadgen.Platforms() {
		b.Run(p.Name, func(b *testing.B) {
			r := newLoadReceiver(b)
			const batch = 512
			reqs := make([]*http.Request, batch)
			w := &discardWriter{header: http.Header{}}
			var n uint64
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%batch == 0 {
					b.StopTimer()
					for j := range reqs {
						n++
						reqs[j] = p.Next("", n)
					}
					b.StartTimer()
				}
				req := reqs[i%batch]
				if i == 0 {
					b.SetBytes(req.ContentLength)
				}
				w.reset()
				r.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatal(w.status)
				}
			}
		})
	}
}

// newLoadReceiver is the receiver `make bench` loads: every platform on,
// with loadgen's secrets, into nop consumers; its handler is called directly.
func newLoadReceiver(tb testing.TB) *webhookReceiver {
	tb.Helper()
	cfg := createDefaultConfig().(*Config)
	if err := confmap.NewFromStringMap(loadgen.Config("127.0.0.1:0")).Unmarshal(cfg); err != nil {
		tb.Fatal(err)
	}
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), func() {})
	if err != nil {
		tb.Fatal(err)
	}
	r.logs, r.traces = consumertest.NewNop(), consumertest.NewNop()
	return r
}

// discardWriter is the least a ResponseWriter can be, so that the benchmark
// measures the handler, not a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) reset() {
	w.status = 0
	clear(w.header)
}

var _ http.ResponseWriter = (*discardWriter)(nil)
