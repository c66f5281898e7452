package webhookreceiver

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// rejectionEvery is how often a platform's rejections of one status are
// written to the log at the default level: a storm of 401s after a secret
// rotation shows at once, and a flood of hostile requests costs one line
// per platform and status every so often, not one each.
const rejectionEvery = 10 * time.Second

// rejections writes rejected deliveries to the log: each at debug level,
// and at warn level the first of each platform and status, then one every
// rejectionEvery with how many there were meanwhile. Never a body or a
// secret: the reason is the answer's message, which quotes neither.
type rejections struct {
	mu   sync.Mutex // guards last
	last map[rejectionKey]*rejectionCount
}

type rejectionKey struct {
	provider string
	status   int
}

type rejectionCount struct {
	at      time.Time // when one was last written at warn level
	skipped int       // rejections since, not written at warn level
}

func (r *rejections) log(logger *zap.Logger, now time.Time, provider string, a answer) {
	fields := []zap.Field{zap.String("provider", provider), zap.Int("status", a.status), zap.String("reason", a.message)}
	if a.detail != nil {
		fields = append(fields, zap.NamedError("detail", a.detail))
	}
	logger.Debug("Delivery rejected", fields...)

	r.mu.Lock()
	if r.last == nil {
		r.last = map[rejectionKey]*rejectionCount{}
	}
	k := rejectionKey{provider, a.status}
	c := r.last[k]
	if c != nil && now.Sub(c.at) < rejectionEvery {
		c.skipped++
		r.mu.Unlock()
		return
	}
	if c == nil {
		c = &rejectionCount{}
		r.last[k] = c
	}
	skipped := c.skipped
	c.at, c.skipped = now, 0
	r.mu.Unlock()
	logger.Warn("Delivery rejected", append(fields, zap.Int("more_since_last_logged", skipped),
		zap.Duration("logged_at_most_every", rejectionEvery))...)
}
