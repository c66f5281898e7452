package webhookreceiver

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
)

// NewFactory returns the factory of the webhook receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
		receiver.WithTraces(createTraces, metadata.TracesStability),
	)
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	r, err := receivers.get(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	r.logs = next
	return r, nil
}

func createTraces(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Traces) (receiver.Traces, error) {
	r, err := receivers.get(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	r.traces = next
	return r, nil
}

// receivers shares one receiver, and so one HTTP server, between the logs and
// the traces pipelines of one component: the collector hands both the same
// *Config.
var receivers = sharedReceivers{m: map[*Config]*webhookReceiver{}}

type sharedReceivers struct {
	mu sync.Mutex
	m  map[*Config]*webhookReceiver
}

func (s *sharedReceivers) get(cfg *Config, set receiver.Settings) (*webhookReceiver, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.m[cfg]; ok {
		return r, nil
	}
	r, err := newReceiver(cfg, set, func() { s.remove(cfg) })
	if err != nil {
		return nil, err
	}
	s.m[cfg] = r
	return r, nil
}

func (s *sharedReceivers) remove(cfg *Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, cfg)
}
