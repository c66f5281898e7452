package webhookreceiver

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadatatest"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// Expiry under a traces pipeline that panics, then refuses for good: the
// panic is logged and the collector goes on; the refused spans are dropped,
// counted and logged, and nothing stays open to be refused again.
func TestExpiryPanicsAndPermanentRefusals(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	core, logs := observer.New(zap.InfoLevel)
	set.Logger = zap.New(core)
	var answer func() error
	traces, err := consumer.NewTraces(func(context.Context, ptrace.Traces) error { return answer() })
	require.NoError(t, err)
	f := NewFactory()
	cfg := testConfig(attendeeConfig())
	lr, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	_, err = f.CreateTraces(context.Background(), set, cfg, traces)
	require.NoError(t, err)
	r := lr.(*webhookReceiver)
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })

	t0 := time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC)
	start := []provider.Event{{Transitions: []provider.Transition{{Key: "attendee/bot/b1", Name: "attendee.bot", Start: t0}}}}
	require.NoError(t, r.lifecycle.Apply(translate.Source{Provider: "attendee"}, start, t0, func(ptrace.Traces) error { return nil }))
	r.now = func() time.Time { return t0.Add(48 * time.Hour) }

	answer = func() error { panic("an exporter's bug") }
	require.NotPanics(t, func() { r.expire() })
	require.Equal(t, 1, logs.FilterMessageSnippet("Panic while expiring lifecycles").Len())
	require.Zero(t, r.lifecycle.Open(), "closed, and handed back: tried again at the next check")

	answer = func() error { return consumererror.NewPermanent(errors.New("malformed for the backend")) }
	r.expire()
	require.Equal(t, 1, logs.FilterMessageSnippet("refused permanently").Len())
	metadatatest.AssertEqualReceiverWebhookLifecycleSpansDropped(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	answer = func() error { t.Fatal("nothing left to expire"); return nil }
	r.expire()
}

// A sweep hands its spans to the traces pipeline with a deadline, and
// Shutdown cuts that call short: a consumer that blocks (a full queue told
// to block) holds neither expiry nor shutdown for good.
func TestExpiryCallsThePipelineWithADeadline(t *testing.T) {
	blocked := make(chan struct{})
	var deadline time.Time
	traces, err := consumer.NewTraces(func(ctx context.Context, _ ptrace.Traces) error {
		deadline, _ = ctx.Deadline()
		close(blocked)
		<-ctx.Done() // blocks until shutdown, or the deadline
		return ctx.Err()
	})
	require.NoError(t, err)
	f := NewFactory()
	cfg := testConfig(attendeeConfig())
	set := metadatatest.NewSettings(componenttest.NewTelemetry())
	lr, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	_, err = f.CreateTraces(context.Background(), set, cfg, traces)
	require.NoError(t, err)
	r := lr.(*webhookReceiver)

	t0 := time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC)
	start := []provider.Event{{Transitions: []provider.Transition{{Key: "attendee/bot/b1", Name: "attendee.bot", Start: t0}}}}
	require.NoError(t, r.lifecycle.Apply(translate.Source{Provider: "attendee"}, start, t0, func(ptrace.Traces) error { return nil }))
	r.now = func() time.Time { return t0.Add(48 * time.Hour) }
	swept := make(chan struct{})
	go func() { defer close(swept); r.expire() }()
	select {
	case <-blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("the sweep never called the pipeline")
	}
	require.WithinDuration(t, time.Now().Add(expireTimeout), deadline, 5*time.Second)
	require.NoError(t, r.Shutdown(context.Background()))
	select {
	case <-swept:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not cut the sweep's call short")
	}
}
