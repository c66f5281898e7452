// Command loadtest measures the receiver against a bare net/http handler
// that only reads the body, with the same load generator over loopback, in
// one process, alternating the two, and prints a table and, as its last
// line, "ratio receiver/bare-net-http: X.XX" (`make bench`).
//
// With -collector PATH it measures instead the built distribution (webhook
// receiver → batch → nop exporter) against the bare handler, and with
// -webhookevent PATH the yardstick: the contrib
// webhookevent receiver in a distribution of the same shape.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver"
	"github.com/eventhooks/collector/webhookreceiver/internal/loadgen"
)

var (
	duration    = flag.Duration("duration", 1500*time.Millisecond, "length of each measured round")
	connections = flag.Int("connections", 32, "concurrent keep-alive connections of the load generator")
	paced       = flag.Int("latency-connections", 4, "connections of the paced run at half load, which measures latency: enough to carry that rate (Little's law: about two requests are in flight)")
	rounds      = flag.Int("rounds", 7, "pairs of rounds (bare, receiver) per platform; the median pair ratio is kept")
	collector   = flag.String("collector", "", "path of the otelcol-eventhooks binary: measure the distribution instead of the in-process receiver")
	webhookEvt  = flag.String("webhookevent", "", "path of the otelcol-webhookevent binary: measure the contrib webhookevent receiver's distribution instead")
	cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file; its samples are labelled side=bare|receiver|generator (go tool pprof -tags, -tagfocus side=receiver)")
	only        = flag.String("platform", "", "measure only this platform")
	stack       = flag.String("stack", "handler", "what serves the receiver: handler (its http.Handler in a plain net/http server, as the bare one) or component (its own confighttp server: otelhttp, decompression, limits); scale prints instead the table of the lifecycles' scale goals (scale.go)")
)

// counter makes every delivery key of the run fresh.
var counter atomic.Uint64

// result is one measured round.
type result struct {
	requests      int
	failed        int
	elapsed       time.Duration
	p50, p99      time.Duration
	allocs, bytes float64       // per request, whole process
	cpu           time.Duration // per request, whole process (generator included)
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// median returns the round of median throughput.
func median(rs []result) result {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.rps(), b.rps()) })
	return rs[len(rs)/2]
}

func main() {
	flag.Parse()
	if *stack == "scale" {
		runScale()
		return
	}
	if *stack == "memory" { // the last row of scale, alone
		fmt.Printf("bytes per open lifecycle, through the receiver: %.0f (the engine alone: %.0f)\n", receiverBytesPerOpen(100_000), bytesPerOpen(100_000))
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if *attackMode {
		target, stop := startReceiver()
		defer stop()
		runAttack(target)
		return
	}
	bare := startBare()
	defer bare.Close()
	target, stop := startReceiver()
	defer stop()

	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: *connections * 2, MaxIdleConnsPerHost: *connections * 2, IdleConnTimeout: time.Minute,
	}}
	warm := func(base string, p loadgen.Platform) { run(client, base, p, time.Second/2, 0, *connections) }

	fmt.Printf("load: %d connections, %d pairs of %s rounds, 1 KiB deliveries, fresh delivery keys; %d CPUs, %s\n",
		*connections, *rounds, *duration, runtime.NumCPU(), runtime.Version())
	server, what := "receiver", "receiver "+*stack+" (in process, nop consumer)"
	switch {
	case *collector != "":
		what = "otelcol-eventhooks (batch → nop exporter)"
	case *webhookEvt != "":
		server, what = "webhookevent", "otelcol-webhookevent: contrib webhookevent v0.156.0 (batch → nop exporter), keep-alive on"
	}
	fmt.Printf("%-10s %-12s %10s %9s %9s %12s %9s %11s %11s\n", "platform", "server", "req/s", "p50", "p99", "p99@50%load", "cpu/req", "allocs/req", "bytes/req")
	bases := [2]string{"http://" + bare.Addr().String(), target}
	var ratios, byCPU []float64
	for _, p := range loadgen.Platforms() {
		if *only != "" && p.Name != *only {
			continue
		}
		warm(bases[0], p)
		warm(bases[1], p)
		// Pairs of rounds, bare and receiver back to back, in turns first:
		// the machine's drift (other tenants, a GC) touches both alike, and
		// the median of the pairs' ratios ignores a round that was unlucky.
		var measured [2][]result
		var pairRatios, cpuRatios []float64
		for i := range *rounds {
			var pair [2]result
			for _, s := range [][2]int{{0, 1}, {1, 0}}[i%2] {
				pair[s] = run(client, bases[s], p, *duration, 0, *connections)
				measured[s] = append(measured[s], pair[s])
			}
			pairRatios = append(pairRatios, pair[1].rps()/pair[0].rps())
			cpuRatios = append(cpuRatios, float64(pair[0].cpu)/float64(pair[1].cpu))
		}
		for s, base := range bases {
			typical := median(measured[s])
			half := run(client, base, p, *duration, typical.rps()/2, *paced)
			name := []string{"bare", server}[s]
			fmt.Printf("%-10s %-12s %10.0f %9s %9s %12s %9s %11.1f %11.0f\n", p.Name, name, typical.rps(),
				typical.p50.Round(time.Microsecond), typical.p99.Round(time.Microsecond), half.p99.Round(time.Microsecond),
				typical.cpu.Truncate(100*time.Nanosecond).String(), typical.allocs, typical.bytes)
			if failed := typical.failed + half.failed; failed > 0 {
				fmt.Printf("%-10s %-12s %d requests failed\n", p.Name, name, failed)
			}
			if half.rps() < 0.95*typical.rps()/2 {
				fmt.Printf("%-10s %-12s the paced run reached %.0f of %.0f req/s: its p99 understates\n", p.Name, name, half.rps(), typical.rps()/2)
			}
		}
		slices.Sort(pairRatios)
		slices.Sort(cpuRatios)
		ratio, cpuRatio := pairRatios[len(pairRatios)/2], cpuRatios[len(cpuRatios)/2]
		fmt.Printf("%-10s ratio %.2f (pairs %.2f … %.2f); by CPU per request %.2f\n", p.Name, ratio, pairRatios[0], pairRatios[len(pairRatios)-1], cpuRatio)
		ratios = append(ratios, ratio)
		byCPU = append(byCPU, cpuRatio)
	}
	fmt.Printf("measured: %s against a bare net/http handler that reads the body\n", what)
	fmt.Printf("ratio by CPU per request (steal-proof; generator included): %.2f\n", mean(byCPU))
	fmt.Printf("ratio %s/bare-net-http: %.2f\n", server, mean(ratios))
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// startBare serves a handler that reads the body and answers 200.
func startBare() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go labelled("bare", func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK)
		}))
	})
	return ln
}

