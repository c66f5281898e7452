package eventsair

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	p := newTestProvider(t, specSecret)
	d := delivery("msg_1", 1, "", `{"type":"Event.Registration.Created","data":{"eventId":"e1","registrationId":"r1","timestamp":"2025-03-04T05:06:07Z","correlationId":"c1","count":3,"sessionId":null}}`, time.Now())
	events, err := p.Decode(d)
	require.NoError(t, err)
	require.Len(t, events, 1)
	ev := events[0]
	require.Equal(t, "Event.Registration.Created", ev.Type)
	require.Equal(t, "msg_1", ev.DeliveryKey)
	require.Equal(t, time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), ev.Time.UTC())
	require.Equal(t, map[string]any{
		"eventsair.event.id":        "e1",
		"eventsair.registration.id": "r1",
		"eventsair.correlation.id":  "c1",
	}, ev.Attributes.AsRaw())
	require.Equal(t, "Event.Registration.Created", ev.Body.Map().AsRaw()["type"])
	require.Empty(t, ev.Transitions, "EventsAir yields logs only")
	require.Empty(t, ev.Trace)
}

func TestDecodeKeepsEventWithBadTimestamp(t *testing.T) {
	p := newTestProvider(t, specSecret)
	events, err := p.Decode(delivery("m", 1, "", `{"type":"Event.Created","data":{"eventId":"e","timestamp":"yesterday"}}`, time.Now()))
	require.NoError(t, err)
	require.True(t, events[0].Time.IsZero())
}

func TestDecodeRejects(t *testing.T) {
	p := newTestProvider(t, specSecret)
	for name, body := range map[string]string{
		"not json":         `type=Event.Created`,
		"array":            `[{"type":"Event.Created"}]`,
		"no type":          `{"data":{"eventId":"e"}}`,
		"type not string":  `{"type":3,"data":{}}`,
		"empty type":       `{"type":"","data":{}}`,
		"data not object":  `{"type":"Event.Created","data":[1]}`,
		"trailing garbage": `{"type":"Event.Created"} x`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Decode(delivery("m", 1, "", body, time.Now()))
			require.Error(t, err)
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		specBody,
		`{"type":"Event.Registration.Created","data":{"eventId":"e1","registrationId":"r1","timestamp":"2025-03-04T05:06:07Z"}}`,
		`{"type":"Event.Created","data":{"eventId":12345678901234567890}}`,
		`{"type":"x","data":{"aId":{"b":[1,2]}}}`,
		`{"type":"x","data":null}`,
		`[]`, `{`, `""`,
	} {
		f.Add([]byte(s))
	}
	p := &eventsAir{}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := p.Decode(delivery("m", 1, "", string(body), time.Now()))
		if err == nil {
			require.Len(t, events, 1)
			require.NotEmpty(t, events[0].Type)
		}
	})
}
