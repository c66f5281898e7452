//go:build e2e

package webhookreceiver

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
	"github.com/eventhooks/collector/webhookreceiver/internal/traceids"
)

// replica is one collector process behind the load balancer.
type replica struct {
	cmd    *exec.Cmd
	config string
	base   string
}

// replicaConfig is what each collector runs, as examples/replicas.yaml
// has it: the state in the shared redis_storage, each exporter's queue on
// the process's own disk.
func replicaConfig(port int, redis, queueDir string, b *backends) string {
	return fmt.Sprintf(`
extensions:
  redis_storage:
    endpoint: %s
    expiration: 72h
    tls: {insecure: true} # a plain redis: without it, the extension dials TLS
  file_storage:
    directory: %s
receivers:
  webhook:
    endpoint: 127.0.0.1:%d
    health_path: /health
    storage: redis_storage
    dedup: {claim_settle: 25ms} # as examples/replicas.yaml
    lifecycle: {grace: 1s}      # spans a second after their close (the example: 30s)
    attendee: {secrets: [%s]}
    eventsair: {secrets: [%s]}
    iotum: {signing_tokens: [%s]}
exporters:
  otlp_http/victorialogs:
    logs_endpoint: http://%s/insert/opentelemetry/v1/logs
    sending_queue: {storage: file_storage}
  otlp_grpc/jaeger:
    endpoint: 127.0.0.1:%d
    tls: {insecure: true}
    sending_queue: {storage: file_storage}
service:
  extensions: [redis_storage, file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs: {receivers: [webhook], exporters: [otlp_http/victorialogs]}
    traces: {receivers: [webhook], exporters: [otlp_grpc/jaeger]}
`, redis, queueDir, port, attendeeSecret, testSecret, iotumToken, b.vl, b.otlpPort)
}

// startHAProxy balances round robin over the replicas, each checked at its
// health_path every 200 ms and taken out at the first failure.
func startHAProxy(t *testing.T, dir string, replicas []*replica) string {
	bin, err := exec.LookPath("haproxy")
	require.NoError(t, err, "haproxy is not installed; `make e2e` installs it")
	port := freePort(t)
	var servers strings.Builder
	for i, r := range replicas {
		fmt.Fprintf(&servers, "  server c%d %s check\n", i, strings.TrimPrefix(r.base, "http://"))
	}
	config := fmt.Sprintf(`global
  maxconn 512
defaults
  mode http
  timeout connect 1s
  timeout client 15s
  timeout server 15s
  retries 2
  option redispatch
frontend webhooks
  bind 127.0.0.1:%d
  default_backend collectors
backend collectors
  balance roundrobin
  option httpchk GET /health
  default-server inter 200ms fall 1 rise 1
%s`, port, servers.String())
	path := filepath.Join(dir, "haproxy.cfg")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))
	startProcess(t, bin, "-db", "-f", path)
	lb := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, lb+"/health")
	return lb
}

