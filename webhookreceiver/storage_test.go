package webhookreceiver

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
	"github.com/eventhooks/collector/webhookreceiver/internal/lifecycle"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// extensionsHost offers extensions to the receiver, as the collector does.
type extensionsHost struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h extensionsHost) GetExtensions() map[component.ID]component.Component { return h.extensions }

// startFileStorage starts the contrib file_storage extension over dir.
func startFileStorage(t *testing.T, dir string) (component.ID, extension.Extension) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	return component.NewID(f.Type()), ext
}

// With storage: file_storage, a platform's retry after a restart is still
// recognised: it is answered as a duplicate and not emitted again.
func TestDedupSurvivesRestartWithFileStorage(t *testing.T) {
	dir := t.TempDir()
	run := func(id string) (status int, body string, emitted int) {
		extID, ext := startFileStorage(t, dir)
		cfg := testConfig(eventsAirConfig())
		cfg.Storage = &extID
		sink := new(consumertest.LogsSink)
		set := receivertest.NewNopSettings(metadata.Type)
		set.ID = component.NewID(metadata.Type) // the same receiver after the restart
		rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
		require.NoError(t, err)
		host := extensionsHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{extID: ext}}
		require.NoError(t, rcv.Start(context.Background(), host))
		resp := do(t, signedEventsAir(t, "http://"+rcv.(*webhookReceiver).listenAddr.String()+"/eventsair", id, registration))
		require.NoError(t, rcv.Shutdown(context.Background()))
		require.NoError(t, ext.Shutdown(context.Background()))
		return resp.status, resp.body, sink.LogRecordCount()
	}
	status, _, emitted := run("msg_before_restart")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 1, emitted)

	status, body, emitted := run("msg_before_restart") // the retry, after a restart
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "duplicate")
	require.Zero(t, emitted)

	status, _, emitted = run("msg_new")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 1, emitted)
}

func TestStorageMustBeAStorageExtension(t *testing.T) {
	cfg := testConfig(eventsAirConfig())
	missing := component.MustNewID("file_storage")
	cfg.Storage = &missing
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.ErrorContains(t, rcv.Start(context.Background(), componenttest.NewNopHost()), `no extension "file_storage"`)
	require.NoError(t, rcv.Shutdown(context.Background()))

	notStorage := component.MustNewID("health_check")
	cfg = testConfig(eventsAirConfig())
	cfg.Storage = &notStorage
	rcv, err = NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	host := extensionsHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{
		notStorage: struct {
			component.StartFunc
			component.ShutdownFunc
		}{},
	}}
	require.ErrorContains(t, rcv.Start(context.Background(), host), "is not a storage extension")
	require.NoError(t, rcv.Shutdown(context.Background()))
}

// The receiver prunes the storage in one walk: delivery keys past the dedup
// window go, and so do the records that releases before kept beside the
// lifecycles' groups; fresh keys and groups stay (their tombstones go by
// expiry).
func TestPruneDeletesWhatWentStale(t *testing.T) {
	ctx := context.Background()
	client := storagetest.NewMapClient()
	cfg := testConfig(eventsAirConfig())
	cfg.Dedup.Window, cfg.Lifecycle.Timeout = time.Hour, 90*time.Minute
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), func() {})
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	require.NoError(t, r.lifecycle.UseStorage(ctx, client, zap.NewNop()))
	store := dedup.NewStorage(client, cfg.Dedup.Window, r.now)
	src := r.routes[0].src
	plan := func(tr provider.Transition) {
		accept := func(ptrace.Traces) error { return nil }
		require.NoError(t, r.lifecycle.Apply(src, []provider.Event{{Type: "t", Transitions: []provider.Transition{tr}}}, now, accept))
	}

	require.NoError(t, store.Remember(ctx, "eventsair/old", dedup.Logs))
	require.NoError(t, client.Set(ctx, "lifecycle/closed/earlier", []byte(now.Format(time.RFC3339Nano))))
	plan(provider.Transition{Key: "open", Name: "call", Start: now})
	require.Equal(t, 3, client.Len(), "a dedup entry, a record of the release before, a group")

	now = now.Add(time.Hour) // the key's window is over
	require.NoError(t, store.Remember(ctx, "eventsair/fresh", dedup.Logs))
	r.prune(client, store)
	require.Equal(t, 2, client.Len(), "the group and the fresh key")
	seen, err := store.Seen(ctx, "eventsair/fresh")
	require.NoError(t, err)
	require.Equal(t, dedup.Logs, seen)
	next := lifecycle.NewTracker(cfg.Lifecycle.Timeout, cfg.Lifecycle.Grace, cfg.Lifecycle.MaxOpen)
	require.NoError(t, next.UseStorage(ctx, client, zap.NewNop()))
	require.Equal(t, 1, next.Open(), "the open lifecycle is loaded by the next process")
}
