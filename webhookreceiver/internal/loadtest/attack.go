package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/eventhooks/collector/webhookreceiver/internal/attack"
	"github.com/eventhooks/collector/webhookreceiver/internal/proc"
)

var (
	attackMode = flag.Bool("attack", false, "instead of throughput: hostile uploads without a secret (internal/attack) while real deliveries flow, and the peak RSS of the process that serves the receiver")
	uploads    = flag.Int("uploads", 300, "with -attack: hostile uploads at once")
	hold       = flag.Duration("hold", 10*time.Second, "with -attack: how long each upload takes to send its body")
	stall      = flag.Duration("stall", 0, "with -attack: instead, this long a stall (internal/attack.Stall): 100 forged 1 MiB uploads on /attendee that send nothing, a quarter lz4, re-opened when closed, while iotum and Attendee send a delivery every 0.2 s")
)

// serverPID is the process serving the receiver: this one, or the
// distribution's.
var serverPID = os.Getpid()

// runAttack attacks the receiver at base and prints one line.
func runAttack(base string) {
	if *stall > 0 {
		runStall(base)
		return
	}
	before := rssKiB(serverPID, "VmRSS")
	c := attack.Config{Uploads: *uploads, Size: 5_000_000, Hold: *hold, Real: 50, Deadline: *hold + 20*time.Second}
	rep := attack.Run(strings.TrimPrefix(base, "http://"), c)
	where := "in process"
	if *collector != "" {
		where = "otelcol-eventhooks"
	}
	fmt.Printf("attack: %d uploads (5 MB claimed without a secret, 1 MB and 250 kB with forged signatures) sent over %s; %s\n", c.Uploads, c.Hold, rep)
	fmt.Printf("attack: peak RSS of the receiver's process (%s): %d MiB, %d MiB before; max_body_bytes_in_flight 64 MiB\n",
		where, rssKiB(serverPID, "VmHWM")>>10, before>>10)
}

// runStall stalls the receiver at base and prints one line.
func runStall(base string) {
	before := rssKiB(serverPID, "VmRSS")
	rep := attack.Stall(strings.TrimPrefix(base, "http://"), attack.StallConfig{
		Attackers: 100, Length: 1 << 20, Encoding: "lz4", Duration: *stall, Every: 200 * time.Millisecond, Platforms: []string{"iotum", "attendee"},
	})
	where := "in process, the attackers' own memory included"
	if *collector != "" {
		where = "otelcol-eventhooks"
	}
	fmt.Printf("stall: %s over %s; %s\n", "100 forged 1 MiB uploads on /attendee (a quarter lz4)", *stall, rep)
	fmt.Printf("stall: %.1f %% of real deliveries answered 200; peak RSS of the receiver's process (%s): %d MiB, %d MiB before\n",
		100*float64(rep.Accepted)/float64(max(rep.Sent, 1)), where, rssKiB(serverPID, "VmHWM")>>10, before>>10)
}

// rssKiB reads a memory figure of a process (VmRSS now, VmHWM its peak)
// from /proc, in KiB.
func rssKiB(pid int, field string) int64 {
	kib, err := proc.MemoryKiB(pid, field)
	check(err)
	return kib
}
