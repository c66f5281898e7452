package translate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

var src = Source{Provider: "demo", ServiceName: "svc", ScopeName: "scope", ScopeVersion: "1.2.3"}

func TestLogsZeroEvent(t *testing.T) {
	observed := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	ld := Logs(src, []provider.Event{{Type: "ping", DeliveryKey: "k"}}, observed)
	rl := ld.ResourceLogs().At(0)
	require.Equal(t, map[string]any{"service.name": "svc", "webhook.provider": "demo"}, rl.Resource().Attributes().AsRaw())
	require.Equal(t, "scope", rl.ScopeLogs().At(0).Scope().Name())
	require.Equal(t, "1.2.3", rl.ScopeLogs().At(0).Scope().Version())
	lr := rl.ScopeLogs().At(0).LogRecords().At(0)
	require.Equal(t, "demo.ping", lr.EventName())
	require.Zero(t, lr.Timestamp(), "no event time, no Timestamp")
	require.Equal(t, observed, lr.ObservedTimestamp().AsTime())
	require.Equal(t, plog.SeverityNumberInfo, lr.SeverityNumber(), "unset severity is INFO")
	require.Equal(t, map[string]any{"webhook.event_type": "ping", "webhook.delivery_id": "k"}, lr.Attributes().AsRaw())
	require.True(t, lr.TraceID().IsEmpty())
}

func TestLogsSeverityText(t *testing.T) {
	for sev, text := range map[plog.SeverityNumber]string{
		plog.SeverityNumberTrace: "TRACE", plog.SeverityNumberDebug2: "DEBUG", plog.SeverityNumberInfo: "INFO",
		plog.SeverityNumberWarn: "WARN", plog.SeverityNumberError3: "ERROR", plog.SeverityNumberFatal: "FATAL",
	} {
		ld := Logs(src, []provider.Event{{Type: "x", Severity: sev}}, time.Now())
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		require.Equal(t, sev, lr.SeverityNumber())
		require.Equal(t, text, lr.SeverityText())
	}
}

func TestLogsOfALifecycleCarryItsRootIDs(t *testing.T) {
	root := "demo/thing/1"
	ld := Logs(src, []provider.Event{{Type: "x", Trace: root}}, time.Now())
	lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	traceID, spanID := traceids.Root(root)
	require.Equal(t, traceID, lr.TraceID())
	require.Equal(t, spanID, lr.SpanID())
}

func TestLogsEventNameOverride(t *testing.T) {
	ld := Logs(src, []provider.Event{{Type: "trigger.thing.done", Name: "thing.done"}}, time.Now())
	lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	require.Equal(t, "demo.thing.done", lr.EventName())
	require.Equal(t, "trigger.thing.done", lr.Attributes().AsRaw()["webhook.event_type"])
}

func TestLogsNamespace(t *testing.T) {
	named := src
	named.Namespace = "recall"
	ld := Logs(named, []provider.Event{{Type: "bot.done"}}, time.Now())
	rl := ld.ResourceLogs().At(0)
	require.Equal(t, "recall.bot.done", rl.ScopeLogs().At(0).LogRecords().At(0).EventName())
	require.Equal(t, "demo", rl.Resource().Attributes().AsRaw()["webhook.provider"], "the provider stays the platform's key")
}
