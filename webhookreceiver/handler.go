package webhookreceiver

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/translate"
)

// Outcomes of a delivery, as counted in receiver_webhook_deliveries.
const (
	outcomeAccepted     = "accepted"
	outcomeDuplicate    = "duplicate"
	outcomeUnauthorized = "unauthorized"
	outcomeBadRequest   = "bad_request"
	outcomeTooLarge     = "too_large"
	outcomeRefused      = "refused"
	outcomeFailed       = "failed"
)

// retryAfter is what a refused delivery is told to wait, in seconds.
const retryAfter = "5"

// answer is how a delivery ends: the status, the outcome counted, and a
// short message for the caller that never quotes the body or a secret.
type answer struct {
	status  int
	outcome string
	message string
}

// ServeHTTP routes a request to its platform and answers it.
func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.cfg.HealthPath != "" && req.URL.Path == r.cfg.HealthPath {
		serveHealth(w, req)
		return
	}
	rt, subpath, ok := r.route(req.URL.Path)
	if !ok {
		http.Error(w, "no platform is configured at this path", http.StatusNotFound)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "deliveries are POSTed", http.StatusMethodNotAllowed)
		return
	}

	start := time.Now()
	a := r.deliver(req.Context(), rt, req, subpath)
	provider := metric.WithAttributeSet(attribute.NewSet(attribute.String("provider", rt.src.Provider)))
	r.telemetry.ReceiverWebhookDeliveries.Add(req.Context(), 1, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("outcome", a.outcome), attribute.String("provider", rt.src.Provider))))
	r.telemetry.ReceiverWebhookDeliveryDuration.Record(req.Context(), time.Since(start).Seconds(), provider)

	if a.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	if a.status != http.StatusOK {
		r.settings.Logger.Debug("Delivery rejected", zap.String("provider", rt.src.Provider),
			zap.Int("status", a.status), zap.String("reason", a.message))
		http.Error(w, a.message, a.status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, a.message+"\n")
}

func serveHealth(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "health is read with GET", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "OK\n")
}

// route finds the platform serving path: its own path, or below it for a
// platform that takes subpaths.
func (r *webhookReceiver) route(path string) (rt *route, subpath string, ok bool) {
	for i := range r.routes {
		rt := &r.routes[i]
		if path == rt.path {
			return rt, "", true
		}
		if rest, below := strings.CutPrefix(path, rt.path+"/"); below && rt.subpaths {
			return rt, rest, true
		}
	}
	return nil, "", false
}

// deliver runs one delivery through the data flow: read, verify, decode,
// dedup, translate, consume, remember.
func (r *webhookReceiver) deliver(ctx context.Context, rt *route, req *http.Request, subpath string) answer {
	body, err := readBody(req.Body, r.cfg.MaxRequestBodySize)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return answer{http.StatusRequestEntityTooLarge, outcomeTooLarge, "body larger than max_request_body_size"}
		}
		return answer{http.StatusBadRequest, outcomeBadRequest, "reading the body: " + err.Error()}
	}
	d := &provider.Delivery{Header: req.Header, URL: req.URL, Subpath: subpath, Body: body, Received: r.now()}

	if err := rt.provider.Verify(d); err != nil {
		return answer{http.StatusUnauthorized, outcomeUnauthorized, rt.src.Provider + ": " + err.Error()}
	}
	events, err := rt.provider.Decode(d)
	if err != nil {
		return answer{http.StatusBadRequest, outcomeBadRequest, rt.src.Provider + ": " + err.Error()}
	}

	if len(events) == 0 {
		return answer{http.StatusOK, outcomeAccepted, "accepted, no events"}
	}

	// Each signal remembers on its own what it accepted, so that when one
	// pipeline refuses, the platform's retry feeds only that one again.
	keys := deliveryKeys(rt.src.Provider, events)
	sendTraces, err := r.unseen(ctx, "traces", keys, r.traces != nil)
	if err != nil {
		return answer{http.StatusServiceUnavailable, outcomeRefused, "dedup store: " + err.Error()}
	}
	sendLogs, err := r.unseen(ctx, "logs", keys, r.logs != nil)
	if err != nil {
		return answer{http.StatusServiceUnavailable, outcomeRefused, "dedup store: " + err.Error()}
	}
	if !sendLogs && !sendTraces {
		return answer{http.StatusOK, outcomeDuplicate, "duplicate of an accepted delivery"}
	}

	var errs []error
	if sendTraces { // before the logs, which take the events' bodies
		errs = append(errs, r.consumeTraces(ctx, rt, events, keys))
	}
	if sendLogs {
		errs = append(errs, r.consumeLogs(ctx, rt, events, keys, d.Received))
	}
	return consumeAnswer(errors.Join(errs...))
}

