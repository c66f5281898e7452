package webhookreceiver

import (
	"context"
	"net/http"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
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