// send delivers as a platform does: a fresh connection each time (so that
// round robin puts consecutive deliveries on different replicas), again on
// anything but a 2xx, three attempts in all as Attendee makes.
func send(t *testing.T, req func() *http.Request) response {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	var last response
	for range 3 {
		resp, err := client.Do(req())
		if err != nil {
			time.Sleep(300 * time.Millisecond)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = response{status: resp.StatusCode, header: resp.Header, body: string(body)}
		if resp.StatusCode/100 == 2 {
			return last
		}
		time.Sleep(300 * time.Millisecond)
	}
	return last
}

func count(names []string, name string) (n int) {
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}

// TestE2EReplicas runs three collectors behind haproxy over one
// redis-server, as examples/replicas.yaml and the README describe, and reads
// what came out of the real backends: lifecycles spread over the three are
// one trace with one root span, retries landing elsewhere are duplicates,
// and a replica killed in the middle loses nothing.
func TestE2EReplicas(t *testing.T) {
	bin := fromMake(t, "OTELCOL_EVENTHOOKS", "the distribution's binary")
	dir := t.TempDir()
	redis := storagetest.StartRedis(t)
	b := startBackends(t, dir)

	replicas := make([]*replica, 3)
	for i := range replicas {
		port := freePort(t)
		path := filepath.Join(dir, fmt.Sprintf("replica%d.yaml", i))
		queue := filepath.Join(dir, fmt.Sprintf("queue%d", i))
		require.NoError(t, os.MkdirAll(queue, 0o700))
		require.NoError(t, os.WriteFile(path, []byte(replicaConfig(port, redis, queue, b)), 0o600))
		replicas[i] = &replica{config: path, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	}
	start := func(r *replica) {
		r.cmd, _ = startProcess(t, bin, "--config", r.config)
		waitHTTP(t, r.base+"/health")
	}
	for _, r := range replicas {
		start(r)
	}
	lb := startHAProxy(t, dir, replicas)

	// A bot's life and a conference, delivery after delivery on the next
	// replica.
	life := loadAttendee(t, "bot_life")
	for _, d := range life {
		require.Equal(t, http.StatusOK, send(t, func() *http.Request { return d.post(t, lb+"/attendee") }).status, d.name)
	}
	conference := iotumFiles(t, "conference")
	for _, file := range conference {
		require.Equal(t, http.StatusOK, send(t, func() *http.Request {
			req := iotumRequest(t, file)
			req.URL, _ = url.Parse(lb + "/iotum")
			req.RequestURI = ""
			return req
		}).status, file)
	}
	// Retries of accepted deliveries, each landing on another replica.
	for i := range 3 {
		resp := send(t, func() *http.Request { return life[i].post(t, lb+"/attendee") })
		require.Equal(t, http.StatusOK, resp.status)
		require.Contains(t, resp.body, "duplicate", "%s retried on another replica", life[i].name)
	}

	// Another bot, with a replica killed in the middle of its life and
	// started again on the same state.
	other := anotherBot(t, "bot_replica_kill")
	half := len(other) / 2
	for _, d := range other[:half] {
		require.Equal(t, http.StatusOK, send(t, func() *http.Request { return d.post(t, lb+"/attendee") }).status, d.name)
	}
	// The crash is of the lifecycles' state, not of the exporters' queues:
	// what was accepted so far is in VictoriaLogs first. A persistent queue
	// killed with exports in flight sends them again when it restarts (seen
	// here once in five runs: 9 items, a record twice), the at-least-once
	// that the soak counts, not a delivery the receiver emitted twice.
	sent := len(life) + len(conference) + half
	require.Eventually(t, func() bool { return b.logsql("*") >= sent }, 30*time.Second, 250*time.Millisecond, "the exporters drained")
	require.NoError(t, replicas[1].cmd.Process.Kill(), "a crash: nothing flushed")
	_ = replicas[1].cmd.Wait()
	for _, d := range other[half : half+3] {
		require.Equal(t, http.StatusOK, send(t, func() *http.Request { return d.post(t, lb+"/attendee") }).status, "%s while a replica is down", d.name)
	}
	start(replicas[1])
	time.Sleep(500 * time.Millisecond) // haproxy's check puts it back
	for _, d := range other[half+3:] {
		require.Equal(t, http.StatusOK, send(t, func() *http.Request { return d.post(t, lb+"/attendee") }).status, d.name)
	}

	// What the backends hold.
	for _, tc := range []struct {
		root, name string
		phases     string
		records    string
		n          int
	}{
		{"attendee/bot/bot_3hfP0PXEsNinIZmh", "attendee.bot", "attendee.bot.state", `attendee.bot.id:"bot_3hfP0PXEsNinIZmh"`, len(life)},
		{"attendee/bot/bot_replica_kill", "attendee.bot", "attendee.bot.state", `attendee.bot.id:"bot_replica_kill"`, len(other)},
		{"iotum/conference/1258835", "iotum.conference", "iotum.participant", `iotum.conference.id:"1258835"`, len(conference)},
	} {
		var spans []string
		require.Eventually(t, func() bool { spans = b.trace(tc.root); return count(spans, tc.name) >= 1 },
			30*time.Second, 250*time.Millisecond, "Jaeger has no root span of %s", tc.root)
		time.Sleep(500 * time.Millisecond) // a second root would be there by now
		spans = b.trace(tc.root)
		require.Equal(t, 1, count(spans, tc.name), "one root span for %s: %v", tc.root, spans)
		require.NotZero(t, count(spans, tc.phases), "%s has its phases: %v", tc.root, spans)

		traceID, _ := traceids.Root(tc.root)
		require.Eventually(t, func() bool { return b.logsql(tc.records) >= tc.n }, 30*time.Second, 250*time.Millisecond,
			"VictoriaLogs has not every record of %s", tc.root)
		require.Equal(t, tc.n, b.logsql(tc.records), "no record of %s twice", tc.root)
		require.Equal(t, tc.n, b.logsql(fmt.Sprintf(`trace_id:%q`, traceID.String())), "every record of %s linked to its trace", tc.root)
	}
	require.Equal(t, 8, count(b.trace("attendee/bot/bot_3hfP0PXEsNinIZmh"), "attendee.bot.state"), "every phase of the bot spread over three replicas")

	// Two copies of one delivery at the same instant on two replicas: the
	// storage has no atomic check-and-set, so without claims both emit (58
	// to 80 of 100 here); with claim_settle, only a copy stalled longer than
	// the settle time can. Measured, and checked against what VictoriaLogs
	// holds.
	const pairs = 100
	both := 0
	for i := range pairs {
		id := fmt.Sprintf("msg_race_%d", i)
		var wg sync.WaitGroup
		var answers [2]response
		for j, r := range []*replica{replicas[0], replicas[2]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[j] = send(t, func() *http.Request {
					return signedEventsAir(t, r.base+"/eventsair", id, `{"type":"Event.Race","data":{"raceId":"`+id+`"}}`)
				})
			}()
		}
		wg.Wait()
		require.Equal(t, http.StatusOK, answers[0].status)
		require.Equal(t, http.StatusOK, answers[1].status)
		if !strings.Contains(answers[0].body, "duplicate") && !strings.Contains(answers[1].body, "duplicate") {
			both++
		}
	}
	require.Eventually(t, func() bool { return b.logsql(`event_name:"eventsair.Event.Race"`) >= pairs+both }, 30*time.Second, 250*time.Millisecond)
	require.Equal(t, pairs+both, b.logsql(`event_name:"eventsair.Event.Race"`), "what the answers say is what the backend holds")
	t.Logf("replicas: %d of %d copies sent at the same instant to two replicas were both emitted", both, pairs)
	require.LessOrEqual(t, both, 5, "claims let one copy of a pair through; only a stall longer than claim_settle lets both")
}
