package webhookreceiver

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/redisstorageextension"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// redisStorage is contrib's redis_storage extension, as the distribution
// carries it, over the redis-server at addr.
func redisStorage(t *testing.T, addr string) component.Component {
	t.Helper()
	f := redisstorageextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*redisstorageextension.Config)
	cfg.Endpoint = addr
	cfg.Expiration = time.Hour
	cfg.TLS.Insecure = true // a plain redis on loopback
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext
}

// startReplica starts one collector behind the load balancer, over the
// redis-server at redisAddr.
func startReplica(t *testing.T, redisAddr string) *testReceiver {
	t.Helper()
	extID := component.MustNewID("redis_storage")
	cfg := testConfig(attendeeConfig())
	cfg.Storage = &extID
	host := extensionsHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{extID: redisStorage(t, redisAddr)}}
	return startReceiverOn(t, cfg, host, nil, nil)
}

func sendTo(t *testing.T, r *testReceiver, d attendeeDelivery) response {
	return do(t, d.post(t, r.url+"/attendee"))
}

// Two replicas over one redis-server: a bot's life that starts on one and
// ends on the other is one trace with one correct root span, and a retry
// that lands on the other replica is not emitted twice.
func TestReplicasOverRedis(t *testing.T) {
	addr := storagetest.StartRedis(t)
	a, b := startReplica(t, addr), startReplica(t, addr)
	life := loadAttendee(t, "bot_life")
	half := len(life) / 2
	for _, d := range life[:half] {
		require.Equal(t, http.StatusOK, sendTo(t, a, d).status, d.name)
	}
	require.Contains(t, sendTo(t, b, life[0]).body, "duplicate", "the retry landed on the other replica")
	for _, d := range life[half:] {
		require.Equal(t, http.StatusOK, sendTo(t, b, d).status, d.name)
	}
	require.Equal(t, len(life), a.logs.LogRecordCount()+b.logs.LogRecordCount(), "every delivery once")

	traceID, rootID := traceids.Root("attendee/bot/bot_3hfP0PXEsNinIZmh")
	var roots, phases []ptrace.Span
	for _, td := range append(a.traces.AllTraces(), b.traces.AllTraces()...) {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					require.Equal(t, traceID, s.TraceID())
					switch s.Name() {
					case "attendee.bot":
						roots = append(roots, s)
					case "attendee.bot.state":
						phases = append(phases, s)
					}
				}
			}
		}
	}
	require.Len(t, roots, 1)
	require.Equal(t, rootID, roots[0].SpanID())
	require.Equal(t, time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC), roots[0].StartTimestamp().AsTime(), "started on the first replica")
	require.Equal(t, time.Date(2025, 7, 15, 14, 52, 0, 0, time.UTC), roots[0].EndTimestamp().AsTime())
	require.Len(t, phases, 8, "the phases seen by both replicas")
}
