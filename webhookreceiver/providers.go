package webhookreceiver

import (
	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/airmeet"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/attendee"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/eventsair"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/hmac"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/iotum"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/standardwebhooks"
	"github.com/eventhooks/collector/webhookreceiver/internal/provider/zoom"
)

// factories lists the platforms this receiver knows. Adding a platform is a
// folder under internal/provider and a line here.
var factories = []provider.Factory{
	airmeet.Factory,
	attendee.Factory,
	eventsair.Factory,
	hmac.Factory,
	iotum.Factory,
	standardwebhooks.Factory,
	zoom.Factory,
}

func lookupFactory(key string) (provider.Factory, bool) {
	for _, f := range factories {
		if f.Key == key {
			return f, true
		}
	}
	return provider.Factory{}, false
}

func platformKeys() []string {
	keys := make([]string, len(factories))
	for i, f := range factories {
		keys[i] = f.Key
	}
	return keys
}
