package webhookreceiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/eventhooks/collector/webhookreceiver/internal/dedup"
	"github.com/eventhooks/collector/webhookreceiver/internal/metadatatest"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// Two copies of one delivery sent at the same instant to two of three
// replicas over one redis-server, each retried on 503 until it is answered
// 200, for many deliveries. With claim_settle, every delivery is emitted
// once: one copy is answered 200, the other 200 duplicate. Without, the same
// run measures how many are emitted twice (a measurement, not asserted: it
// depends on the machine).
func TestReplicasClaimCopiesAtOnce(t *testing.T) {
	const pairs = 100
	addr := storagetest.StartRedis(t)
	off := raceCopies(t, addr, 0, pairs)
	t.Logf("claim_settle 0: %d of %d deliveries emitted twice (%d log records); a delivery took %s",
		off.twice, pairs, off.emitted, off.latency)
	on := raceCopies(t, addr, 25*time.Millisecond, pairs)
	t.Logf("claim_settle 25ms: %d of %d deliveries emitted twice (%d log records), %d answers 503 retried; a delivery took %s (%s more)",
		on.twice, pairs, on.emitted, on.refused, on.latency, on.latency-off.latency)

	require.Equal(t, pairs, on.emitted, "every delivery emitted once")
	require.Equal(t, pairs, on.oneEach, "each pair answered 200 once and 200 duplicate once")
	require.Empty(t, claimsIn(t, addr), "every claim released")
}

// copiesRun is what raceCopies saw.
type copiesRun struct {
	emitted int // log records, all replicas together
	twice   int // deliveries whose copies were both answered 200 and not duplicate
	oneEach int // deliveries answered 200 once and 200 duplicate once
	refused int // answers 503, retried
	latency time.Duration
}

// raceCopies sends pairs deliveries, two copies of each at the same instant
// to two of three replicas of claim_settle settle.
func raceCopies(t *testing.T, redisAddr string, settle time.Duration, pairs int) copiesRun {
	t.Helper()
	replicas := make([]*testReceiver, 3)
	for i := range replicas {
		cfg := testConfig(eventsAirConfig())
		cfg.Dedup.ClaimSettle = settle
		replicas[i] = startReplicaOn(t, cfg, redisStorage(t, redisAddr), nil)
	}
	var run copiesRun
	var took time.Duration
	for i := range pairs {
		id := fmt.Sprintf("msg_copies_%s_%d", settle, i)
		var copies [2]*http.Request
		for c := range copies {
			copies[c] = signedEventsAir(t, replicas[(i+c)%len(replicas)].url+"/eventsair", id, registration)
		}
		var answers [2]copyAnswer
		start := make(chan struct{})
		var wg sync.WaitGroup
		for c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[c] = untilAnswered(copies[c], registration)
			}()
		}
		close(start)
		wg.Wait()
		accepted, duplicate := 0, 0
		for _, a := range answers {
			require.NoError(t, a.err, id)
			run.refused += a.refused
			switch {
			case a.body == "":
				accepted++
				took += a.took
			case strings.HasPrefix(a.body, "duplicate"):
				duplicate++
			}
		}
		require.Equal(t, 2, accepted+duplicate, "%s: %+v", id, answers)
		switch {
		case accepted == 2:
			run.twice++
		case accepted == 1:
			run.oneEach++
		}
	}
	for _, r := range replicas {
		run.emitted += r.logs.LogRecordCount()
	}
	run.latency = took / time.Duration(pairs+run.twice)
	return run
}

type copyAnswer struct {
	body    string        // of the 200
	took    time.Duration // the request answered 200
	refused int           // 503s before it
	err     error
}

// untilAnswered sends proto with body, again after each 503 as a platform
// does (after 5 ms rather than Retry-After's 5 s), until it is answered 200.
// It runs in a goroutine of its own: it reports, it does not assert.
func untilAnswered(proto *http.Request, body string) copyAnswer {
	var a copyAnswer
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		req := proto.Clone(context.Background())
		req.Body = io.NopCloser(strings.NewReader(body))
		began := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			a.err = err
			return a
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			a.err = err
			return a
		case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
			a.refused++
			continue
		case resp.StatusCode != http.StatusOK:
			a.err = fmt.Errorf("answered %d: %s", resp.StatusCode, b)
			return a
		}
		a.body, a.took = string(b), time.Since(began)
		return a
	}
	a.err = errors.New("refused for 10s")
	return a
}

