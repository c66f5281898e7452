package webhookreceiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
	"github.com/eventhooks/collector/webhookreceiver/internal/lifecycle"
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
	outcomeOverBudget   = "over_budget" // max_body_bytes_in_flight reached: 503
	outcomeTooSlow      = "too_slow"    // the body stopped arriving: 408
	outcomeTooOld       = "too_old"     // an event older than the platform's max_event_age: 400
	outcomeChallenge    = "challenge"   // an endpoint check answered (provider.Challenger): 200
	outcomeRefused      = "refused"
	outcomeFailed       = "failed"
	outcomePanic        = "internal_error" // a panic, recovered: 500
)

var outcomes = []string{outcomeAccepted, outcomeDuplicate, outcomeUnauthorized, outcomeBadRequest, outcomeTooLarge, outcomeOverBudget, outcomeTooSlow, outcomeTooOld, outcomeChallenge, outcomeRefused, outcomeFailed, outcomePanic}

// metricOptions are the attribute sets a route records its deliveries with,
// made once, and as the option slices the instruments take: building the
// sets per request would cost more than the rest of the telemetry, and a
// slice made at the call escapes through the instrument's interface.
func metricOptions(providerKey string) (byProvider []metric.RecordOption, byOutcome map[string][]metric.AddOption) {
	byOutcome = make(map[string][]metric.AddOption, len(outcomes))
	for _, o := range outcomes {
		byOutcome[o] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", o), attribute.String("provider", providerKey)))}
	}
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("provider", providerKey)))}, byOutcome
}

// retryAfter is what a refused delivery is told to wait, in seconds.
const retryAfter = "5"

// answer is how a delivery ends: the status, the outcome counted, and a
// short message for the caller that never quotes the body or a secret
// (none for an accepted delivery).
type answer struct {
	status  int
	outcome string
	message string
	// unread: the body was not read to its end; the connection is closed
	// instead, so that its sender cannot go on streaming into it.
	unread bool
	// reply is the body of a 200 that answers a platform's endpoint check.
	reply *provider.Reply
	// detail is why, for the collector's log only: a pipeline's or a
	// storage's error may name internal hosts the sender has no business
	// knowing.
	detail error
}

// ServeHTTP routes a request to its platform and answers it.
func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.cfg.HealthPath != "" && req.URL.Path == r.cfg.HealthPath {
		serveHealth(w, req)
		return
	}
	rt, subpath, ok := r.route(req.URL.Path)
	if !ok {
		refuse(w, req, http.StatusNotFound, "no platform is configured at this path", nil)
		return
	}
	if req.Method != http.MethodPost {
		refuse(w, req, http.StatusMethodNotAllowed, "deliveries are POSTed", http.Header{"Allow": {http.MethodPost}})
		return
	}

	start := time.Now()
	a := r.deliverRecovered(req.Context(), rt, w, req, subpath)
	r.telemetry.ReceiverWebhookDeliveries.Add(req.Context(), 1, rt.outcomes[a.outcome]...)
	r.telemetry.ReceiverWebhookDeliveryDuration.Record(req.Context(), time.Since(start).Seconds(), rt.byProvider...)

	if a.status != http.StatusOK {
		r.rejections.log(r.settings.Logger, start, rt.src.Provider, a)
		var header http.Header
		if a.status == http.StatusServiceUnavailable {
			header = http.Header{"Retry-After": {retryAfter}}
		}
		if a.unread {
			hangUp(w, a.status, a.message, header)
			return
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		http.Error(w, a.message, a.status)
		return
	}
	if a.reply != nil {
		w.Header().Set("Content-Type", a.reply.ContentType)
		_, _ = w.Write(a.reply.Body)
		return
	}
	if a.message == "" {
		// The ordinary success has nothing to say. An empty answer also
		// lets a sender reuse its connection without reading a body: with
		// Go's client, a 9-byte "accepted" cost ~8 % of the throughput.
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header()["Content-Type"] = textPlain
	_, _ = io.WriteString(w, a.message)
	_, _ = io.WriteString(w, "\n")
}

// refuse answers a request the receiver does not serve (a path, a method)
// without reading its body; one that has a body is hung up on, so that no
// one can hold a connection by sending a body slowly to a wrong path.
func refuse(w http.ResponseWriter, req *http.Request, status int, message string, header http.Header) {
	if req.ContentLength != 0 {
		hangUp(w, status, message, header)
		return
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	http.Error(w, message, status)
}

// textPlain is the Content-Type of every answer with a message, shared:
// net/http only reads it.
var textPlain = []string{"text/plain; charset=utf-8"}

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
		if rt.below == "" {
			continue
		}
		if rest, below := strings.CutPrefix(path, rt.below); below {
			return rt, rest, true
		}
	}
	return nil, "", false
}

