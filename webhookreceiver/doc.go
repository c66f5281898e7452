// Package webhookreceiver receives the webhooks of event and meeting platforms,
// verifies that each delivery comes from its platform, and emits it as OTLP logs
// and, for lifecycles, traces.
//
//go:generate go tool -modfile=internal/tools/go.mod mdatagen metadata.yaml
package webhookreceiver
