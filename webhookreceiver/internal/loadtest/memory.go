package main

// What an open lifecycle weighs as a user pays for it: opened by a real
// delivery through the receiver's HTTP server, with its delivery key
// remembered by the dedup store and the lifecycle held by the engine, both
// in memory (no storage extension), measured as the heap that stays once
// every delivery is answered.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

// freeEndpoint is a loopback address no one listens on.
func freeEndpoint() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

// receiverBytesPerOpen opens open bots through a started receiver, each
// with its own delivery, and returns the heap they hold per bot.
func receiverBytesPerOpen(open int) float64 {
	endpoint := freeEndpoint()
	f := webhookreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*webhookreceiver.Config)
	check(confmap.NewFromStringMap(map[string]any{
		"endpoint":  endpoint,
		"attendee":  map[string]any{"secrets": []any{loadgen.AttendeeSecret}},
		"lifecycle": map[string]any{"max_open": open * 2},
	}).Unmarshal(cfg))
	set := receivertest.NewNopSettings(f.Type())
	logsSink, err := consumer.NewLogs(func(context.Context, plog.Logs) error { return nil })
	check(err)
	tracesSink, err := consumer.NewTraces(func(context.Context, ptrace.Traces) error { return nil })
	check(err)
	logs, err := f.CreateLogs(context.Background(), set, cfg, logsSink)
	check(err)
	traces, err := f.CreateTraces(context.Background(), set, cfg, tracesSink)
	check(err)
	check(logs.Start(context.Background(), componenttest.NewNopHost()))
	check(traces.Start(context.Background(), componenttest.NewNopHost()))
	defer func() {
		_ = logs.Shutdown(context.Background())
		_ = traces.Shutdown(context.Background())
	}()
	waitListening(endpoint)
	base := "http://" + endpoint

	// The senders and their connections exist before the first reading.
	const senders = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	key, _ := base64.StdEncoding.DecodeString(loadgen.AttendeeSecret)
	send := func(from, to uint64) {
		var next atomic.Uint64
		next.Store(from)
		var wg sync.WaitGroup
		for range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := next.Add(1) - 1; n < to; n = next.Add(1) - 1 {
					body := botDeliveries(1<<40+n, true)[0] // the bot joins: a root and its first phase
					req := loadgen.NewRequest(base+"/attendee", body)
					check(loadgen.SignAttendee(req, key, body))
					if status, err := post(client, req); err != nil || status != http.StatusOK {
						check(fmt.Errorf("a bot's start answered %d: %v", status, err))
					}
				}
			}()
		}
		wg.Wait()
	}
	send(0, 1000) // warm: pools, buffers, the server's connections
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	send(1000, 1000+uint64(open))
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if path := os.Getenv("MEMPROFILE"); path != "" {
		out, err := os.Create(path)
		check(err)
		check(pprof.Lookup("heap").WriteTo(out, 0))
		out.Close()
	}
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(open)
}