// deliverRecovered is deliver, with a panic anywhere in it (a platform's
// Verify or Decode, a consumer) answered 500 and logged with its stack,
// rather than dropping the connection: the platform then retries as it does
// after any 5xx. Every lock, in-flight key and pooled buffer deliver holds is
// released by its defers on the way.
func (r *webhookReceiver) deliverRecovered(ctx context.Context, rt *route, w http.ResponseWriter, req *http.Request, subpath string) (a answer) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		// The panic's value is written by code, not by the sender; it is
		// cut short all the same, and the body is never logged.
		msg := fmt.Sprint(p)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		r.settings.Logger.Error("Panic while handling a delivery", zap.String("provider", rt.src.Provider),
			zap.String("panic", msg), zap.StackSkip("stack", 1))
		a = answer{status: http.StatusInternalServerError, outcome: outcomePanic, message: "internal error while handling the delivery", unread: true}
	}()
	return r.deliver(ctx, rt, w, req, subpath)
}

// deliver runs one delivery through the data flow: read, verify, decode,
// dedup, translate, consume, remember.
func (r *webhookReceiver) deliver(ctx context.Context, rt *route, w http.ResponseWriter, req *http.Request, subpath string) answer {
	pd := deliveries.Get().(*pooledDelivery)
	defer func() {
		pd.delivery = provider.Delivery{}
		if cap(pd.body) <= maxPooledBody { // a rare large body is not kept
			deliveries.Put(pd)
		}
	}()
	d := &pd.delivery
	*d = provider.Delivery{Header: req.Header, URL: req.URL, Subpath: subpath, Received: r.now()}

	// What can be checked before the body is, so that a stranger's upload
	// costs no memory: the connection is closed rather than read to its end.
	if rt.verifyHeaders != nil {
		if err := rt.verifyHeaders.VerifyHeaders(d); err != nil {
			return answer{status: http.StatusUnauthorized, outcome: outcomeUnauthorized, message: rt.src.Provider + ": " + err.Error(), unread: true}
		}
	}
	res := reservation{budget: &r.budget, unverified: !rt.knownSender}
	defer res.release()
	p := pace{conn: deadlinerOf(w), start: time.Now(), grace: r.cfg.BodyTimeout, rate: r.cfg.MinBodyRate}
	p.arrived(0)
	body, length, a, closeBody := r.openBody(rt, req, &res)
	if closeBody != nil {
		defer closeBody()
	}
	if a.status != 0 {
		return a
	}
	buf, err := readBody(body, length, rt.maxBody, pd.body[:0], &res, &p)
	pd.body = buf[:0]
	if err != nil {
		return bodyAnswer(rt, err)
	}
	p.done()
	d.Body = buf

	if err := rt.provider.Verify(d); err != nil {
		return answer{status: http.StatusUnauthorized, outcome: outcomeUnauthorized, message: rt.src.Provider + ": " + err.Error()}
	}
	res.verified()
	if rt.challenger != nil {
		if reply, ok, err := rt.challenger.Challenge(d); ok {
			if err != nil {
				return answer{status: http.StatusBadRequest, outcome: outcomeBadRequest, message: rt.src.Provider + ": " + err.Error()}
			}
			return answer{status: http.StatusOK, outcome: outcomeChallenge, reply: &reply}
		}
	}
	events, err := rt.provider.Decode(d)
	switch {
	case errors.Is(err, provider.ErrTooOld):
		return answer{status: http.StatusBadRequest, outcome: outcomeTooOld, message: rt.src.Provider + ": " + err.Error()}
	case err != nil:
		return answer{status: http.StatusBadRequest, outcome: outcomeBadRequest, message: rt.src.Provider + ": " + err.Error()}
	}

	if len(events) == 0 {
		return answer{status: http.StatusOK, outcome: outcomeAccepted}
	}

	// A copy of this delivery still being handled, here or on another
	// replica, is refused for now: answering it from the dedup store before
	// the first copy is through would emit it twice. Each signal remembers
	// on its own what it accepted, so that when one pipeline refuses, the
	// platform's retry feeds only that one again.
	want := r.wanted()
	keys := deliveryKeys(rt.src.Provider, events)
	pass, emitted, a, storeErr := r.gate.enter(ctx, keys, want)
	defer pass.leave(ctx, keys)
	if storeErr != nil {
		r.health.set(sourceStorage, storeErr)
	}
	if a.status != 0 {
		return a
	}
	send := want &^ emitted
	if send == 0 {
		return answer{status: http.StatusOK, outcome: outcomeDuplicate, message: "duplicate of an accepted delivery"}
	}

	// What a pipeline took is remembered before the next one is fed, so that
	// a retry (after a refusal, or a crash in between) feeds only the
	// pipelines that did not take it. Deliveries that move no lifecycle give
	// the traces pipeline nothing: that is remembered with the logs, at once.
	var tracesErr, logsErr error
	var took dedup.Signals
	if send&dedup.Traces != 0 { // before the logs, which take the events' bodies
		var hasTransitions bool
		hasTransitions, tracesErr = r.consumeTraces(ctx, rt, events, d.Received)
		switch {
		case tracesErr != nil:
		case hasTransitions:
			r.gate.remember(ctx, keys, dedup.Traces)
		default:
			took |= dedup.Traces
		}
	}
	if send&dedup.Logs != 0 {
		if logsErr = r.consumeLogs(ctx, rt, events, d.Received); logsErr == nil {
			took |= dedup.Logs
		}
	}
	r.gate.remember(ctx, keys, took)
	r.noteHealth(tracesErr, logsErr)
	return consumeAnswer(tracesErr, logsErr)
}

