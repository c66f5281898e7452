package webhookreceiver

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/eventhooks/collector/webhookreceiver/internal/decompress"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// Config is the receiver's configuration.
type Config struct {
	// ServerConfig carries every confighttp server option: endpoint, tls,
	// auth, max_request_body_size, read_header_timeout, ...
	confighttp.ServerConfig `mapstructure:",squash"`

	// Storage names a storage extension (file_storage, redis_storage) that
	// keeps the dedup keys, so that a restart or another replica does not
	// emit a platform's retry again; in memory when unset.
	Storage *component.ID `mapstructure:"storage"`

	Dedup     DedupConfig     `mapstructure:"dedup"`
	Lifecycle LifecycleConfig `mapstructure:"lifecycle"`

	// HealthPath answers GET with 200 while the receiver runs; off when empty.
	HealthPath string `mapstructure:"health_path"`

	// MaxBodyBytesInFlight bounds the body bytes held by all the requests
	// being read and handled at once; a request that would go beyond it is
	// answered 503 with Retry-After before its body is read.
	MaxBodyBytesInFlight int64 `mapstructure:"max_body_bytes_in_flight"`

	// BodyTimeout and MinBodyRate pace a body once its headers are checked:
	// its first bytes must arrive within BodyTimeout, and then at least
	// MinBodyRate bytes a second on average; an upload that falls behind is
	// answered 408 and its connection closed.
	BodyTimeout time.Duration `mapstructure:"body_timeout"`
	MinBodyRate int64         `mapstructure:"min_body_rate"`

	// MaxConnections bounds the connections open at once; one past it is
	// answered 503 with Retry-After and closed.
	MaxConnections int `mapstructure:"max_connections"`

	// Platforms holds every other key: one block per enabled platform,
	// under the platform's key (providers.go lists them). Each platform decodes its own
	// block into its own type, so that adding a platform touches no code here.
	Platforms map[string]any `mapstructure:",remain"`
}

// DedupConfig bounds what is remembered of past deliveries.
type DedupConfig struct {
	// Window is how long a delivery key is remembered.
	Window time.Duration `mapstructure:"window"`
	// MaxKeys bounds the in-memory store; the oldest keys go first.
	MaxKeys int `mapstructure:"max_keys"`
	// ClaimSettle, with a storage, makes each delivery claim its keys in
	// the storage and wait this long before reading the claims back, so
	// that of two copies handled at once by two replicas only one is
	// emitted (internal/dedup/claim.go). Off when zero.
	ClaimSettle time.Duration `mapstructure:"claim_settle"`
}

// LifecycleConfig bounds how long, and how many, lifecycles stay open.
type LifecycleConfig struct {
	// Timeout closes, as incomplete, a lifecycle open for longer than this.
	Timeout time.Duration `mapstructure:"timeout"`
	// Grace is how long a closed lifecycle's spans wait before they are
	// emitted, so that a delivery the platform retries within it (a
	// participant's leave after the meeting's end, a start after its end)
	// still counts; 0 emits at once.
	Grace time.Duration `mapstructure:"grace"`
	// MaxOpen bounds the lifecycles kept open: beyond it, the oldest are
	// closed as incomplete at the next check, whatever their age.
	MaxOpen int `mapstructure:"max_open"`
}

// checkEvery is how often expiry runs: often enough that closed spans come
// out soon after their grace, and what stays open soon after the timeout.
func (c LifecycleConfig) checkEvery() time.Duration {
	every := min(c.Timeout/10, time.Minute)
	if c.Grace > 0 {
		every = min(every, c.Grace/4)
	}
	return max(every, time.Millisecond)
}

const (
	defaultEndpoint          = "localhost:8088"
	defaultMaxBodySize       = 5 << 20
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultDedupWindow       = 72 * time.Hour
	defaultDedupMaxKeys      = 1_000_000
	defaultLifecycleTimeout  = 24 * time.Hour
	defaultLifecycleGrace    = 30 * time.Second
	defaultLifecycleMaxOpen  = 100_000
	defaultBodyBytesInFlight = 64 << 20
	defaultBodyTimeout       = 5 * time.Second
	defaultMinBodyRate       = 64 << 10
	defaultMaxConnections    = 2048
	// maxClaimSettle keeps a delivery's added wait far below the
	// platforms' timeouts (Attendee's is 10 s).
	maxClaimSettle = time.Second
)

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	server.MaxRequestBodySize = defaultMaxBodySize
	server.ReadHeaderTimeout = defaultReadHeaderTimeout
	server.ReadTimeout = defaultReadTimeout
	// No platform compresses its deliveries: no decoder, unless a user
	// names one (internal/decompress).
	server.CompressionAlgorithms = []string{}
	return &Config{
		ServerConfig:         server,
		MaxBodyBytesInFlight: defaultBodyBytesInFlight,
		BodyTimeout:          defaultBodyTimeout,
		MinBodyRate:          defaultMinBodyRate,
		MaxConnections:       defaultMaxConnections,
		Dedup:                DedupConfig{Window: defaultDedupWindow, MaxKeys: defaultDedupMaxKeys},
		Lifecycle:            LifecycleConfig{Timeout: defaultLifecycleTimeout, Grace: defaultLifecycleGrace, MaxOpen: defaultLifecycleMaxOpen},
	}
}

