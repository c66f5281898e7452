package webhookreceiver

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/redisstorageextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// redisStorage is contrib's redis_storage extension, as the distribution
// carries it, over the redis-server at addr.
func redisStorage(t *testing.T, addr string) component.Component {
	t.Helper()
	f := redisstorageextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*redisstorageextension.Config)
	cfg.Endpoint = addr
	cfg.Expiration = time.Hour
	cfg.TLS.Insecure = true // a plain redis on loopback
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext
}

// startReplica starts one collector behind the load balancer, over the
// redis-server at redisAddr.
func startReplica(t *testing.T, redisAddr string) *testReceiver {
	t.Helper()
	return startReplicaOnClock(t, redisAddr, nil)
}

// startReplicaOnClock is startReplica with the receiver's clock set to now,
// unless nil.
func startReplicaOnClock(t *testing.T, redisAddr string, now func() time.Time) *testReceiver {
	t.Helper()
	return startReplicaOn(t, testConfig(attendeeConfig()), redisStorage(t, redisAddr), now)
}

// startReplicaOn starts a collector of cfg over ext, a redis_storage, with
// its clock set to now, unless nil.
func startReplicaOn(t *testing.T, cfg *Config, ext component.Component, now func() time.Time) *testReceiver {
	t.Helper()
	extID := component.MustNewID("redis_storage")
	cfg.Storage = &extID
	host := extensionsHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{extID: ext}}
	return startReceiverOnClock(t, cfg, host, nil, nil, now)
}

func sendTo(t *testing.T, r *testReceiver, d attendeeDelivery) response {
	return do(t, d.post(t, r.url+"/attendee"))
}

// Two replicas over one redis-server: a bot's life that starts on one and
// ends on the other is one trace with one correct root span, and a retry
// that lands on the other replica is not emitted twice.
func TestReplicasOverRedis(t *testing.T) {
	addr := storagetest.StartRedis(t)
	a, b := startReplica(t, addr), startReplica(t, addr)
	life := loadAttendee(t, "bot_life")
	half := len(life) / 2
	for _, d := range life[:half] {
		require.Equal(t, http.StatusOK, sendTo(t, a, d).status, d.name)
	}
	require.Contains(t, sendTo(t, b, life[0]).body, "duplicate", "the retry landed on the other replica")
	for _, d := range life[half:] {
		require.Equal(t, http.StatusOK, sendTo(t, b, d).status, d.name)
	}
	require.Equal(t, len(life), a.logs.LogRecordCount()+b.logs.LogRecordCount(), "every delivery once")

	traceID, rootID := traceids.Root("attendee/bot/bot_3hfP0PXEsNinIZmh")
	var roots, phases []ptrace.Span
	for _, td := range append(a.traces.AllTraces(), b.traces.AllTraces()...) {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					require.Equal(t, traceID, s.TraceID())
					switch s.Name() {
					case "attendee.bot":
						roots = append(roots, s)
					case "attendee.bot.state":
						phases = append(phases, s)
					}
				}
			}
		}
	}
	require.Len(t, roots, 1)
	require.Equal(t, rootID, roots[0].SpanID())
	require.Equal(t, time.Date(2025, 7, 15, 14, 0, 0, 0, time.UTC), roots[0].StartTimestamp().AsTime(), "started on the first replica")
	require.Equal(t, time.Date(2025, 7, 15, 14, 52, 0, 0, time.UTC), roots[0].EndTimestamp().AsTime())
	require.Len(t, phases, 8, "the phases seen by both replicas")
}

