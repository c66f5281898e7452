package webhookreceiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/connlimit"
	"github.com/eventhooks/collector/webhookreceiver/internal/decompress"
	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
	"github.com/eventhooks/collector/webhookreceiver/internal/lifecycle"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// route is an enabled platform, ready to take deliveries.
type route struct {
	path string
	// below prefixes the paths under path that the route takes ("" for
	// none): a platform at "/" takes "/{trigger}".
	below    string
	provider provider.Provider
	// verifyHeaders is the provider, when it can refuse a request before
	// its body is read.
	verifyHeaders provider.HeaderVerifier
	// challenger is the provider, when it answers endpoint checks.
	challenger provider.Challenger
	// maxBody is the largest body the route reads: the platform's limit,
	// or the server's when that is lower.
	maxBody int64
	// knownSender: a request that passed verifyHeaders is the platform's
	// (provider.Factory.KnownByHeaders).
	knownSender bool
	src         translate.Source
	// byProvider and outcomes are the route's metric attributes.
	byProvider []metric.RecordOption
	outcomes   map[string][]metric.AddOption
}

// namedRunner is a platform's own work, with the platform's key.
type namedRunner struct {
	platform string
	provider.Runner
}

// webhookReceiver is one component: one HTTP server feeding a logs and/or a
// traces pipeline.
type webhookReceiver struct {
	cfg      *Config
	settings receiver.Settings
	logs     consumer.Logs   // nil without a logs pipeline
	traces   consumer.Traces // nil without a traces pipeline

	routes     []route // longest path first
	runners    []namedRunner
	gate       deliveryGate   // a delivery's copies and repeats, by its keys
	storage    storage.Client // nil without a storage extension
	rejections rejections
	health     health
	budget     bodyBudget
	decoders   map[string]decompress.Decoder      // by Content-Encoding, as compression_algorithms enables
	conns      atomic.Pointer[connlimit.Listener] // once started
	lifecycle  *lifecycle.Tracker
	obsLogs    *receiverhelper.ObsReport
	obsTraces  *receiverhelper.ObsReport
	telemetry  *metadata.TelemetryBuilder
	now        func() time.Time

	startOnce, stopOnce sync.Once
	startErr            error
	server              *http.Server
	listenAddr          net.Addr // where the server listens, once started
	done                chan struct{}
	stopRunners         context.CancelFunc
	wg                  sync.WaitGroup
	release             func()
}

func newReceiver(cfg *Config, set receiver.Settings, release func()) (*webhookReceiver, error) {
	platforms, err := cfg.platforms()
	if err != nil {
		return nil, err
	}
	r := &webhookReceiver{
		cfg:       cfg,
		settings:  set,
		gate:      deliveryGate{store: dedup.NewMemory(cfg.Dedup.Window, cfg.Dedup.MaxKeys, nil), logger: set.Logger},
		lifecycle: lifecycle.NewTracker(cfg.Lifecycle.Timeout, cfg.Lifecycle.Grace, cfg.Lifecycle.MaxOpen),
		budget:    bodyBudget{limit: cfg.MaxBodyBytesInFlight},
		decoders:  map[string]decompress.Decoder{},
		now:       time.Now,
		done:      make(chan struct{}),
		release:   release,
	}
	for _, enc := range cfg.CompressionAlgorithms {
		if dec, ok := decompress.Lookup(enc); ok {
			r.decoders[enc] = dec
		}
	}
	for _, p := range platforms {
		prov, err := p.factory.New(p.config, provider.Settings{Logger: set.Logger.With(zap.String("provider", p.factory.Key))})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.factory.Key, err)
		}
		common := provider.CommonOf(p.config)
		service := common.ServiceName
		if service == "" {
			service = p.factory.Key
		}
		if runner, ok := prov.(provider.Runner); ok {
			r.runners = append(r.runners, namedRunner{p.factory.Key, runner})
		}
		namespace := p.factory.Key
		if namer, ok := prov.(provider.Namer); ok {
			namespace = namer.Namespace()
		}
		byProvider, outcomes := metricOptions(p.factory.Key)
		below := ""
		if p.factory.Subpaths {
			below = strings.TrimSuffix(common.Path, "/") + "/"
		}
		verifyHeaders, _ := prov.(provider.HeaderVerifier)
		challenger, _ := prov.(provider.Challenger)
		r.routes = append(r.routes, route{
			path:          common.Path,
			below:         below,
			provider:      prov,
			verifyHeaders: verifyHeaders,
			challenger:    challenger,
			maxBody:       common.BodyLimit(cfg.serverBodyLimit()),
			knownSender:   p.factory.KnownByHeaders,
			byProvider:    byProvider,
			outcomes:      outcomes,
			src: translate.Source{
				Provider:     p.factory.Key,
				Namespace:    namespace,
				ServiceName:  service,
				ScopeName:    metadata.ScopeName,
				ScopeVersion: set.BuildInfo.Version,
			},
		})
	}
	sort.SliceStable(r.routes, func(i, j int) bool { return len(r.routes[i].path) > len(r.routes[j].path) })

	for _, obs := range []struct {
		dst       **receiverhelper.ObsReport
		transport string
	}{{&r.obsLogs, "http"}, {&r.obsTraces, "http"}} {
		*obs.dst, err = receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
			ReceiverID: set.ID, Transport: obs.transport, ReceiverCreateSettings: set,
		})
		if err != nil {
			return nil, err
		}
	}
	r.telemetry, err = metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	err = r.telemetry.RegisterReceiverWebhookOpenLifecyclesCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(int64(r.lifecycle.Open()))
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = r.telemetry.RegisterReceiverWebhookConnectionsCallback(func(_ context.Context, o metric.Int64Observer) error {
		if conns := r.conns.Load(); conns != nil {
			o.Observe(conns.Open())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = r.telemetry.RegisterReceiverWebhookBodyBytesInFlightCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(r.budget.used.Load())
		return nil
	})
	return r, err
}

