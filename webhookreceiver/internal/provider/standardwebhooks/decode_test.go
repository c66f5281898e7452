package standardwebhooks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	s := newTestSender(t, nil)
	at := time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)
	body := `{"type":"bot.joined","timestamp":"2025-09-30T11:59:58.25Z","data":{"bot_id":"bot_1","meetingId":"m_1","count":3,` +
		`"participant":{"participantId":"p_1","bot_id":"deeper loses"},"recordings":[{"recording_id":"r_in_array"}],"callerId":null,"seatID":7}}`
	events, err := s.Decode(signed("webhook-", "msg_7", at, body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	ev := events[0]
	require.Equal(t, "bot.joined", ev.Type)
	require.Empty(t, ev.Name, "the record is named <service_name>.<type> by the namespace")
	require.Equal(t, "msg_7", ev.DeliveryKey)
	require.Equal(t, time.Date(2025, 9, 30, 11, 59, 58, 250_000_000, time.UTC), ev.Time.UTC())
	require.Equal(t, map[string]any{
		"meetbot.bot.id":         "bot_1",
		"meetbot.meeting.id":     "m_1",
		"meetbot.participant.id": "p_1",
		"meetbot.seat.id":        "7",
	}, ev.Attributes.AsRaw())
	require.Equal(t, "bot.joined", ev.Body.Map().AsRaw()["type"])
	require.Empty(t, ev.Transitions, "logs only")
	require.Empty(t, ev.Trace)
}

func TestDecodeConfiguredPaths(t *testing.T) {
	s := newTestSender(t, func(c *Config) { c.EventType = "data.event"; c.EventTime = "data.created" })
	at := time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)
	for body, want := range map[string]time.Time{
		`{"data":{"event":"ticket.sold","created":1759233600}}`:                  time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC),
		`{"data":{"event":"ticket.sold","created":1759233600.5}}`:                time.Date(2025, 9, 30, 12, 0, 0, 500_000_000, time.UTC),
		`{"data":{"event":"ticket.sold","created":1759233600123}}`:               time.Date(2025, 9, 30, 12, 0, 0, 123_000_000, time.UTC),
		`{"data":{"event":"ticket.sold","created":"2025-09-30T14:00:00+02:00"}}`: time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC),
		`{"data":{"event":"ticket.sold","created":"yesterday"}}`:                 {},
		`{"data":{"event":"ticket.sold","created":-5}}`:                          {},
		`{"data":{"event":"ticket.sold","created":1e300}}`:                       {},
		`{"data":{"event":"ticket.sold","created":true}}`:                        {},
		`{"data":{"event":"ticket.sold"}}`:                                       {},
	} {
		events, err := s.Decode(signed("webhook-", "m", at, body))
		require.NoError(t, err, body)
		require.Equal(t, "ticket.sold", events[0].Type)
		if want.IsZero() {
			require.True(t, events[0].Time.IsZero(), body)
		} else {
			require.True(t, want.Equal(events[0].Time), "%s: %s", body, events[0].Time)
		}
	}

	s = newTestSender(t, func(c *Config) { c.EventTime = "" })
	events, err := s.Decode(signed("webhook-", "m", at, `{"type":"x","timestamp":"2025-09-30T11:00:00Z"}`))
	require.NoError(t, err)
	require.True(t, events[0].Time.IsZero(), "event_time unset: no event time")
}

func TestDecodeRejects(t *testing.T) {
	s := newTestSender(t, func(c *Config) { c.EventType = "data.type" })
	at := time.Now()
	for name, body := range map[string]string{
		"not json":            `type=x`,
		"array":               `[{"data":{"type":"x"}}]`,
		"no type":             `{"data":{}}`,
		"path through a list": `{"data":[{"type":"x"}]}`,
		"type not a string":   `{"data":{"type":3}}`,
		"empty type":          `{"data":{"type":""}}`,
		"trailing garbage":    `{"data":{"type":"x"}} x`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Decode(signed("webhook-", "m", at, body))
			require.Error(t, err)
		})
	}
	_, err := s.Decode(signed("webhook-", "m", at, `{"data":{}}`))
	require.EqualError(t, err, `event_type "data.type": no non-empty string at this path of the body`)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"bot.joined","timestamp":"2025-09-30T11:59:58Z","data":{"bot_id":"b","x":{"yId":1}}}`,
		`{"type":"x","timestamp":1759233600123}`,
		`{"type":"x","data":{"aId":{"b":[1,2]}}}`,
		`{"type":"x","data":null}`,
		`[]`, `{`, `""`,
	} {
		f.Add([]byte(s))
	}
	s := newTestSender(f, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := s.Decode(signed("webhook-", "m", time.Unix(1759233600, 0), string(body)))
		if err == nil {
			require.Len(t, events, 1)
			require.NotEmpty(t, events[0].Type)
		}
	})
}