// Validate reports every problem at once and never changes cfg.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Dedup.Window <= 0 {
		errs = append(errs, errors.New("dedup::window: must be positive"))
	}
	if cfg.Dedup.MaxKeys <= 0 {
		errs = append(errs, errors.New("dedup::max_keys: must be positive"))
	}
	switch {
	case cfg.Dedup.ClaimSettle < 0:
		errs = append(errs, errors.New("dedup::claim_settle: must not be negative"))
	case cfg.Dedup.ClaimSettle > maxClaimSettle:
		errs = append(errs, fmt.Errorf("dedup::claim_settle: must be at most %s: every delivery waits it, and Attendee gives up after 10s", maxClaimSettle))
	}
	if cfg.Lifecycle.Timeout < time.Second {
		errs = append(errs, errors.New("lifecycle::timeout: must be at least 1s"))
	}
	if cfg.Lifecycle.Grace < 0 {
		errs = append(errs, errors.New("lifecycle::grace: must not be negative"))
	}
	if cfg.Lifecycle.MaxOpen <= 0 {
		errs = append(errs, errors.New("lifecycle::max_open: must be positive"))
	}
	if cfg.BodyTimeout <= 0 {
		errs = append(errs, errors.New("body_timeout: must be positive"))
	}
	if cfg.MinBodyRate <= 0 {
		errs = append(errs, errors.New("min_body_rate: must be positive (bytes per second)"))
	}
	if cfg.MaxConnections <= 0 {
		errs = append(errs, errors.New("max_connections: must be positive"))
	}
	for _, enc := range cfg.CompressionAlgorithms {
		if _, ok := decompress.Lookup(enc); !ok && !decompress.Identity(enc) {
			errs = append(errs, fmt.Errorf("compression_algorithms: %q is not accepted by this receiver (it accepts %s): its decoder allocates megabytes on a few bytes that no one has verified yet", enc, strings.Join(decompress.Names(), ", ")))
		}
	}
	if cfg.HealthPath != "" && !strings.HasPrefix(cfg.HealthPath, "/") {
		errs = append(errs, errors.New("health_path: must start with /"))
	}
	platforms, err := cfg.platforms()
	errs = append(errs, err)
	if err == nil && len(platforms) == 0 {
		errs = append(errs, fmt.Errorf("no platform configured: add at least one of %s", strings.Join(platformKeys(), ", ")))
	}
	// The largest body the server takes must fit, or it would be refused
	// for ever, and lost once the platform gives up.
	if cfg.MaxBodyBytesInFlight < cfg.serverBodyLimit() {
		errs = append(errs, fmt.Errorf("max_body_bytes_in_flight: must be at least max_request_body_size (%d bytes)", cfg.serverBodyLimit()))
	}
	paths := map[string]string{}
	if cfg.HealthPath != "" {
		paths[cfg.HealthPath] = "health_path"
	}
	for _, p := range platforms {
		path := provider.CommonOf(p.config).Path
		if other, dup := paths[path]; dup {
			errs = append(errs, fmt.Errorf("%s::path: %q is already used by %s", p.factory.Key, path, other))
		}
		paths[path] = p.factory.Key
	}
	return errors.Join(errs...)
}

// serverBodyLimit is the largest body the server reads
// (max_request_body_size, with its default for zero).
func (cfg *Config) serverBodyLimit() int64 {
	if cfg.MaxRequestBodySize <= 0 {
		return defaultMaxBodySize
	}
	return cfg.MaxRequestBodySize
}

// platform is an enabled platform with its decoded configuration.
type platform struct {
	factory provider.Factory
	config  provider.Config
}

// platforms decodes the block of every configured platform, in the order of
// the registry, and reports every unknown key and invalid block.
func (cfg *Config) platforms() ([]platform, error) {
	var errs []error
	for key := range cfg.Platforms {
		if _, ok := lookupFactory(key); !ok {
			errs = append(errs, fmt.Errorf("%s: unknown option or platform (platforms: %s)", key, strings.Join(platformKeys(), ", ")))
		}
	}
	var out []platform
	for _, f := range factories {
		raw, ok := cfg.Platforms[f.Key]
		if !ok {
			continue
		}
		pc, err := decodePlatform(f, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Key, err))
			continue
		}
		if err := errors.Join(pc.Validate(), validateCommon(provider.CommonOf(pc))); err != nil {
			errs = append(errs, prefixEach(f.Key, err)...)
			continue
		}
		out = append(out, platform{factory: f, config: pc})
	}
	slices.SortStableFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return out, errors.Join(errs...)
}

// validateCommon checks the options every platform block has, beyond the
// path that the platform checks itself.
func validateCommon(c *provider.Common) error {
	if c.MaxRequestBodySize < 0 {
		return errors.New("max_request_body_size: must not be negative")
	}
	return nil
}

// prefixEach puts the platform's key before each of the joined errors, so
// that every line of the report names the option it is about.
func prefixEach(key string, err error) []error {
	var out []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			out = append(out, prefixEach(key, e)...)
		}
		return out
	}
	return []error{fmt.Errorf("%s::%w", key, err)}
}

// decodePlatform decodes one platform block over the platform's defaults. A
// key present with no value ("eventsair:") enables the platform with its
// defaults, which its Validate then reports as lacking secrets.
func decodePlatform(f provider.Factory, raw any) (provider.Config, error) {
	pc := f.NewConfig()
	if raw != nil {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("must be a mapping of options, got %T", raw)
		}
		if err := confmap.NewFromStringMap(m).Unmarshal(pc); err != nil {
			return nil, err
		}
	}
	return pc, nil
}
