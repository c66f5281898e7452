package webhookreceiver

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// health tells the collector how the receiver is (component status, which
// the healthcheckv2 extension serves as readiness): a recoverable error
// while any of its dependencies fails (the storage, the pipelines, a
// platform's own work such as Airmeet's registrations), OK once all are
// well again. health_path, by contrast, is liveness: the server answers.
// Only changes are reported; the usual delivery, all well, takes no lock.
type health struct {
	failing atomic.Int32 // how many sources fail now
	mu      sync.Mutex   // guards the rest
	host    component.Host
	errs    map[string]error // by source; only failing ones
}

// Sources of the receiver's status.
const (
	sourceStorage   = "storage"
	sourcePipelines = "pipelines"
)

// start reports to host from now on.
func (h *health) start(host component.Host) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.host = host
}

// set records how source is: nil for well.
func (h *health) set(source string, err error) {
	if err == nil && h.failing.Load() == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, was := h.errs[source]
	switch {
	case err != nil && was:
		h.errs[source] = err // still failing: nothing new to report
		return
	case err != nil:
		if h.errs == nil {
			h.errs = map[string]error{}
		}
		h.errs[source] = err
	case !was:
		return
	default:
		delete(h.errs, source)
	}
	h.failing.Store(int32(len(h.errs)))
	if h.host == nil {
		return
	}
	if len(h.errs) == 0 {
		componentstatus.ReportStatus(h.host, componentstatus.NewEvent(componentstatus.StatusOK))
		return
	}
	sources := make([]string, 0, len(h.errs))
	for s := range h.errs {
		sources = append(sources, s)
	}
	slices.Sort(sources)
	var all []error
	for _, s := range sources {
		all = append(all, errors.New(s+": "+h.errs[s].Error()))
	}
	componentstatus.ReportStatus(h.host, componentstatus.NewRecoverableErrorEvent(errors.Join(all...)))
}
