package webhookreceiver

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// unlimited is a reservation against a budget nothing else uses.
func unlimited() *reservation { return &reservation{budget: &bodyBudget{limit: 1 << 40}} }

func TestClaimedLengthIsNotAllocatedUpFront(t *testing.T) {
	buf, err := readBody(strings.NewReader("{}"), 5<<20, 5<<20, nil, unlimited(), nil)
	require.NoError(t, err)
	require.Equal(t, "{}", string(buf))
	require.LessOrEqual(t, cap(buf), maxPooledBody)
	_, err = readBody(strings.NewReader("{}"), 6<<20, 5<<20, nil, unlimited(), nil)
	var tooLarge *http.MaxBytesError
	require.ErrorAs(t, err, &tooLarge)
}

// countingReader is an endless body that counts what was read of it.
type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

func TestReadBodyBounds(t *testing.T) {
	const limit = 10_000 // not a multiple of any buffer size
	for _, tc := range []struct {
		name string
		size int
		ok   bool
	}{{"empty", 0, true}, {"at the limit", limit, true}, {"one past it", limit + 1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			buf, err := readBody(strings.NewReader(strings.Repeat("a", tc.size)), -1, limit, nil, unlimited(), nil)
			if !tc.ok {
				var tooLarge *http.MaxBytesError
				require.ErrorAs(t, err, &tooLarge)
				return
			}
			require.NoError(t, err)
			require.Len(t, buf, tc.size)
		})
	}
	t.Run("endless", func(t *testing.T) {
		body := &countingReader{}
		_, err := readBody(body, -1, limit, nil, unlimited(), nil)
		var tooLarge *http.MaxBytesError
		require.ErrorAs(t, err, &tooLarge)
		require.Equal(t, limit+1, body.n, "reading stops one byte past the limit")
	})
}

// A declared length is neither reserved nor allocated before it arrives:
// an upload that claims the whole budget and stalls holds its first read's
// buffer alone, and a real body beside it is read in full.
func TestReadBodyReservesWhatArrives(t *testing.T) {
	budget := &bodyBudget{limit: 1 << 20}
	stalled := &reservation{budget: budget}
	buf, err := readBody(&stallingReader{n: 10}, 1<<20, 4<<20, nil, stalled, nil)
	require.ErrorIs(t, err, errTooSlow)
	require.Len(t, buf, 10)
	require.LessOrEqual(t, cap(buf), firstRead, "allocated for what arrived, not for what it claimed")
	require.Equal(t, int64(firstRead), budget.used.Load(), "held: its first read")

	res := &reservation{budget: budget}
	_, err = readBody(strings.NewReader(strings.Repeat("a", 700<<10)), 700<<10, 4<<20, nil, res, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, budget.used.Load(), int64(700<<10), "held while the delivery is handled")
	other := &reservation{budget: budget}
	_, err = readBody(&countingReader{}, 700<<10, 4<<20, nil, other, nil)
	require.ErrorIs(t, err, errOverBudget, "the two do not fit together")
	require.Less(t, budget.used.Load()-stalled.held-res.held, int64(700<<10), "the refused one read no further than the room left")
	for _, r := range []*reservation{stalled, res, other} {
		r.release()
	}
	require.Zero(t, budget.used.Load())
}

// stallingReader gives n bytes, then fails as a connection whose read
// deadline passed.
type stallingReader struct{ n int }

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.n == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	k := min(len(p), s.n)
	for i := range k {
		p[i] = ' '
	}
	s.n -= k
	return k, nil
}

// Requests of platforms whose headers show only a signature's form hold at
// most half of the budget between them; once verified, theirs leaves that
// half, and token-checked requests can always use the rest.
func TestUnverifiedBodiesHoldHalfTheBudget(t *testing.T) {
	budget := &bodyBudget{limit: 1000}
	stranger := &reservation{budget: budget, unverified: true}
	require.True(t, stranger.cover(500))
	require.False(t, (&reservation{budget: budget, unverified: true}).cover(1), "the strangers' half is full")
	known := &reservation{budget: budget}
	require.True(t, known.cover(500), "the other half is the known senders'")
	require.False(t, known.cover(501))
	stranger.verified()
	require.Zero(t, budget.unverified.Load(), "verified: no longer a stranger's")
	require.True(t, (&reservation{budget: budget, unverified: true}).cover(0))
	stranger.release()
	known.release()
	require.Zero(t, budget.used.Load())
	require.Zero(t, budget.unverified.Load())

	// A decoder's memory is held beside the body's and released with it.
	r := &reservation{budget: budget, unverified: true}
	require.True(t, r.hold(300))
	require.True(t, r.cover(200))
	require.Equal(t, int64(500), budget.unverified.Load())
	require.False(t, r.cover(201), "decoder and body together within the half")
	r.release()
	require.Zero(t, budget.used.Load())
}

