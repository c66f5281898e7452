package standardwebhooks

import (
	"errors"

	"github.com/eventhooks/collector/webhookreceiver/internal/bodyfields"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/stdwebhooks"
)

// Config is the standardwebhooks block of the receiver's configuration: one
// sender. Two senders are two receiver instances (webhook/a, webhook/b).
type Config struct {
	// Common's service_name is required here: it is what the sender is
	// called in telemetry, the prefix of its records and attributes.
	provider.Common `mapstructure:",squash"`
	// Options are the sender's signing secrets ("whsec_<base64>") and how
	// far a delivery's timestamp may be from now.
	stdwebhooks.Options `mapstructure:",squash"`
	// EventType is the dot path of the event type in the body ("type",
	// "event", "data.type").
	EventType string `mapstructure:"event_type"`
	// EventTime is the dot path of the event's own time in the body: an
	// RFC 3339 string, or a number of Unix seconds (milliseconds from
	// 10^12 on). Empty: records have no event time, only the observed one.
	EventTime string `mapstructure:"event_time"`
}

// The defaults follow the payload the specification recommends:
// {"type": ..., "timestamp": ..., "data": {...}}.
const (
	defaultEventType = "type"
	defaultEventTime = "timestamp"
)

func newConfig() provider.Config {
	return &Config{
		// One event per delivery; senders cap a message well below this
		// (max_request_body_size raises it for one that does not).
		Common:    provider.Common{Path: "/" + key, MaxRequestBodySize: 1 << 20},
		Options:   stdwebhooks.DefaultOptions(),
		EventType: defaultEventType,
		EventTime: defaultEventTime,
	}
}

// Validate implements provider.Config.
func (c *Config) Validate() error {
	errs := []error{c.Common.ValidatePath(), bodyfields.ValidateServiceName(c.ServiceName)}
	errs = append(errs, c.Options.Validate()...)
	if c.EventType == "" {
		errs = append(errs, errors.New("event_type: must not be empty: the dot path of the event type in the body"))
	} else {
		errs = append(errs, bodyfields.ValidatePath("event_type", c.EventType))
	}
	if c.EventTime != "" {
		errs = append(errs, bodyfields.ValidatePath("event_time", c.EventTime))
	}
	return errors.Join(errs...)
}
