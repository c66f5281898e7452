package webhookreceiver

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/eventsair"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// loadConfig reads one receiver of testdata/config.yaml over the defaults.
func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestConfigFull(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))
	require.Equal(t, "0.0.0.0:9999", cfg.NetAddr.Endpoint)
	require.EqualValues(t, 65536, cfg.MaxRequestBodySize)
	require.Equal(t, 3*time.Second, cfg.ReadHeaderTimeout)
	require.Equal(t, "/healthz", cfg.HealthPath)
	require.Equal(t, DedupConfig{Window: 24 * time.Hour, MaxKeys: 5000, ClaimSettle: 25 * time.Millisecond}, cfg.Dedup)
	require.Equal(t, 2*time.Hour, cfg.Lifecycle.Timeout)

	platforms, err := cfg.platforms()
	require.NoError(t, err)
	require.Len(t, platforms, 1)
	ea := platforms[0].config.(*eventsair.Config)
	require.Equal(t, "/hooks/eventsair", ea.Path)
	require.Equal(t, "registrations", ea.ServiceName)
	require.Equal(t, []configopaque.String{testSecret, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, ea.Secrets)
	require.Equal(t, 90*time.Second, ea.Tolerance)
	require.EqualValues(t, 1<<20, cfg.MaxBodyBytesInFlight)
	require.EqualValues(t, 16384, ea.MaxRequestBodySize)
	require.Equal(t, 2*time.Second, cfg.BodyTimeout)
	require.EqualValues(t, 1024, cfg.MinBodyRate)
	require.Equal(t, 100, cfg.MaxConnections)
	require.Equal(t, []string{"gzip"}, cfg.CompressionAlgorithms)
}

func TestConfigDefaults(t *testing.T) {
	cfg := loadConfig(t, "minimal")
	require.NoError(t, confmap.Validate(cfg))
	require.Equal(t, "localhost:8088", cfg.NetAddr.Endpoint)
	require.EqualValues(t, 5<<20, cfg.MaxRequestBodySize)
	require.Equal(t, 10*time.Second, cfg.ReadHeaderTimeout)
	require.Equal(t, 30*time.Second, cfg.ReadTimeout)
	require.Equal(t, 72*time.Hour, cfg.Dedup.Window)
	require.Zero(t, cfg.Dedup.ClaimSettle, "claims are off")
	require.Equal(t, 24*time.Hour, cfg.Lifecycle.Timeout)
	require.Equal(t, 100_000, cfg.Lifecycle.MaxOpen)
	require.Empty(t, cfg.HealthPath)
	platforms, err := cfg.platforms()
	require.NoError(t, err)
	ea := platforms[0].config.(*eventsair.Config)
	require.Equal(t, "/eventsair", ea.Path)
	require.Equal(t, 5*time.Minute, ea.Tolerance)
	require.EqualValues(t, 64<<20, cfg.MaxBodyBytesInFlight)
	require.EqualValues(t, 256<<10, ea.MaxRequestBodySize)
	require.Equal(t, 5*time.Second, cfg.BodyTimeout)
	require.EqualValues(t, 64<<10, cfg.MinBodyRate)
	require.Equal(t, 2048, cfg.MaxConnections)
	require.NotNil(t, cfg.CompressionAlgorithms)
	require.Empty(t, cfg.CompressionAlgorithms, "no decoder: the platforms do not compress")
}

func TestConfigInvalid(t *testing.T) {
	all := strings.Join(platformKeys(), ", ") // "airmeet, attendee, ...": the list grows with providers.go
	tests := map[string][]string{
		"no_platform":             {"no platform configured: add at least one of " + all},
		"no_secrets":              {"eventsair::secrets: at least one is required"},
		"empty_block":             {"eventsair::secrets: at least one is required"},
		"typo":                    {"atendee: unknown option or platform (platforms: " + all + ")"},
		"path_clash":              {`eventsair::path: "/eventsair" is already used by health_path`},
		"claim_settle_too_long":   {"dedup::claim_settle: must be at most 1s"},
		"block_not_a_map":         {"eventsair: must be a mapping of options"},
		"unknown_platform_option": {"eventsair:", "secret"},
		"many_problems": {
			"dedup::window: must be positive",
			"dedup::claim_settle: must not be negative",
			"lifecycle::timeout: must be at least 1s",
			"lifecycle::max_open: must be positive",
			"health_path: must start with /",
			"eventsair::path: must start with /",
			"eventsair::secrets[0]: is not base64",
			"eventsair::tolerance: must be at least 1s",
			"eventsair::max_request_body_size: must not be negative",
			"max_body_bytes_in_flight: must be at least max_request_body_size (5242880 bytes)",
			"body_timeout: must be positive",
			"min_body_rate: must be positive",
			"max_connections: must be positive",
			`compression_algorithms: "lz4" is not accepted by this receiver (it accepts deflate, gzip, zlib, zstd)`,
		},
	}
	for name, wants := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := loadConfig(t, name)
			before := fmt.Sprintf("%#v", cfg)
			err := confmap.Validate(cfg)
			require.Error(t, err)
			for _, want := range wants {
				require.ErrorContains(t, err, want)
			}
			require.NotContains(t, err.Error(), "%%%", "no secret in errors")
			require.Equal(t, before, fmt.Sprintf("%#v", cfg), "Validate never changes the config")
		})
	}
}

// Secrets usually come from environment variables: the expanded values must
// reach the platform's own types intact.
func TestConfigFromEnvironment(t *testing.T) {
	t.Setenv("TEST_EVENTSAIR_SECRET", testSecret)
	t.Setenv("TEST_TOLERANCE", "90s")
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + filepath.Join("testdata", "env.yaml")},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
	})
	require.NoError(t, err)
	conf, err := resolver.Resolve(context.Background())
	require.NoError(t, err)
	sub, err := conf.Sub("webhook")
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	platforms, err := cfg.platforms()
	require.NoError(t, err)
	ea := platforms[0].config.(*eventsair.Config)
	require.Equal(t, []configopaque.String{testSecret, "12345678"}, ea.Secrets[:2])
	require.Equal(t, 90*time.Second, ea.Tolerance)
}