// A body is paced: the deadline starts at grace and moves on by what
// arrived at the minimum rate, and is lifted once the body is read.
func TestPace(t *testing.T) {
	conn := &deadlines{}
	start := time.Unix(1000, 0)
	p := &pace{conn: conn, start: start, grace: 5 * time.Second, rate: 1000}
	buf, err := readBody(strings.NewReader(strings.Repeat("a", 10_000)), -1, 1<<20, nil, unlimited(), p)
	require.NoError(t, err)
	require.Len(t, buf, 10_000)
	require.Equal(t, start.Add(5*time.Second), conn.set[0], "nothing arrived yet: grace")
	require.Equal(t, start.Add(5*time.Second+time.Duration(len(buf))*time.Millisecond), conn.set[len(conn.set)-1], "then a millisecond a byte")
	p.done()
	require.True(t, conn.set[len(conn.set)-1].IsZero(), "lifted")
}

type deadlines struct{ set []time.Time }

func (d *deadlines) SetReadDeadline(t time.Time) error { d.set = append(d.set, t); return nil }

// A body without a length (chunked, or decompressed) grows its reservation
// as it arrives, and stops being read when the budget has no more room.
func TestReadBodyGrowsTheReservationOfAnUndeclaredLength(t *testing.T) {
	budget := &bodyBudget{limit: 1 << 20}
	res := &reservation{budget: budget}
	body := &countingReader{}
	_, err := readBody(body, -1, 8<<20, nil, res, nil)
	require.ErrorIs(t, err, errOverBudget)
	require.LessOrEqual(t, body.n, 1<<20, "read no further than the budget")
	require.LessOrEqual(t, budget.used.Load(), int64(1<<20))
	res.release()
	require.Zero(t, budget.used.Load())

	// A small one stays in its pooled buffer and holds its first read.
	buf, err := readBody(strings.NewReader(`{"a":1}`), -1, 8<<20, make([]byte, 0, 4096), res, nil)
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, string(buf))
	require.Equal(t, int64(firstRead), res.held)
}

// Reservations from many goroutines never take more than the budget, and
// all of it comes back.
func TestBodyBudgetUnderContention(t *testing.T) {
	budget := &bodyBudget{limit: 10_000}
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := int64(0)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				res := &reservation{budget: budget}
				if res.cover(int64(100 + (g*i)%3000)) {
					mu.Lock()
					peak = max(peak, budget.used.Load())
					mu.Unlock()
				}
				res.release()
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, peak, int64(10_000))
	require.Positive(t, peak)
	require.Zero(t, budget.used.Load())
}

// A body of the largest size allowed fits a budget of just that size,
// whether its length is declared or not, and holds no more than it is.
func TestReadBodyOfTheLargestSizeFitsItsBudget(t *testing.T) {
	const limit = 5 << 20
	for _, declared := range []int64{limit, -1} {
		for _, size := range []int{limit, limit - 700_000} { // over 4 MiB: past the last doubling
			budget := &bodyBudget{limit: limit}
			res := &reservation{budget: budget}
			buf, err := readBody(strings.NewReader(strings.Repeat("a", size)), min(declared, int64(size)), limit, nil, res, nil)
			require.NoError(t, err, "declared %d, size %d", declared, size)
			require.Len(t, buf, size)
			require.LessOrEqual(t, budget.used.Load(), int64(limit))
			if declared > 0 {
				require.LessOrEqual(t, cap(buf), size+1, "no room beyond the declared length")
				require.Equal(t, int64(size), budget.used.Load(), "holds what it declared")
			}
			res.release()
		}
	}
}

// A reader that gives more than its declared length (never net/http's) is
// read as a body without one: to the limit, and reserved as it grows.
func TestReadBodyLongerThanDeclared(t *testing.T) {
	budget := &bodyBudget{limit: 1 << 20}
	res := &reservation{budget: budget}
	buf, err := readBody(strings.NewReader(strings.Repeat("a", 300_000)), 1000, 1<<20, nil, res, nil)
	require.NoError(t, err)
	require.Len(t, buf, 300_000)
	require.GreaterOrEqual(t, res.held, int64(300_000), "what it holds is reserved")
	res.release()
	_, err = readBody(&countingReader{}, 1000, 10_000, nil, res, nil)
	var tooLarge *http.MaxBytesError
	require.ErrorAs(t, err, &tooLarge)
}
