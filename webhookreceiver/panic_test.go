package webhookreceiver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadatatest"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// panicky is a test-only platform whose Verify or Decode panics when the
// body asks it to, as a decoder with a bug would on an input it never met.
type panicky struct{}

func (panicky) Verify(d *provider.Delivery) error {
	if strings.Contains(string(d.Body), "panic in verify") {
		var m map[string]int
		m["nil map"]++ // a runtime error, not a panic of our own
	}
	return nil
}

func (panicky) Decode(d *provider.Delivery) ([]provider.Event, error) {
	if strings.Contains(string(d.Body), "panic in decode") {
		panic("decoder bug")
	}
	return demo{}.Decode(d)
}

func withPanickyPlatform(t *testing.T) { withTestPlatform(t, "panicky", panicky{}) }

// A panic in a platform's Verify or Decode is answered 500 with a short
// message (never the body), logged at error level with the platform and the
// stack, and counted as internal_error; the next delivery is served.
func TestPanicInAPlatformIsAnswered500(t *testing.T) {
	withPanickyPlatform(t)
	core, logged := observer.New(zapcore.ErrorLevel)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	set.Logger = zap.New(core)
	rcv, err := NewFactory().CreateLogs(context.Background(), set, testConfig(map[string]any{"panicky": nil}), new(consumertest.LogsSink))
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	url := "http://" + rcv.(*webhookReceiver).listenAddr.String() + "/panicky"

	for i, body := range []string{`{"id":"1","note":"panic in verify SECRET-BODY-MARKER"}`, `{"id":"2","note":"panic in decode SECRET-BODY-MARKER"}`} {
		resp := do(t, newRequest(t, http.MethodPost, url, body))
		require.Equal(t, http.StatusInternalServerError, resp.status)
		require.Equal(t, "internal error while handling the delivery\n", resp.body)
		require.Equal(t, i+1, logged.Len())
		entry := logged.All()[i]
		fields := entry.ContextMap()
		require.Equal(t, "panicky", fields["provider"])
		require.Contains(t, fields["stack"], map[int]string{0: "panicky.Verify", 1: "panicky.Decode"}[i], "the stack shows where it panicked")
		require.NotContains(t, entry.Message+fields["panic"].(string)+fields["stack"].(string), "SECRET-BODY-MARKER")
	}
	require.Equal(t, http.StatusOK, do(t, newRequest(t, http.MethodPost, url, `{"id":"3","key":"demo/thing/x"}`)).status)
	require.Equal(t, map[string]int64{"internal_error": 2, "accepted": 1}, deliveriesByOutcome(t, tel, "panicky"))
}

// A panic in a pipeline, while the delivery holds its in-flight key and its
// lifecycle, releases both: the platform's retry is served in full.
func TestPanicInAConsumerReleasesWhatTheDeliveryHeld(t *testing.T) {
	withDemoPlatform(t)
	var panics atomic.Int32
	panics.Store(1)
	spans := new(consumertest.TracesSink)
	traces, err := consumer.NewTraces(func(ctx context.Context, td ptrace.Traces) error {
		if panics.Add(-1) >= 0 {
			panic(errors.New("exporter bug"))
		}
		return spans.ConsumeTraces(ctx, td)
	})
	require.NoError(t, err)
	set := metadatatest.NewSettings(componenttest.NewTelemetry())
	cfg := testConfig(map[string]any{"demo": nil})
	rcv, err := NewFactory().CreateTraces(context.Background(), set, cfg, traces)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	base := "http://" + rcv.(*webhookReceiver).listenAddr.String()

	span := `{"id":"1","key":"demo/thing/p","start":"2025-01-01T10:00:00Z","end":"2025-01-01T11:00:00Z"}`
	require.Equal(t, http.StatusInternalServerError, do(t, demoRequest(t, base, span)).status)
	require.Equal(t, http.StatusOK, do(t, demoRequest(t, base, span)).status, "the retry is not refused as a copy in flight, nor blocked on the lifecycle")
	require.Equal(t, 1, spans.SpanCount(), "emitted once, by the retry")
}

// panickyStorage is a storage whose Batch panics on the nth call that reads
// an entry matching prefix, once, as a storage extension with a bug would.
type panickyStorage struct {
	*storagetest.MapClient
	prefix string
	nth    int32
	calls  atomic.Int32
}

func (c *panickyStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		if op.Type == storage.Get && strings.HasPrefix(op.Key, c.prefix) {
			if c.calls.Add(1) == c.nth {
				panic("storage bug")
			}
			break
		}
	}
	return c.MapClient.Batch(ctx, ops...)
}

// A panic in the storage while the delivery goes through the gate (reading
// the dedup store, or taking its claim with dedup.claim_settle) releases
// what the gate took, its in-flight keys and its claim: the platform's retry
// is served, not refused as a copy in flight until a restart or until the
// claim expires.
func TestPanicInTheStorageReleasesTheDelivery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		settle time.Duration
		prefix string // of the entries the panicking Batch reads
		nth    int32
	}{
		{name: "dedup store", prefix: "dedup/", nth: 1},
		{name: "claim read", settle: 10 * time.Millisecond, prefix: "dedup/claim/", nth: 1},
		{name: "claim read back", settle: 10 * time.Millisecond, prefix: "dedup/claim/", nth: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := &panickyStorage{MapClient: storagetest.NewMapClient(), prefix: tc.prefix, nth: tc.nth}
			extID := component.MustNewID("panicky_storage")
			cfg := testConfig(eventsAirConfig())
			cfg.Storage = &extID
			cfg.Dedup.ClaimSettle = tc.settle
			host := extensionsHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{extID: storagetest.Extension{Client: client}}}
			r := startReceiverOn(t, cfg, host, nil, nil)

			send := func() response {
				return do(t, signedEventsAir(t, r.url+"/eventsair", "msg_storage_panic", registration))
			}
			require.Equal(t, http.StatusInternalServerError, send().status)
			resp := send()
			require.Equal(t, http.StatusOK, resp.status, "the retry is not refused: %s", resp.body)
			require.Empty(t, resp.body, "accepted, not a duplicate")
			require.Equal(t, 1, r.logs.LogRecordCount(), "emitted once, by the retry")
			require.Empty(t, client.Keys(func(key string, _ []byte) bool { return strings.HasPrefix(key, "dedup/claim/") }), "no claim left")
		})
	}
}
