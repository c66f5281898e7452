package airmeet

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

const token = "3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11"

var received = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestProvider(t testing.TB, tokens ...string) *airmeet {
	t.Helper()
	cfg := newConfig().(*Config)
	for _, s := range tokens {
		cfg.Tokens = append(cfg.Tokens, configopaque.String(s))
	}
	require.NoError(t, cfg.Validate())
	p, err := newProvider(cfg, provider.Settings{Logger: zap.NewNop()})
	require.NoError(t, err)
	return p.(*airmeet)
}

func delivery(trigger, query, body string) *provider.Delivery {
	u, _ := url.Parse("/airmeet/" + trigger + "?" + query)
	return &provider.Delivery{Header: http.Header{}, URL: u, Subpath: trigger, Body: []byte(body), Received: received}
}

func TestVerify(t *testing.T) {
	p := newTestProvider(t, "an-older-token-being-rotated", token)
	require.NoError(t, p.Verify(delivery("trigger.airmeet.created", "token="+token, "")))
	require.NoError(t, p.Verify(delivery("trigger.airmeet.created", "token=an-older-token-being-rotated", "")))
	for name, q := range map[string]string{
		"missing":           "",
		"empty":             "token=",
		"wrong":             "token=" + strings.Repeat("0", 32),
		"one character off": "token=" + token[:31] + "2",
		"shorter":           "token=" + token[:31],
		"other parameter":   "tok=" + token,
	} {
		err := p.Verify(delivery("trigger.airmeet.created", q, ""))
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), token)
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := newConfig().(*Config)
	require.ErrorContains(t, cfg.Validate(), "tokens: at least one is required")
	cfg.Tokens = []configopaque.String{"short-token", "has a space in it, long enough", configopaque.String(token)}
	err := cfg.Validate()
	require.ErrorContains(t, err, "tokens[0]: is shorter than 16 characters")
	require.ErrorContains(t, err, "tokens[1]: has characters that do not survive")
	require.NotContains(t, err.Error(), "short-token")
}

func decode(t *testing.T, trigger, body string) []provider.Event {
	t.Helper()
	events, err := (&airmeet{}).Decode(delivery(trigger, "token="+token, body))
	require.NoError(t, err)
	return events
}

func TestDecodeFlatObject(t *testing.T) {
	events := decode(t, "trigger.airmeet.attendee.added",
		`{"airmeetId":"a1","airmeetName":"Summit","name":"Ana","email":"ana@example.com","user_id":42,"registrationTime":"2025-02-01T10:00:00.000Z"}`)
	require.Len(t, events, 1)
	ev := events[0]
	require.Equal(t, "trigger.airmeet.attendee.added", ev.Type)
	require.Equal(t, "airmeet.attendee.added", ev.Name)
	require.Equal(t, map[string]any{"airmeet.airmeet.id": "a1", "airmeet.user.id": "42"}, ev.Attributes.AsRaw())
	require.Equal(t, time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC), ev.Time)
	require.Equal(t, "airmeet/airmeet/a1", ev.Trace)
	require.Len(t, ev.DeliveryKey, 64)
}

func TestDecodeBatches(t *testing.T) {
	array := decode(t, "trigger.airmeet.attendee.joined", `[{"airmeetId":"a1","user_id":"u1"},{"airmeetId":"a1","user_id":"u2"}]`)
	require.Len(t, array, 2)
	require.Equal(t, "u2", array[1].Attributes.AsRaw()["airmeet.user.id"])
	require.Equal(t, array[0].DeliveryKey, array[1].DeliveryKey, "one delivery, one key")

	object := decode(t, "trigger.session.attendee.joined", `{"airmeetId":"a1","sessionId":"s1","attendees":[{"user_id":"u1","joinedAt":"2025-02-01T10:00:00Z"},{"user_id":"u2"}]}`)
	require.Len(t, object, 2)
	for i, ev := range object {
		raw := ev.Body.Map().AsRaw()
		require.Equal(t, "a1", raw["airmeetId"], "the delivery's own fields are kept")
		require.NotContains(t, raw, "attendees")
		require.Equal(t, []string{"u1", "u2"}[i], ev.Attributes.AsRaw()["airmeet.user.id"])
		require.Equal(t, "s1", ev.Attributes.AsRaw()["airmeet.session.id"])
	}
	require.Equal(t, time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC), object[0].Time)
}

func TestDecodeRejects(t *testing.T) {
	for name, c := range map[string][2]string{
		"no trigger":     {"", `{}`},
		"nested path":    {"trigger.a/b", `{}`},
		"not json":       {"trigger.airmeet.created", `airmeet`},
		"scalar body":    {"trigger.airmeet.created", `"x"`},
		"trailing bytes": {"trigger.airmeet.created", `{} {}`},
	} {
		_, err := (&airmeet{}).Decode(delivery(c[0], "", c[1]))
		require.Error(t, err, name)
	}
}