// Start starts the HTTP server; the second call, from the other pipeline of
// the same component, does nothing.
func (r *webhookReceiver) Start(ctx context.Context, host component.Host) error {
	r.startOnce.Do(func() { r.startErr = r.start(ctx, host) })
	return r.startErr
}

func (r *webhookReceiver) start(ctx context.Context, host component.Host) error {
	r.health.start(host)
	if r.cfg.Storage != nil {
		if err := r.openStorage(ctx, host); err != nil {
			return err
		}
	} else if r.cfg.Dedup.ClaimSettle > 0 {
		r.settings.Logger.Warn("dedup.claim_settle has no effect without storage: copies on one collector are told apart in memory")
	}
	// ToServer fills defaults into the server config: work on a copy, so the
	// user's configuration stays as it was loaded. Bodies reach the handler
	// as they were sent: it decodes them itself (openBody), after the
	// headers are checked and the decoder's memory is reserved.
	serverCfg := r.cfg.ServerConfig
	serverCfg.CompressionAlgorithms = []string{}
	ln, err := serverCfg.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", serverCfg.NetAddr.Endpoint, err)
	}
	r.server, err = serverCfg.ToServer(ctx, host.GetExtensions(), r.settings.TelemetrySettings, r)
	if err != nil {
		ln.Close()
		return err
	}
	// Over TLS, a refused connection is only closed: plain text means
	// nothing to it.
	conns := connlimit.New(ln, r.cfg.MaxConnections, !r.cfg.TLS.HasValue(), r.connectionRefused)
	r.conns.Store(conns)
	r.server.ConnState = chainConnState(r.server.ConnState, conns.ConnState)
	ln = conns
	r.listenAddr = ln.Addr()
	r.settings.Logger.Info("Webhook receiver listening", zap.String("endpoint", ln.Addr().String()))
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	// Providers' own work (Airmeet's registrations) runs beside the server
	// and never stops it: its failures are reported, not returned.
	var runCtx context.Context
	runCtx, r.stopRunners = context.WithCancel(context.Background())
	for _, runner := range r.runners {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			runner.Run(runCtx, func(err error) { r.health.set(runner.platform, err) })
		}()
	}
	// Lifecycles closed are emitted once their grace is over; those that
	// stayed open past the timeout are closed.
	r.repeat(r.cfg.Lifecycle.checkEvery(), func() { r.expire() })
	return nil
}

// chainConnState calls both hooks, the server's own first.
func chainConnState(first, then func(net.Conn, http.ConnState)) func(net.Conn, http.ConnState) {
	if first == nil {
		return then
	}
	return func(c net.Conn, s http.ConnState) { first(c, s); then(c, s) }
}

// connectionRefused is told of a connection past max_connections.
func (r *webhookReceiver) connectionRefused() {
	r.telemetry.ReceiverWebhookConnectionsRefused.Add(context.Background(), 1)
	r.settings.Logger.Debug("Connection refused: max_connections are open", zap.Int("max_connections", r.cfg.MaxConnections))
}

