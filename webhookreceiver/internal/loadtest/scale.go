package main

// -stack scale: the table of the lifecycles' scale goals, each a ratio or a
// figure from one run. The first two rows load the receiver through its
// factory and HTTP, as a user's collector runs it, with pipelines that take
// 1 ms per call; the others drive the lifecycle tracker itself, where the
// cost they measure lives.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
	"github.com/eventhooks/collector/webhookreceiver/internal/storagetest"
)

// The slowness the throughput rows run under.
const (
	consumerDelay = time.Millisecond
	storageDelay  = 300 * time.Microsecond
)

func runScale() {
	fmt.Printf("scale: %d senders, %d pairs of %s rounds; %d CPUs, %s\n", *connections, *rounds, *duration, runtime.NumCPU(), runtime.Version())
	fmt.Printf("%-62s %12s %9s  %s\n", "what", "value", "goal", "measured")
	row := func(what, value, goal, detail string) { fmt.Printf("%-62s %12s %9s  %s\n", what, value, goal, detail) }

	ratio, detail := throughputRatio(false)
	row("lifecycle / logs-only deliveries, 1 ms pipelines", fmt.Sprintf("%.2f", ratio), "≥ 0.50", detail)
	ratio, detail = throughputRatio(true)
	row("  the same, storage 300 µs per call", fmt.Sprintf("%.2f", ratio), "≥ 0.50", detail)

	few, many := endCosts(160, 160_000)
	row("ending a root, 160,000 open / 160 open (median)", fmt.Sprintf("%.1f×", float64(many)/float64(few)), "≤ 2×",
		fmt.Sprintf("%s / %s", many, few))
	p99, n, sweep := sweepLatency(100_000)
	row("p99 of deliveries while a sweep expires 100,000", p99.Round(time.Microsecond).String(), "< 5ms",
		fmt.Sprintf("%d deliveries during a %s sweep", n, sweep.Round(time.Millisecond)))
	row("bytes per open lifecycle, through the receiver", fmt.Sprintf("%.0f", receiverBytesPerOpen(100_000)), "< 1024",
		fmt.Sprintf("a bot joined by a delivery over HTTP, its key remembered; 100,000 open (the engine alone: %.0f)", bytesPerOpen(100_000)))
	waiting, kept := bytesPerClosed(100_000)
	row("bytes per ended lifecycle, within its grace / kept as tombstones", fmt.Sprintf("%.0f / %.0f", waiting, kept), "",
		"100,000 bots ended (a span, a phase, a participant), in the engine: until lifecycle.grace, then until lifecycle.timeout")
}

// throughputRatio serves one receiver (attendee only, into pipelines that
// take 1 ms per call, over a slow storage when slowStorage) and sends it, in
// turns, bot lives and logs-only deliveries from -connections senders: the
// median of the pairs' ratios. A bot's life is four deliveries: it joins (a
// start), two utterances (a span each), it ends (its span and its phase);
// every bot is another lifecycle. Logs-only deliveries are bot logs, which
// move no lifecycle.
func throughputRatio(slowStorage bool) (float64, string) {
	base, stop := startSlowReceiver(slowStorage)
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *connections * 2, IdleConnTimeout: time.Minute}}
	send := func(lives bool, d time.Duration) float64 { return sendBots(client, base, lives, d) }
	send(true, *duration/3)
	send(false, *duration/3)
	var ratios []float64
	var lifeRates, logRates []float64
	for i := range *rounds {
		var life, logs float64
		if i%2 == 0 {
			life, logs = send(true, *duration), send(false, *duration)
		} else {
			logs, life = send(false, *duration), send(true, *duration)
		}
		ratios, lifeRates, logRates = append(ratios, life/logs), append(lifeRates, life), append(logRates, logs)
	}
	slices.Sort(ratios)
	slices.Sort(lifeRates)
	slices.Sort(logRates)
	mid := len(ratios) / 2
	return ratios[mid], fmt.Sprintf("%.0f / %.0f deliveries/s (pairs %.2f … %.2f)", lifeRates[mid], logRates[mid], ratios[0], ratios[len(ratios)-1])
}