// consumeTraces emits the spans the events close and, once the traces
// pipeline accepted them, moves the lifecycles on.
func (r *webhookReceiver) consumeTraces(ctx context.Context, rt *route, events []provider.Event, keys []string) error {
	spans, commit := r.lifecycle.Plan(rt.src, events)
	if n := spans.SpanCount(); n > 0 {
		ctx := r.obsTraces.StartTracesOp(ctx)
		err := r.traces.ConsumeTraces(ctx, spans)
		r.obsTraces.EndTracesOp(ctx, "json", n, err)
		if err != nil {
			return err
		}
	}
	commit()
	r.remember(ctx, "traces", keys)
	return nil
}

// consumeLogs emits one log record per event.
func (r *webhookReceiver) consumeLogs(ctx context.Context, rt *route, events []provider.Event, keys []string, received time.Time) error {
	logs := translate.Logs(rt.src, events, received)
	n := logs.LogRecordCount()
	opCtx := r.obsLogs.StartLogsOp(ctx)
	err := r.logs.ConsumeLogs(opCtx, logs)
	r.obsLogs.EndLogsOp(opCtx, "json", n, err)
	if err != nil {
		return err
	}
	r.remember(ctx, "logs", keys)
	return nil
}

// consumeAnswer tells the platform whether to retry: a permanent failure
// will fail again, anything else (memory_limiter, a full queue) may not.
func consumeAnswer(err error) answer {
	switch {
	case err == nil:
		return answer{http.StatusOK, outcomeAccepted, "accepted"}
	case consumererror.IsPermanent(err):
		return answer{http.StatusInternalServerError, outcomeFailed, "the pipeline failed permanently: " + err.Error()}
	default:
		return answer{http.StatusServiceUnavailable, outcomeRefused, "the pipeline refused the delivery, retry later: " + err.Error()}
	}
}

// deliveryKeys returns the distinct delivery keys of events, prefixed by the
// platform so that two platforms never share a key.
func deliveryKeys(providerKey string, events []provider.Event) []string {
	var keys []string
	for i := range events {
		k := providerKey + "/" + events[i].DeliveryKey
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// unseen reports whether a signal still has to emit a delivery: wanted, and
// not every key of it already remembered for that signal.
func (r *webhookReceiver) unseen(ctx context.Context, signal string, keys []string, wanted bool) (bool, error) {
	if !wanted {
		return false, nil
	}
	for _, k := range keys {
		seen, err := r.dedup.Seen(ctx, signal+"/"+k)
		if err != nil || !seen {
			return true, err
		}
	}
	return false, nil
}

// remember records keys as emitted by a signal. A failure here only means a
// retry of this delivery would be emitted again, so it is logged, not answered.
func (r *webhookReceiver) remember(ctx context.Context, signal string, keys []string) {
	for _, k := range keys {
		if err := r.dedup.Remember(ctx, signal+"/"+k); err != nil {
			r.settings.Logger.Warn("Could not remember a delivery key", zap.String("signal", signal), zap.Error(err))
		}
	}
}

// readBody reads at most limit bytes; more is a *http.MaxBytesError. The
// confighttp server bounds the body too; this keeps the handler safe alone.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = defaultMaxBodySize
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return b, nil
}
