package soak

import (
	"fmt"
	"sort"
)

// Found is what the backends hold after a soak: log records per
// webhook.delivery_id, root spans per ended lifecycle's root key.
type Found struct {
	Records map[string]int
	Roots   map[string]int
}

// Report is a soak's outcome.
type Report struct {
	Accepted, Kills int
	// GivenUp are deliveries the platform stopped retrying without a 200:
	// the platform's loss, which it sees, not the collector's.
	GivenUp int
	// Lost are the keys of deliveries answered 200 with fewer records in the
	// backend than they make.
	Lost []string
	// Duplicates are records beyond what the accepted deliveries make;
	// FirstAttemptDuplicates those of deliveries answered 200 at their first
	// attempt, which the receiver saw once: the exporter's queue sent them
	// again (the rest may also come from a platform's retry of a delivery
	// whose 200 a kill cut off).
	Duplicates, FirstAttemptDuplicates int
	// Ended are the lifecycles whose end was answered 200; Rooted those of
	// them with a root span; ExtraRoots the root spans beyond one each.
	Ended, Rooted, ExtraRoots int
	// Unrooted are the root keys of ended lifecycles without a root span.
	Unrooted []string
	// ByPlatform counts accepted deliveries and duplicate records.
	ByPlatform map[string][2]int
}

// Tally holds the results to what was found.
func Tally(results []Result, kills int, found Found) Report {
	r := Report{Kills: kills, ByPlatform: map[string][2]int{}}
	for _, res := range results {
		if !res.Accepted() {
			r.GivenUp++
			continue
		}
		r.Accepted++
		n := found.Records[res.Key]
		counts := r.ByPlatform[res.Platform]
		counts[0]++
		if n < res.Records {
			r.Lost = append(r.Lost, res.Platform+" "+res.Key)
		} else {
			r.Duplicates += n - res.Records
			counts[1] += n - res.Records
			if res.Attempts == 1 {
				r.FirstAttemptDuplicates += n - res.Records
			}
		}
		r.ByPlatform[res.Platform] = counts
		if res.Ends != "" {
			r.Ended++
			switch roots := found.Roots[res.Ends]; {
			case roots == 0:
				r.Unrooted = append(r.Unrooted, res.Ends)
			default:
				r.Rooted++
				r.ExtraRoots += roots - 1
			}
		}
	}
	sort.Strings(r.Lost)
	sort.Strings(r.Unrooted)
	return r
}

// OK is the promise kept: nothing answered 200 is missing, every ended
// lifecycle has its root span.
func (r Report) OK() bool { return len(r.Lost) == 0 && r.Rooted == r.Ended }

// String is the soak's one line.
func (r Report) String() string {
	return fmt.Sprintf("soak: %d deliveries answered 200, %d kills, %d lost, %d duplicate records, %d of %d ended lifecycles with one root span",
		r.Accepted, r.Kills, len(r.Lost), r.Duplicates, r.Rooted, r.Ended)
}

// Details is what the line sums up: per platform, and what the platforms
// gave up on.
func (r Report) Details() string {
	platforms := make([]string, 0, len(r.ByPlatform))
	for p := range r.ByPlatform {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	s := "soak details:"
	for _, p := range platforms {
		s += fmt.Sprintf(" %s %d accepted/%d duplicate records;", p, r.ByPlatform[p][0], r.ByPlatform[p][1])
	}
	return s + fmt.Sprintf(" %d duplicate records of deliveries accepted at their first attempt (sent again by the exporter's queue); %d given up by their platform without a 200; %d root spans emitted more than once",
		r.FirstAttemptDuplicates, r.GivenUp, r.ExtraRoots)
}
