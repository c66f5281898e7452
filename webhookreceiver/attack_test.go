package webhookreceiver

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"

	"github.com/eventhooks/collector/webhookreceiver/internal/attack"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// heapPeak samples the heap in use until stop, and returns its peak.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	peak := make(chan uint64, 1)
	go func() {
		var ms runtime.MemStats
		highest := uint64(0)
		for {
			runtime.ReadMemStats(&ms)
			highest = max(highest, ms.HeapInuse)
			select {
			case <-stop:
				peak <- highest
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return peak
}

// Hundreds of large uploads without a secret, held open, while every
// platform's real deliveries go on: the real ones are answered 200 or told
// to retry (503), never anything else, and all are accepted in the end; the
// heap stays within the body budget and a bounded overhead, whatever the
// uploads claim.
func TestAttackWithoutASecret(t *testing.T) {
	const budget = 8 << 20
	cfg := createDefaultConfig().(*Config)
	cfg.MaxBodyBytesInFlight = budget
	require.NoError(t, confmap.NewFromStringMap(loadgen.Config("127.0.0.1:0")).Unmarshal(cfg))
	cfg.MaxRequestBodySize = budget
	require.NoError(t, cfg.Validate())
	r := startReceiver(t, cfg, nil, nil)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := heapPeak(stop)
	rep := attack.Run(strings.TrimPrefix(r.url, "http://"), attack.Config{
		Uploads: 240, Size: 5_000_000, Hold: 3 * time.Second, Real: 20, Deadline: 20 * time.Second,
	})
	close(stop)
	grown := int64(<-peak) - int64(before.HeapInuse)
	t.Logf("%s; heap grew by at most %.1f MiB (budget %d MiB)", rep, float64(grown)/(1<<20), budget>>20)

	for status := range rep.Real {
		require.Contains(t, []int{200, 503}, status, "a real delivery is accepted or told to retry: %s", rep)
	}
	require.Equal(t, rep.Sent, rep.Accepted, "every real delivery accepted in the end: %s", rep)
	require.Equal(t, len(loadgen.Platforms())*20, rep.Sent)
	require.Equal(t, len(loadgen.Platforms())*20, r.logs.LogRecordCount(), "each real delivery emitted once")
	for answer := range rep.Hostile {
		require.Contains(t, []string{"401", "503"}, answer, "no upload is accepted, each is refused with a status: %s", rep)
	}
	// Unread, the uploads claim 240 × MBs; read, they could hold only the
	// budget. What is left is the connections' own buffers and goroutines.
	require.Less(t, grown, int64(budget+48<<20), "heap in use beyond the budget: %s", rep)
}