// openStorage moves the dedup keys and the open lifecycles into the
// configured storage extension.
func (r *webhookReceiver) openStorage(ctx context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[*r.cfg.Storage]
	if !ok {
		return fmt.Errorf("storage: no extension %q is configured", r.cfg.Storage.String())
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("storage: extension %q is not a storage extension", r.cfg.Storage.String())
	}
	client, err := se.GetClient(ctx, component.KindReceiver, r.settings.ID, "")
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	r.storage = client
	if err := r.lifecycle.UseStorage(ctx, client, r.settings.Logger); err != nil {
		return fmt.Errorf("storage: loading open lifecycles: %w", err)
	}
	store := dedup.NewStorage(client, r.cfg.Dedup.Window, r.now)
	r.gate.store, r.gate.durable = store, true
	if r.cfg.Dedup.ClaimSettle > 0 {
		r.gate.claims = dedup.NewClaims(store, r.cfg.Dedup.ClaimSettle)
	}
	if walker, ok := client.(storage.Walker); ok {
		every := max(min(r.cfg.Dedup.Window/16, 10*time.Minute), time.Second)
		r.repeat(every, func() { r.prune(walker, store) })
	}
	return nil
}

// expireTimeout bounds a sweep's calls to the traces pipeline: well within
// the lease under which a sweep hands spans over (internal/lifecycle).
const expireTimeout = 30 * time.Second

// repeat runs do every interval, in a goroutine of its own, until Shutdown.
func (r *webhookReceiver) repeat(every time.Duration, do func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-r.done:
				return
			case <-t.C:
				do()
			}
		}
	}()
}

// prune deletes, in one walk of the storage, the entries that no one will
// read again: delivery keys past the dedup window and records of spans
// closed longer ago than the lifecycle timeout. It runs on a ticker of its
// own, not under the lifecycle locks; the walker applies the deletes in the
// transaction it reads in (file_storage does: deliveries wait for the walk,
// and nothing written meanwhile is deleted). A storage that cannot walk its
// entries (redis_storage) expires them itself.
func (r *webhookReceiver) prune(walker storage.Walker, dedupStore *dedup.Storage) {
	now := r.now()
	deleted := 0
	err := walker.Walk(context.Background(), func(key string, value []byte) ([]*storage.Operation, error) {
		if dedupStore.Stale(key, value, now) || r.lifecycle.Stale(key, value, now) {
			deleted++
			return []*storage.Operation{storage.DeleteOperation(key)}, nil
		}
		return nil, nil
	})
	switch {
	case err != nil:
		r.settings.Logger.Warn("Could not prune the storage", zap.Error(err))
	case deleted > 0:
		r.settings.Logger.Debug("Pruned the storage", zap.Int("entries", deleted))
	}
}

// Shutdown stops the server, letting deliveries in flight finish within ctx.
func (r *webhookReceiver) Shutdown(ctx context.Context) error {
	var err error
	r.stopOnce.Do(func() {
		r.release()
		close(r.done)
		if r.server != nil {
			err = r.server.Shutdown(ctx)
		}
		if r.stopRunners != nil {
			r.stopRunners()
		}
		done := make(chan struct{})
		go func() { r.wg.Wait(); close(done) }()
		select {
		case <-done:
			if r.storage != nil {
				err = errors.Join(err, r.storage.Close(ctx))
			}
		case <-ctx.Done():
			// Work still running may use the storage: it is left open.
			err = errors.Join(err, fmt.Errorf("shutdown: %w", ctx.Err()))
		}
		r.telemetry.Shutdown()
	})
	return err
}

// expire runs the check: it closes what stayed open past the timeout and
// emits what waited out its grace. What the traces pipeline refuses for now
// stays closed and is tried again on the next tick; what it refuses
// for good is dropped, counted and logged, and the sweep goes on. A panic
// (a bug, in a consumer or a storage extension) is logged, and the next
// tick tries again: the collector goes on.
func (r *webhookReceiver) expire() {
	// The pipeline's call is bounded: a consumer that blocks (a full queue
	// told to block) must not stall expiry for good; shutdown cuts it short.
	ctx, cancel := context.WithTimeout(context.Background(), expireTimeout)
	defer cancel()
	go func() {
		select {
		case <-r.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			r.settings.Logger.Error("Panic while expiring lifecycles; trying again at the next check",
				zap.String("panic", fmt.Sprint(p)), zap.StackSkip("stack", 1))
		}
	}()
	n := 0
	var refused error
	dropped, err := r.lifecycle.Expire(r.now(), func(spans ptrace.Traces) error {
		if r.traces == nil {
			return nil // no pipeline to feed: forgotten at once
		}
		n = spans.SpanCount()
		err := r.consumeSpans(ctx, "lifecycle", spans)
		if consumererror.IsPermanent(err) {
			refused = err
		}
		return err
	})
	if dropped > 0 {
		r.telemetry.ReceiverWebhookLifecycleSpansDropped.Add(context.Background(), int64(dropped))
		r.settings.Logger.Error("Expired lifecycles refused permanently by the traces pipeline; dropped",
			zap.Int("spans", dropped), zap.Error(refused))
	}
	if err != nil {
		r.settings.Logger.Warn("Expired lifecycles not accepted; retrying later", zap.Int("spans", n), zap.Error(err))
	}
}