// claimsIn lists the claim entries in the redis-server at addr.
func claimsIn(t *testing.T, addr string) []string {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*dedup/claim/*").Result()
	require.NoError(t, err)
	return keys
}

// A claim left by a replica that crashed while it handled a delivery
// refuses the platform's retries on the other replicas until it expires,
// and not after.
func TestReplicasClaimOfACrashedReplica(t *testing.T) {
	addr := storagetest.StartRedis(t)
	ext := redisStorage(t, addr)
	cfg := testConfig(eventsAirConfig())
	cfg.Dedup.ClaimSettle = 25 * time.Millisecond
	r := startReplicaOn(t, cfg, ext, nil)
	client, err := ext.(storage.Extension).GetClient(context.Background(), component.KindReceiver, component.MustNewID("webhook"), "")
	require.NoError(t, err)
	// What the crashed replica wrote: its claim, taken at a time, never released.
	crashed := func(id string, at time.Time) {
		store := dedup.NewStorage(client, time.Hour, func() time.Time { return at })
		_, _, err := dedup.NewClaims(store, 25*time.Millisecond).Take(context.Background(), []string{"eventsair/" + id}, dedup.Logs|dedup.Traces)
		require.NoError(t, err)
	}

	crashed("msg_crashed_just_now", time.Now())
	resp := do(t, signedEventsAir(t, r.url+"/eventsair", "msg_crashed_just_now", registration))
	require.Equal(t, http.StatusServiceUnavailable, resp.status, "the claim may be a live replica's")
	require.Equal(t, retryAfter, resp.header.Get("Retry-After"))
	require.Zero(t, r.logs.LogRecordCount())

	crashed("msg_crashed_long_ago", time.Now().Add(-time.Minute))
	resp = do(t, signedEventsAir(t, r.url+"/eventsair", "msg_crashed_long_ago", registration))
	require.Equal(t, http.StatusOK, resp.status)
	require.Empty(t, resp.body, "accepted, not a duplicate")
	require.Equal(t, 1, r.logs.LogRecordCount())
	require.Len(t, claimsIn(t, addr), 1, "the stale claim taken over and released; the live one left to expire")
}

// A delivery whose pipeline panics, refuses or fails on one replica leaves
// no claim behind: the platform's retry on another replica is served at once.
func TestReplicasClaimReleasedOnEveryOutcome(t *testing.T) {
	addr := storagetest.StartRedis(t)
	var failures atomic.Value // func() error, of the next delivery on the failing replica
	logs, err := consumer.NewLogs(func(context.Context, plog.Logs) error { return failures.Load().(func() error)() })
	require.NoError(t, err)
	cfg := testConfig(eventsAirConfig())
	cfg.Dedup.ClaimSettle = 25 * time.Millisecond
	extID := component.MustNewID("redis_storage")
	cfg.Storage = &extID
	rcv, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, logs)
	require.NoError(t, err)
	host := extensionsHost{Host: componenttest.NewNopHost(), extensions: map[component.ID]component.Component{extID: redisStorage(t, addr)}}
	require.NoError(t, rcv.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	failing := "http://" + rcv.(*webhookReceiver).listenAddr.String() + "/eventsair"
	cfg = testConfig(eventsAirConfig())
	cfg.Dedup.ClaimSettle = 25 * time.Millisecond
	other := startReplicaOn(t, cfg, redisStorage(t, addr), nil)

	for i, f := range []struct {
		status int
		fail   func() error
	}{
		{http.StatusInternalServerError, func() error { panic("exporter bug") }},
		{http.StatusServiceUnavailable, func() error { return errors.New("memory_limiter: refused") }},
		{http.StatusInternalServerError, func() error { return consumererror.NewPermanent(errors.New("bad data")) }},
	} {
		id := fmt.Sprint("msg_fails_", i)
		failures.Store(f.fail)
		require.Equal(t, f.status, do(t, signedEventsAir(t, failing, id, registration)).status, id)
		resp := do(t, signedEventsAir(t, other.url+"/eventsair", id, registration))
		require.Equal(t, http.StatusOK, resp.status, "%s: %s", id, resp.body)
		require.Empty(t, resp.body, "emitted by the retry")
	}
	require.Equal(t, 3, other.logs.LogRecordCount())
	require.Empty(t, claimsIn(t, addr))
}