// TestReplicasOverRedis at once for many bots, a goroutine each: each
// delivery of a bot's life lands on one replica or the other at random, and
// is retried on the replica that did not take it. The two replicas emit
// together exactly the spans that two others, over a redis of their own,
// emit when the same deliveries come one at a time, and every delivery's
// log once: children still open when their bot ends are closed with it,
// wherever they were opened.
func TestReplicasOverRedisConcurrently(t *testing.T) {
	const bots = 16
	lives := make([][]attendeeDelivery, bots)
	for i := range lives {
		lives[i] = anotherBot(t, fmt.Sprint("bot_concurrent", i))
	}
	addr := storagetest.StartRedis(t)
	serial := [2]*testReceiver{startReplica(t, addr), startReplica(t, addr)}
	for i, life := range lives {
		deliverLife(t, serial, i, life)
	}
	addr = storagetest.StartRedis(t)
	replicas := [2]*testReceiver{startReplica(t, addr), startReplica(t, addr)}
	var wg sync.WaitGroup
	for i, life := range lives {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deliverLife(t, replicas, i, life)
		}()
	}
	wg.Wait()

	// An async transcription carries no times: its span's are when the
	// deliveries arrived, which no two runs share.
	emitted := func(rs [2]*testReceiver) ptrace.Traces {
		all := append(rs[0].traces.AllTraces(), rs[1].traces.AllTraces()...)
		for _, td := range all {
			for _, rs := range td.ResourceSpans().All() {
				for _, ss := range rs.ScopeSpans().All() {
					for _, s := range ss.Spans().All() {
						if s.Name() == "attendee.async_transcription" {
							s.SetStartTimestamp(0)
							s.SetEndTimestamp(0)
						}
					}
				}
			}
		}
		return flattenSpans(all)
	}
	require.Equal(t, bots*len(lives[0]), replicas[0].logs.LogRecordCount()+replicas[1].logs.LogRecordCount(), "every delivery once")
	require.Equal(t, bots*14, emitted(serial).SpanCount(), "bot_life's 14 spans")
	require.NoError(t, ptracetest.CompareTraces(emitted(serial), emitted(replicas)))
}

// deliverLife sends bot n's life to the two replicas: each delivery to one
// of them at random (the same for a given n), and again, as a retry, to the
// one that did not take it. It runs in goroutines of its own: it asserts.
func deliverLife(t *testing.T, replicas [2]*testReceiver, n int, life []attendeeDelivery) {
	rng := rand.New(rand.NewPCG(22, uint64(n)))
	for _, d := range life {
		first := rng.IntN(2)
		for _, r := range []*testReceiver{replicas[first], replicas[1-first]} {
			resp, err := http.DefaultClient.Do(d.post(t, r.url+"/attendee"))
			if !assert.NoError(t, err) {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, d.name)
		}
	}
}

// anotherBot is the bot's life of testdata/attendee/bot_life, for a bot of
// another id, with delivery keys of its own, signed as Attendee signs.
func anotherBot(t *testing.T, id string) []attendeeDelivery {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(attendeeSecret)
	require.NoError(t, err)
	var out []attendeeDelivery
	for _, d := range loadAttendee(t, "bot_life") {
		body := strings.ReplaceAll(string(d.body), "bot_3hfP0PXEsNinIZmh", id)
		body = strings.Replace(body, `"idempotency_key": "`, `"idempotency_key": "`+id+`-`, 1)
		req := loadgen.NewRequest("http://replica/attendee", body)
		require.NoError(t, loadgen.SignAttendee(req, key, body))
		out = append(out, attendeeDelivery{d.name, []byte(body), req.Header.Get("X-Webhook-Signature")})
	}
	return out
}

// Three replicas taking turns, as a round-robin load balancer sends: each
// delivery of a bot's life lands on the next one, so that what a replica
// holds in memory of the bot is always behind what the others wrote to the
// storage since. The phases and the root come out exactly as from one.
// (The replicas share the golden test's clock, a second per delivery:
// async transcriptions carry no times, their span's are the arrivals'.)
func TestReplicasTakingTurns(t *testing.T) {
	addr := storagetest.StartRedis(t)
	var sent atomic.Int64
	now := func() time.Time { return lifeClock.Add(time.Duration(sent.Load()) * time.Second) }
	replicas := []*testReceiver{startReplicaOnClock(t, addr, now), startReplicaOnClock(t, addr, now), startReplicaOnClock(t, addr, now)}
	life := loadAttendee(t, "bot_life")
	for i, d := range life {
		require.Equal(t, http.StatusOK, sendTo(t, replicas[i%len(replicas)], d).status, d.name)
		sent.Add(1)
	}
	var emitted []ptrace.Traces
	for _, r := range replicas {
		emitted = append(emitted, r.traces.AllTraces()...)
	}
	compareTracesGolden(t, filepath.Join(attendeeDir, "bot_life.traces.yaml"), emitted)
}