// startSlowReceiver starts the receiver as a collector does, with both
// pipelines taking consumerDelay per call.
func startSlowReceiver(slowStorage bool) (base string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	endpoint := ln.Addr().String()
	ln.Close()
	f := webhookreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*webhookreceiver.Config)
	check(confmap.NewFromStringMap(map[string]any{
		"endpoint": endpoint,
		"attendee": map[string]any{"secrets": []any{loadgen.AttendeeSecret}},
	}).Unmarshal(cfg))
	host := storageHost{Host: componenttest.NewNopHost()}
	if slowStorage {
		id := component.MustNewID("slow_storage")
		cfg.Storage = &id
		host.ext = map[component.ID]component.Component{id: storagetest.Extension{Client: storagetest.SlowClient{Client: storagetest.NewMapClient(), Delay: storageDelay}}}
	}
	set := receivertest.NewNopSettings(f.Type())
	logsSink, err := consumer.NewLogs(func(context.Context, plog.Logs) error { time.Sleep(consumerDelay); return nil })
	check(err)
	tracesSink, err := consumer.NewTraces(func(context.Context, ptrace.Traces) error { time.Sleep(consumerDelay); return nil })
	check(err)
	logs, err := f.CreateLogs(context.Background(), set, cfg, logsSink)
	check(err)
	traces, err := f.CreateTraces(context.Background(), set, cfg, tracesSink)
	check(err)
	check(logs.Start(context.Background(), host))
	check(traces.Start(context.Background(), host))
	waitListening(endpoint)
	return "http://" + endpoint, func() {
		_ = logs.Shutdown(context.Background())
		_ = traces.Shutdown(context.Background())
	}
}

type storageHost struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.ext }

// bots numbers the bots of the whole run, so that every life is a new one.
var bots atomic.Uint64

// sendBots sends, from -connections senders for d, bot lives (lives) or bot
// logs, and returns the deliveries answered 200 per second.
func sendBots(client *http.Client, base string, lives bool, d time.Duration) float64 {
	key, _ := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range *connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				bot := bots.Add(1)
				for _, body := range botDeliveries(bot, lives) {
					req := loadgen.NewRequest(base+"/attendee", body)
					check(loadgen.SignAttendee(req, key, body))
					if status, err := post(client, req); err == nil && status == http.StatusOK {
						ok.Add(1)
					} else {
						failed.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		fmt.Printf("  %d deliveries failed\n", n)
	}
	return float64(ok.Load()) / time.Since(start).Seconds()
}

// botDeliveries are the four deliveries of a bot's life, or four of its
// logs.
func botDeliveries(bot uint64, lives bool) []string {
	envelope := func(i int, trigger, data string) string {
		return fmt.Sprintf(`{"idempotency_key": "5ca1e000-0000-4000-8000-%06d%06d", "bot_id": "bot_scale%d", "bot_metadata": null, "trigger": %q, "data": %s}`,
			bot%1_000_000, i, bot, trigger, data)
	}
	if !lives {
		out := make([]string, 4)
		for i := range out {
			out[i] = envelope(i, "bot_logs.update", fmt.Sprintf(`{"id": "log-%d", "level": "info", "entry_type": "note", "message": "the bot is fine", "created_at": "2025-07-15T14:%02d:00.000000+00:00"}`, i, i))
		}
		return out
	}
	state := func(i int, from, to string, minute int) string {
		return envelope(i, "bot.state_change", fmt.Sprintf(`{"new_state": %q, "old_state": %q, "created_at": "2025-07-15T14:%02d:00.000000+00:00", "event_type": "e", "event_sub_type": null, "event_metadata": null}`, to, from, minute))
	}
	utterance := func(i, second int) string {
		return envelope(i, "transcript.update", fmt.Sprintf(`{"speaker_name": "Ana", "speaker_uuid": "16778240", "speaker_user_uuid": null, "speaker_is_host": true, "timestamp_ms": %d, "duration_ms": 4250, "transcription": {"transcript": "Let us start."}}`, 1752588000000+int64(second)*1000))
	}
	return []string{state(0, "ready", "joining", 0), utterance(1, 10), utterance(2, 20), state(3, "post_processing", "ended", 30)}
}