// noteHealth tells the receiver's status how the storage and the pipelines
// answered a delivery: a failing one makes it a recoverable error until a
// delivery goes through again.
func (r *webhookReceiver) noteHealth(tracesErr, logsErr error) {
	var storageErr, pipelineErr error
	if errors.Is(tracesErr, lifecycle.ErrStorage) {
		storageErr = tracesErr
	} else if tracesErr != nil {
		pipelineErr = tracesErr
	}
	if logsErr != nil {
		pipelineErr = logsErr
	}
	if r.storage != nil {
		r.health.set(sourceStorage, storageErr)
	}
	r.health.set(sourcePipelines, pipelineErr)
}

// consumeTraces moves the lifecycles on by the events, received at
// received, and emits the spans whose grace is over (with no grace, those
// the events close); a storage keeps the move only once the traces pipeline
// accepted them (memory keeps it, the spans waiting for the next check).
// hasTransitions is false when the events have no lifecycle to move:
// nothing was emitted.
func (r *webhookReceiver) consumeTraces(ctx context.Context, rt *route, events []provider.Event, received time.Time) (hasTransitions bool, err error) {
	if !slices.ContainsFunc(events, func(ev provider.Event) bool { return len(ev.Transitions) > 0 }) {
		return false, nil // most events move no lifecycle
	}
	return true, r.lifecycle.Apply(rt.src, events, received, func(spans ptrace.Traces) error {
		return r.consumeSpans(ctx, "json", spans)
	})
}

// consumeSpans feeds spans to the traces pipeline, counted in the
// receiver's telemetry under format.
func (r *webhookReceiver) consumeSpans(ctx context.Context, format string, spans ptrace.Traces) error {
	n := spans.SpanCount()
	ctx = r.obsTraces.StartTracesOp(ctx)
	err := r.traces.ConsumeTraces(ctx, spans)
	r.obsTraces.EndTracesOp(ctx, format, n, err)
	return err
}

// consumeLogs emits one log record per event.
func (r *webhookReceiver) consumeLogs(ctx context.Context, rt *route, events []provider.Event, received time.Time) error {
	logs := translate.Logs(rt.src, events, received)
	n := logs.LogRecordCount()
	opCtx := r.obsLogs.StartLogsOp(ctx)
	err := r.logs.ConsumeLogs(opCtx, logs)
	r.obsLogs.EndLogsOp(opCtx, "json", n, err)
	return err
}

// consumeAnswer tells the platform whether to retry: a permanent failure
// will fail again, anything else (memory_limiter, a full queue) may not. When
// one pipeline failed for good and another may take the delivery on a retry,
// the platform is asked to retry: the one that failed for good is not fed
// again if it had accepted, and nothing is lost that a retry can save.
func consumeAnswer(errs ...error) answer {
	var retryable, permanent []error
	for _, err := range errs {
		switch {
		case err == nil:
		case consumererror.IsPermanent(err):
			permanent = append(permanent, err)
		default:
			retryable = append(retryable, err)
		}
	}
	switch {
	case len(retryable) > 0:
		message := "the pipeline refused the delivery, retry later"
		if slices.ContainsFunc(retryable, func(err error) bool { return errors.Is(err, lifecycle.ErrStorage) }) {
			message = "the lifecycles' storage could not be read or written, retry later"
		}
		return answer{status: http.StatusServiceUnavailable, outcome: outcomeRefused, message: message, detail: errors.Join(retryable...)}
	case len(permanent) > 0:
		return answer{status: http.StatusInternalServerError, outcome: outcomeFailed, message: "the pipeline failed permanently", detail: errors.Join(permanent...)}
	}
	return answer{status: http.StatusOK, outcome: outcomeAccepted}
}

// deliveryKeys returns the distinct delivery keys of events, prefixed by
// the platform so that two platforms never share a key.
func deliveryKeys(providerKey string, events []provider.Event) []string {
	keys := make([]string, 0, 1)
	for i := range events {
		k := providerKey + "/" + events[i].DeliveryKey
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// wanted returns the signals the receiver has pipelines for.
func (r *webhookReceiver) wanted() dedup.Signals {
	var s dedup.Signals
	if r.logs != nil {
		s |= dedup.Logs
	}
	if r.traces != nil {
		s |= dedup.Traces
	}
	return s
}