func TestUnknownTriggerIsARecord(t *testing.T) {
	events := decode(t, "trigger.airmeet.something_new", `{"airmeetId":"a1","boothId":"b9"}`)
	require.Len(t, events, 1)
	require.Equal(t, "airmeet.something_new", events[0].Name)
	require.Equal(t, "b9", events[0].Attributes.AsRaw()["airmeet.booth.id"])
}

func TestAirmeetLifecycle(t *testing.T) {
	started := decode(t, "trigger.airmeet.started", `{"airmeetId":"a1","start_time":"2025-03-01T09:00:00Z"}`)[0]
	require.Equal(t, []provider.Transition{{Key: "airmeet/airmeet/a1", Name: "airmeet.airmeet",
		Start: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Attributes: map[string]string{"airmeet.airmeet.id": "a1"}}}, started.Transitions)

	finished := decode(t, "trigger.airmeet.finished", `{"airmeetId":"a1","start_time":"2025-03-01T09:00:00Z","end_time":"2025-03-01T17:00:00Z",
		"sessions":[{"sessionId":"s1","start_time":"2025-03-01T09:30:00Z","end_time":"2025-03-01T10:30:00Z"},{"sessionId":"s2"}]}`)[0]
	require.Len(t, finished.Transitions, 2)
	require.Equal(t, time.Date(2025, 3, 1, 17, 0, 0, 0, time.UTC), finished.Transitions[0].End)
	require.False(t, finished.Transitions[0].Start.IsZero())
	session := finished.Transitions[1]
	require.Equal(t, "airmeet/airmeet/a1/session/s1", session.Key)
	require.Equal(t, time.Hour, session.End.Sub(session.Start))
}

func TestReplayViewing(t *testing.T) {
	start := decode(t, "trigger.attendee.ondemand_session_attendance", `{"airmeetId":"a1","sessionId":"s1","user_id":"u1","percentage":5}`)[0]
	done := decode(t, "trigger.attendee.ondemand_session_attendance", `{"airmeetId":"a1","sessionId":"s1","user_id":"u1","percentage":90}`)[0]
	require.Equal(t, "airmeet/airmeet/a1/replay/s1/u1", start.Transitions[0].Key)
	require.False(t, start.Transitions[0].Start.IsZero())
	require.True(t, start.Transitions[0].End.IsZero())
	require.Equal(t, start.Transitions[0].Key, done.Transitions[0].Key)
	require.False(t, done.Transitions[0].End.IsZero())
}

func TestTimes(t *testing.T) {
	for body, want := range map[string]time.Time{
		`{"timestamp":1740830400000}`:              time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		`{"timestamp":1740830400}`:                 time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		`{"time":"2025-03-01 12:00:00"}`:           time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		`{"joinedAt":"2025-03-01T12:00:00+00:00"}`: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		`{"createdAt":"yesterday"}`:                {},
	} {
		require.True(t, want.Equal(decode(t, "trigger.x", body)[0].Time), body)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"airmeetId":"a","sessions":[{"sessionId":"s","start_time":"2025-03-01T09:30:00Z","end_time":"2025-03-01T10:30:00Z"}]}`,
		`[{"user_id":1},{"user_id":2},3]`, `{"attendees":[{"a":1},"x"]}`, `{"timestamp":-5,"time":1e300}`, `{`} {
		f.Add("trigger.airmeet.finished", []byte(s))
	}
	f.Fuzz(func(t *testing.T, trigger string, body []byte) {
		events, err := (&airmeet{}).Decode(delivery(trigger, "", string(body)))
		if err != nil {
			return
		}
		for _, ev := range events {
			require.Equal(t, trigger, ev.Type)
			for _, tr := range ev.Transitions {
				require.NotEmpty(t, tr.Key)
				require.False(t, tr.Start.IsZero() && tr.End.IsZero())
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("token=" + token)
	f.Add("token=" + token + "&token=x")
	f.Add("%zz")
	p := newTestProvider(f, token)
	f.Fuzz(func(t *testing.T, query string) {
		d := delivery("trigger.x", query, "")
		if p.Verify(d) == nil {
			// Only the configured token, as the request's URL carries it.
			require.Equal(t, token, d.URL.Query().Get("token"))
		}
	})
}

// queryToken reads the query as url.Values does.
func TestTokenAsURLValues(t *testing.T) {
	for _, q := range []string{"", "token=a", "x=1&token=a%2Bb&token=c", "tok%65n=d", "token=%zz&token=e", "a;b=1&token=f", "token", "token=", "x=token"} {
		values, _ := url.ParseQuery(q) // what it could parse, despite an error
		require.Equal(t, values.Get("token"), queryToken(q), q)
	}
}
