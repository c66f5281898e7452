// Package provider defines what a platform implements: a Factory that reads the
// platform's configuration block and builds a Provider, which verifies and
// decodes deliveries into Events. Nothing in here knows any particular platform.
package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"
)

// Provider verifies and decodes the deliveries of one platform.
type Provider interface {
	// Verify reports, as an error, why the delivery cannot be trusted to come
	// from the platform. The error text is shown to the caller and logged, so it
	// never contains secrets or the body.
	Verify(d *Delivery) error
	// Decode turns a verified delivery into the events it carries. An error
	// means the body is not a delivery of this platform (HTTP 400).
	Decode(d *Delivery) ([]Event, error)
}

// Delivery is one HTTP request addressed to a platform.
type Delivery struct {
	Header http.Header
	URL    *url.URL
	// Subpath is what follows the platform's path, without the leading slash
	// ("" for a request to the path itself). Only platforms whose Factory sets
	// Subpaths receive a non-empty one.
	Subpath string
	// Body is read into a buffer that is reused once the delivery is
	// answered: nothing decoded may point into it. Decoders parse a
	// string(Body) copy, whose substrings the decoded values share.
	Body []byte
	// Received is when the request arrived; the clock of record for tolerance
	// checks and for ObservedTimestamp.
	Received time.Time
}

// ErrTooOld is what Decode wraps when an event is older than the platform
// accepts: a delivery that could be a replay (answered 400, counted as
// too_old).
var ErrTooOld = errors.New("older than max_event_age")

// HeaderVerifier is implemented by a platform that can refuse a request from
// what arrives before its body: its headers and its URL. The receiver calls
// VerifyHeaders before it reads the body (d.Body is nil then), and Verify
// after; Verify still checks everything, so that a provider is safe alone.
type HeaderVerifier interface {
	VerifyHeaders(d *Delivery) error
}

// Challenger is implemented by a platform that checks an endpoint by
// sending it a request to answer rather than an event: Zoom's
// endpoint.url_validation when the URL is saved. The receiver asks after
// Verify; a challenge is answered 200 with Reply and is no log record.
type Challenger interface {
	// Challenge reports whether a verified delivery is a challenge (ok) and
	// what answers it; err is a challenge that cannot be answered (400).
	Challenge(d *Delivery) (reply Reply, ok bool, err error)
}

// Reply is the body of a 200 that says more than "accepted".
type Reply struct {
	ContentType string
	Body        []byte
}

// Factory describes a platform to the receiver.
type Factory struct {
	// Key is the platform's configuration key and its name in telemetry
	// (webhook.provider, the prefix of EventName and of attribute names).
	Key string
	// Subpaths routes {path}/anything to the platform as well as {path}.
	Subpaths bool
	// KnownByHeaders: the platform's VerifyHeaders checks a secret (a token
	// in a header or in the URL), not only the form of a signature, so a
	// request that passes it comes from the platform before its body is
	// read. The bodies of the other platforms' requests are a stranger's
	// until verified, and hold at most half of the receiver's body budget.
	KnownByHeaders bool
	// NewConfig returns the platform's configuration with its defaults.
	NewConfig func() Config
	// New builds the provider from a validated configuration.
	New func(cfg Config, set Settings) (Provider, error)
}

// Settings are what the receiver gives a provider it builds.
type Settings struct {
	// Logger logs for the provider; never secrets, never bodies.
	Logger *zap.Logger
}

// Config is a platform's configuration block: a struct that embeds Common,
// squashed, and validates itself.
type Config interface {
	// Validate reports every problem of the block at once.
	Validate() error
	common() *Common
}

// CommonOf returns the options every platform block has.
func CommonOf(c Config) *Common { return c.common() }

// Common holds the options every platform block has.
type Common struct {
	// Path is where the platform posts its deliveries.
	Path string `mapstructure:"path"`
	// ServiceName is the service.name resource attribute of what the platform
	// emits; the platform's key when empty.
	ServiceName string `mapstructure:"service_name"`
	// MaxRequestBodySize is the largest body the platform's route reads
	// (413 beyond it), sized to what the platform sends; the server's
	// max_request_body_size when zero, and never more than it.
	MaxRequestBodySize int64 `mapstructure:"max_request_body_size"`
}

func (c *Common) common() *Common { return c }

// BodyLimit is the largest body the platform's route reads, given the
// server's own limit.
func (c *Common) BodyLimit(server int64) int64 {
	if c.MaxRequestBodySize <= 0 {
		return server
	}
	return min(c.MaxRequestBodySize, server)
}

// ValidatePath reports what is wrong with c.Path, if anything.
func (c *Common) ValidatePath() error {
	switch {
	case c.Path == "":
		return errors.New("path: must not be empty")
	case c.Path[0] != '/':
		return errors.New("path: must start with /")
	case len(c.Path) > 1 && c.Path[len(c.Path)-1] == '/':
		return errors.New("path: must not end with /")
	}
	return nil
}

// Runner is implemented by a provider that has work of its own while the
// receiver runs: Airmeet keeps its webhook registrations in step with the
// configuration. Run works until ctx ends; report tells the collector how it
// goes (nil: all well). Deliveries are accepted whatever Run does.
type Runner interface {
	Run(ctx context.Context, report func(error))
}

// Namer is implemented by a provider whose telemetry is named after
// something its configuration says rather than after its key: the generic
// Standard Webhooks platform names records "<service_name>.<event type>".
type Namer interface {
	// Namespace prefixes the EventName of the provider's records.
	Namespace() string
}
