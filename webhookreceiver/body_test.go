package webhookreceiver

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// unlimited is a reservation against a budget nothing else uses.
func unlimited() *reservation { return &reservation{budget: &bodyBudget{limit: 1 << 40}} }

func TestClaimedLengthIsNotAllocatedUpFront(t *testing.T) {
	buf, err := readBody(strings.NewReader("{}"), 5<<20, 5<<20, nil, unlimited())
	require.NoError(t, err)
	require.Equal(t, "{}", string(buf))
	require.LessOrEqual(t, cap(buf), maxPooledBody)
	_, err = readBody(strings.NewReader("{}"), 6<<20, 5<<20, nil, unlimited())
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
			buf, err := readBody(strings.NewReader(strings.Repeat("a", tc.size)), -1, limit, nil, unlimited())
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
		_, err := readBody(body, -1, limit, nil, unlimited())
		var tooLarge *http.MaxBytesError
		require.ErrorAs(t, err, &tooLarge)
		require.Equal(t, limit+1, body.n, "reading stops one byte past the limit")
	})
}

// A declared length the budget cannot take is refused before a byte is
// read; one it can take is held until released.
func TestReadBodyReservesTheDeclaredLength(t *testing.T) {
	budget := &bodyBudget{limit: 1 << 20}
	res := &reservation{budget: budget}
	body := &countingReader{}
	_, err := readBody(body, 2<<20, 4<<20, nil, res)
	require.ErrorIs(t, err, errOverBudget)
	require.Zero(t, body.n, "nothing read")
	require.Zero(t, budget.used.Load(), "nothing held")

	_, err = readBody(strings.NewReader(strings.Repeat("a", 700<<10)), 700<<10, 4<<20, nil, res)
	require.NoError(t, err)
	require.GreaterOrEqual(t, budget.used.Load(), int64(700<<10), "held while the delivery is handled")
	other := &reservation{budget: budget}
	_, err = readBody(&countingReader{}, 700<<10, 4<<20, nil, other)
	require.ErrorIs(t, err, errOverBudget, "the two do not fit together")
	res.release()
	require.Zero(t, budget.used.Load())
}

// A body without a length (chunked, or decompressed) grows its reservation
// as it arrives, and stops being read when the budget has no more room.
func TestReadBodyGrowsTheReservationOfAnUndeclaredLength(t *testing.T) {
	budget := &bodyBudget{limit: 1 << 20}
	res := &reservation{budget: budget}
	body := &countingReader{}
	_, err := readBody(body, -1, 8<<20, nil, res)
	require.ErrorIs(t, err, errOverBudget)
	require.LessOrEqual(t, body.n, 1<<20, "read no further than the budget")
	require.LessOrEqual(t, budget.used.Load(), int64(1<<20))
	res.release()
	require.Zero(t, budget.used.Load())

	// A small one stays in its pooled buffer and holds nothing.
	buf, err := readBody(strings.NewReader(`{"a":1}`), -1, 8<<20, make([]byte, 0, 4096), res)
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, string(buf))
	require.Zero(t, res.held)
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
			buf, err := readBody(strings.NewReader(strings.Repeat("a", size)), min(declared, int64(size)), limit, nil, res)
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
	buf, err := readBody(strings.NewReader(strings.Repeat("a", 300_000)), 1000, 1<<20, nil, res)
	require.NoError(t, err)
	require.Len(t, buf, 300_000)
	require.GreaterOrEqual(t, res.held, int64(300_000), "what it holds is reserved")
	res.release()
	_, err = readBody(&countingReader{}, 1000, 10_000, nil, res)
	var tooLarge *http.MaxBytesError
	require.ErrorAs(t, err, &tooLarge)
}
