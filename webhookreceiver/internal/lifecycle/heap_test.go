package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Dues pushed, moved and removed at random come out of first oldest first,
// all of them, and each knows its place; removals enough to compact the
// heap keep it so.
func TestTimelineKeepsTimeOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 4))
	var h timeline
	live := map[*due]bool{}
	at := func() time.Time { return t0.Add(time.Duration(rng.IntN(500)) * time.Second) } // ties too
	for i := range 30000 {
		switch r := rng.IntN(10); {
		case r < 6 && i < 15000 || len(live) == 0: // then mostly removals
			d := &due{at: at(), root: fmt.Sprint(i)}
			h.push(d)
			live[d] = true
		case r < 8:
			for d := range live {
				h.remove(d)
				delete(live, d)
				break
			}
		default:
			for d := range live {
				d.at = at()
				h.fix(d)
				break
			}
		}
		if i%1000 == 0 || i == 29999 {
			for i, s := range h.s {
				if s.d != nil {
					require.Equal(t, i, s.d.i, "a due knows its place")
				}
			}
			require.Equal(t, len(live), h.len())
			got := h.first(len(live), func(*due, int) bool { return true })
			require.Len(t, got, len(live))
			require.True(t, slices.IsSortedFunc(got, func(a, b *due) int { return a.at.Compare(b.at) }), "oldest first")
			if len(got) > 0 {
				require.Equal(t, got[0], h.top())
			}
		}
	}
	for i := range 5 {
		h.push(&due{at: at(), root: fmt.Sprint("more", i)})
	}
	before := h.first(10, func(d *due, n int) bool { return n < 3 })
	require.Len(t, before, 3, "first stops where take says no")
}