// labelled runs f with the CPU profile's label side=what, which the
// goroutines f starts inherit (a server's connections, say): the profile of
// one run then tells the receiver's cost from the bare handler's and the
// generator's.
func labelled(what string, f func()) {
	pprof.Do(context.Background(), pprof.Labels("side", what), func(context.Context) { f() })
}

// startReceiver starts the receiver in process with a nop consumer for both
// signals, or a distribution when -collector or -webhookevent is given.
func startReceiver() (base string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	endpoint := ln.Addr().String()
	ln.Close()
	switch {
	case *collector != "":
		return startDistribution(*collector, eventhooksConfig(endpoint), endpoint)
	case *webhookEvt != "":
		return startDistribution(*webhookEvt, webhookEventConfig(endpoint), endpoint)
	}
	f := webhookreceiver.NewFactory()
	cfg := f.CreateDefaultConfig()
	check(confmap.NewFromStringMap(loadgen.Config(endpoint)).Unmarshal(cfg))
	set := receivertest.NewNopSettings(f.Type())
	logs, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	check(err)
	traces, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	check(err)
	if *stack == "handler" {
		// The receiver's handler alone, served exactly as the bare one is.
		ln, err := net.Listen("tcp", endpoint)
		check(err)
		go labelled("receiver", func() { _ = http.Serve(ln, logs.(http.Handler)) })
		return "http://" + endpoint, func() { ln.Close() }
	}
	labelled("receiver", func() {
		check(logs.Start(context.Background(), componenttest.NewNopHost()))
		check(traces.Start(context.Background(), componenttest.NewNopHost()))
	})
	waitListening(endpoint)
	return "http://" + endpoint, func() {
		_ = logs.Shutdown(context.Background())
		_ = traces.Shutdown(context.Background())
	}
}

// run sends deliveries of p from conns workers for d; with rate > 0 it
// paces them to rate requests per second in all. A request's latency counts
// from when it was sent: counted from when it was due, it would add the
// generator's own delays on this machine (oversleeping, stalls of the shared
// process: milliseconds at times, for the bare handler as well). The caller
// checks by the rate reached that the delays stayed small.
func run(client *http.Client, base string, p loadgen.Platform, d time.Duration, rate float64, conns int) result {
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
	)
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(conns) / rate)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore := cpuTime()
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go labelled("generator", func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			next := time.Now().Add(time.Duration(w) * interval / time.Duration(conns))
			for time.Now().Before(deadline) {
				if interval > 0 {
					if wait := time.Until(next); wait > 0 {
						time.Sleep(wait)
					}
					next = next.Add(interval)
				}
				req := p.Next(base, counter.Add(1))
				t0 := time.Now()
				status, err := post(client, req)
				if err != nil {
					failed.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
				if status != http.StatusOK {
					failed.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpuBefore
	runtime.ReadMemStats(&after)
	slices.Sort(latencies)
	r := result{requests: len(latencies), failed: int(failed.Load()), elapsed: elapsed}
	if n := len(latencies); n > 0 {
		r.p50, r.p99 = latencies[n/2], latencies[n*99/100]
		r.allocs = float64(after.Mallocs-before.Mallocs) / float64(n)
		r.bytes = float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
		r.cpu = cpu / time.Duration(n)
	}
	return r
}

// post sends req and reads the answer through, so that its connection is
// kept for the next one.
func post(client *http.Client, req *http.Request) (status int, err error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// cpuTime is the CPU time the process has used, and the distribution's
// when it serves. Unlike throughput it does not count the time other
// tenants of a shared machine take.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) + serverCPU()
}

// serverCPU is the CPU time of a server in another process; startDistribution
// sets it.
var serverCPU = func() time.Duration { return 0 }

func waitListening(endpoint string) {
	for range 200 {
		if c, err := net.Dial("tcp", endpoint); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	check(fmt.Errorf("nothing listens on %s", endpoint))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}
