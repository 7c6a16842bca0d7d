package batch_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/batch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a batch function that records every batch it sees and can be
// held on a gate to keep batches in flight.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	gate    chan struct{} // nil: never block
	entered chan int      // receives batch sizes as batches start, if set
	running atomic.Int32
	maxRun  atomic.Int32
}

func (r *recorder) fn(ctx context.Context, in []int) ([]int, error) {
	n := r.running.Add(1)
	defer r.running.Add(-1)
	for {
		m := r.maxRun.Load()
		if n <= m || r.maxRun.CompareAndSwap(m, n) {
			break
		}
	}
	r.mu.Lock()
	r.batches = append(r.batches, append([]int(nil), in...))
	r.mu.Unlock()
	if r.entered != nil {
		r.entered <- len(in)
	}
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	out := make([]int, len(in))
	for i, v := range in {
		out[i] = v * 10
	}
	return out, nil
}

func (r *recorder) seen() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]int(nil), r.batches...)
}

func (r *recorder) saw(v int) bool {
	for _, b := range r.seen() {
		for _, x := range b {
			if x == v {
				return true
			}
		}
	}
	return false
}

func start[In, Out any](t *testing.T, fn batch.Func[In, Out], cfg batch.Config[In]) *batch.Batcher[In, Out] {
	t.Helper()
	b, err := batch.New(fn, cfg)
	require.NoError(t, err)
	require.NoError(t, b.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, b.Stop(ctx))
	})
	return b
}

// submitAsync submits v and reports the result on the returned channel.
func submitAsync(ctx context.Context, b *batch.Batcher[int, int], v int) <-chan error {
	ch := make(chan error, 1)
	go func() {
		out, err := b.Submit(ctx, v)
		if err == nil && out != v*10 {
			err = fmt.Errorf("got %d; want %d", out, v*10)
		}
		ch <- err
	}()
	return ch
}

// waitDepth, inside a synctest bubble, waits until every goroutine of the
// test is blocked and checks that the batcher then holds n queued items.
func waitDepth(t *testing.T, b *batch.Batcher[int, int], n int) {
	t.Helper()
	synctest.Wait()
	require.Equal(t, n, b.QueueDepth(), "queued items once everything settled")
}

// blocked, inside a synctest bubble, says whether ch has nothing to receive
// once every goroutine of the test is blocked: the sender is stuck, not
// merely slow.
func blocked[T any](ch <-chan T) bool {
	synctest.Wait()
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

func TestFlushesWhenBatchIsFull(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 8, MaxDelay: time.Hour})
	var chans []<-chan error
	for i := range 8 {
		chans = append(chans, submitAsync(context.Background(), b, i))
	}
	for _, ch := range chans {
		require.NoError(t, <-ch)
	}
	seen := rec.seen()
	require.Len(t, seen, 1, "8 items with MaxBatchSize 8 and a 1h delay must go out as one batch")
	require.Len(t, seen[0], 8)
	require.Equal(t, int64(1), b.Stats().Flushes["size"])
}

func TestFlushesWhenOldestItemReachesMaxDelay(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		const delay = 30 * time.Millisecond
		b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 100, MaxDelay: delay})
		t0 := time.Now()
		out, err := b.Submit(context.Background(), 7)
		require.NoError(t, err)
		require.Equal(t, 70, out)
		require.Equal(t, delay, time.Since(t0), "a lone item waits exactly MaxDelay")
		require.Equal(t, int64(1), b.Stats().Flushes["delay"])

		// The delay counts from the oldest item: one that joins later goes
		// out with it, not MaxDelay after its own arrival.
		first := submitAsync(context.Background(), b, 1)
		time.Sleep(delay - time.Millisecond)
		second := submitAsync(context.Background(), b, 2)
		waitDepth(t, b, 2)
		time.Sleep(time.Millisecond - 1)
		require.True(t, blocked(first), "flushed before MaxDelay")
		time.Sleep(time.Nanosecond)
		require.NoError(t, <-first)
		require.NoError(t, <-second)
		require.Equal(t, [][]int{{7}, {1, 2}}, rec.seen())
	})
}

func TestIdleBatcherDoesNotWakeUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 4, MaxDelay: time.Millisecond})
		_, err := b.Submit(context.Background(), 1)
		require.NoError(t, err)
		synctest.Wait() // the finished batch's own wake-up is over
		require.Zero(t, b.Stats().InFlight)
		before := b.Wakeups()
		// An hour of the bubble's clock: the original's 1 ms polling would
		// show up as 3.6 million wake-ups.
		time.Sleep(time.Hour)
		synctest.Wait()
		require.Equal(t, before, b.Wakeups(), "idle dispatcher woke up: it is polling")
	})
}

func TestCostBoundsTheBatch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 16)}
		b := start(t, rec.fn, batch.Config[int]{
			MaxBatchSize: 100, MaxDelay: batch.NoDelay,
			Cost: func(v int) int { return v }, MaxBatchCost: 10,
		})
		// The first item (cost 1) holds the only batch slot so the rest queue up.
		first := submitAsync(context.Background(), b, 1)
		<-rec.entered
		var chans []<-chan error
		for _, v := range []int{4, 4, 4, 4, 12} {
			chans = append(chans, submitAsync(context.Background(), b, v))
		}
		waitDepth(t, b, 5)
		close(rec.gate)
		require.NoError(t, <-first)
		for _, ch := range chans {
			require.NoError(t, <-ch)
		}
		for _, bt := range rec.seen() {
			sum := 0
			for _, v := range bt {
				sum += v
			}
			if len(bt) > 1 {
				require.LessOrEqual(t, sum, 10, "batch %v exceeds MaxBatchCost", bt)
			}
		}
		require.True(t, rec.saw(12), "an item costlier than MaxBatchCost must still run, alone")
	})
}

func TestSortKeyGroupsSimilarItems(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 64)}
		b := start(t, rec.fn, batch.Config[int]{
			MaxBatchSize: 4, MaxDelay: batch.NoDelay,
			SortKey: func(v int) int { return v },
		})
		first := submitAsync(context.Background(), b, 500)
		<-rec.entered
		// Interleaved short (1xx) and long (9xx) items.
		vals := []int{101, 901, 102, 902, 103, 903, 104, 904}
		var chans []<-chan error
		for _, v := range vals {
			chans = append(chans, submitAsync(context.Background(), b, v))
			waitDepth(t, b, len(chans))
		}
		close(rec.gate)
		require.NoError(t, <-first)
		for _, ch := range chans {
			require.NoError(t, <-ch)
		}
		for _, bt := range rec.seen()[1:] {
			require.Len(t, bt, 4)
			lo, hi := bt[0]/100, bt[0]/100
			for _, v := range bt {
				lo, hi = min(lo, v/100), max(hi, v/100)
			}
			require.Equal(t, lo, hi, "batch %v mixes short and long items", bt)
		}
	})
}

func TestItemCancelledWhileQueuedIsRemovedBeforeDispatch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 2, MaxDelay: time.Hour, QueueMax: 2, Policy: batch.Reject})
		ctx, cancel := context.WithCancel(context.Background())
		ch := submitAsync(ctx, b, 666)
		waitDepth(t, b, 1)
		cancel()
		require.ErrorIs(t, <-ch, context.Canceled)
		require.Equal(t, 0, b.QueueDepth())
		// Its slot came back: two more items fit and form a full batch.
		a, c := submitAsync(context.Background(), b, 1), submitAsync(context.Background(), b, 2)
		require.NoError(t, <-a)
		require.NoError(t, <-c)
		require.False(t, rec.saw(666), "a cancelled item reached the batch function")
		require.Equal(t, int64(1), b.Stats().Cancelled)
	})
}

func TestExpiredDeadlineNeverReachesTheModel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 4)}
		b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 1, MaxDelay: time.Hour})
		first := submitAsync(context.Background(), b, 1)
		<-rec.entered
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		t0 := time.Now()
		late := submitAsync(ctx, b, 999)
		require.ErrorIs(t, <-late, context.DeadlineExceeded)
		require.Equal(t, 20*time.Millisecond, time.Since(t0), "the caller waits for its deadline, no longer")
		close(rec.gate)
		require.NoError(t, <-first)
		require.False(t, rec.saw(999))
	})
}

func TestRejectPolicyReturnsErrQueueFull(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 4)}
		b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 2, MaxDelay: batch.NoDelay, QueueMax: 2, Policy: batch.Reject})
		a := submitAsync(context.Background(), b, 1)
		<-rec.entered // in flight: counts against QueueMax
		c := submitAsync(context.Background(), b, 2)
		waitDepth(t, b, 1)
		_, err := b.Submit(context.Background(), 3)
		require.ErrorIs(t, err, batch.ErrQueueFull)
		require.Equal(t, int64(1), b.Stats().Rejected)
		close(rec.gate)
		require.NoError(t, <-a)
		require.NoError(t, <-c)
	})
}

func TestBlockPolicyWaitsForRoomWhileContextAllows(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 4)}
		b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 1, MaxDelay: batch.NoDelay, QueueMax: 1})
		a := submitAsync(context.Background(), b, 1)
		<-rec.entered
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		t0 := time.Now()
		_, err := b.Submit(ctx, 2)
		require.ErrorIs(t, err, context.DeadlineExceeded, "a full queue under Block must wait, then honour the deadline")
		require.Equal(t, 20*time.Millisecond, time.Since(t0), "Submit waits for room until its deadline")
		waiting := submitAsync(context.Background(), b, 3)
		require.True(t, blocked(waiting), "Submit returned while the queue was full")
		close(rec.gate)
		require.NoError(t, <-a)
		require.NoError(t, <-waiting)
	})
}

func TestWrongResultCountFailsTheWholeBatch(t *testing.T) {
	t.Parallel()
	short := func(_ context.Context, in []int) ([]int, error) { return make([]int, len(in)-1), nil }
	b := start(t, short, batch.Config[int]{MaxBatchSize: 3, MaxDelay: time.Hour})
	outs, errs := b.InferMany(context.Background(), []int{1, 2, 3})
	require.Len(t, outs, 3)
	for _, err := range errs {
		require.ErrorIs(t, err, batch.ErrResultCount)
		var rc *batch.ResultCountError
		require.ErrorAs(t, err, &rc)
		require.Equal(t, 2, rc.Got)
		require.Equal(t, 3, rc.Want)
		require.Contains(t, err.Error(), "2 results for 3 inputs")
	}
}

func TestPanicFailsTheBatchNotTheProcess(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	fn := func(_ context.Context, in []int) ([]int, error) {
		if calls.Add(1) == 1 {
			panic("model exploded")
		}
		return in, nil
	}
	b := start(t, fn, batch.Config[int]{MaxBatchSize: 1, MaxDelay: batch.NoDelay})
	_, err := b.Submit(context.Background(), 1)
	var pe *batch.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "model exploded", pe.Value)
	require.Contains(t, string(pe.Stack), "batch_test.go", "the stack must point at the panicking code")
	out, err := b.Submit(context.Background(), 2)
	require.NoError(t, err, "the batcher must keep working after a panic")
	require.Equal(t, 2, out)
	require.Equal(t, int64(1), b.Stats().Panics)
}

func TestItemErrorsFailSingleItems(t *testing.T) {
	t.Parallel()
	errOdd := errors.New("odd input")
	fn := func(_ context.Context, in []int) ([]int, error) {
		errs := make([]error, len(in))
		for i, v := range in {
			if v%2 == 1 {
				errs[i] = fmt.Errorf("item %d: %w", v, errOdd)
			}
		}
		return in, batch.JoinItemErrors(errs)
	}
	b := start(t, fn, batch.Config[int]{MaxBatchSize: 4, MaxDelay: time.Hour})
	outs, errs := b.InferMany(context.Background(), []int{2, 3, 4, 5})
	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], errOdd)
	require.NoError(t, errs[2])
	require.ErrorIs(t, errs[3], errOdd)
	require.Equal(t, []int{2, 0, 4, 0}, outs)
}

func TestInferManyKeepsOrderAcrossBatches(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 7, MaxDelay: time.Millisecond, QueueMax: 10})
	in := make([]int, 100) // more than QueueMax: must not deadlock on itself
	for i := range in {
		in[i] = i
	}
	outs, errs := b.InferMany(context.Background(), in)
	for i := range in {
		require.NoError(t, errs[i])
		require.Equal(t, i*10, outs[i])
	}
	for _, bt := range rec.seen() {
		require.LessOrEqual(t, len(bt), 7)
	}
}

func TestInferManyRejectsOverflowPerItem(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 100, MaxDelay: time.Millisecond, QueueMax: 3, Policy: batch.Reject})
	_, errs := b.InferMany(context.Background(), []int{1, 2, 3, 4, 5})
	var ok, full int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, batch.ErrQueueFull):
			full++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	require.Equal(t, 3, ok)
	require.Equal(t, 2, full)
}

func TestMaxConcurrentBatches(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 100)}
				b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 1, MaxDelay: batch.NoDelay, MaxConcurrentBatches: conc})
				var chans []<-chan error
				for i := range 10 {
					chans = append(chans, submitAsync(context.Background(), b, i))
				}
				for range conc {
					<-rec.entered
				}
				waitDepth(t, b, 10-conc)
				require.Equal(t, int32(conc), rec.running.Load())
				close(rec.gate)
				for _, ch := range chans {
					require.NoError(t, <-ch)
				}
				require.Equal(t, int32(conc), rec.maxRun.Load(), "never more than MaxConcurrentBatches at once")
			})
		})
	}
}

func TestStopDrainsQueuedAndInFlightWork(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 4)}
		b, err := batch.New(rec.fn, batch.Config[int]{MaxBatchSize: 10, MaxDelay: time.Hour})
		require.NoError(t, err)
		require.NoError(t, b.Start(context.Background()))
		inFlight := submitAsync(context.Background(), b, 1)
		waitDepth(t, b, 1)
		// Nothing would flush for an hour: Stop must flush without waiting.
		stopped := make(chan error, 1)
		go func() { stopped <- b.Stop(context.Background()) }()
		<-rec.entered // the queued item was flushed by Stop
		_, err = b.Submit(context.Background(), 2)
		require.ErrorIs(t, err, batch.ErrClosed, "Stop must refuse new items")
		require.True(t, blocked(stopped), "Stop returned before the in-flight batch finished")
		close(rec.gate)
		require.NoError(t, <-inFlight, "drained work must succeed")
		require.NoError(t, <-stopped)
		require.NoError(t, b.Stop(context.Background()), "a second Stop is a no-op")
	})
}

func TestStopFailsTheRestWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var batchCtxErr atomic.Value
		entered := make(chan struct{}, 1)
		stuck := func(ctx context.Context, in []int) ([]int, error) {
			entered <- struct{}{}
			<-ctx.Done() // a model that only stops when told to
			batchCtxErr.Store(context.Cause(ctx))
			return nil, ctx.Err()
		}
		b, err := batch.New(stuck, batch.Config[int]{MaxBatchSize: 1, MaxDelay: batch.NoDelay})
		require.NoError(t, err)
		require.NoError(t, b.Start(context.Background()))
		inFlight := submitAsync(context.Background(), b, 1)
		<-entered
		queued := submitAsync(context.Background(), b, 2)
		waitDepth(t, b, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		t0 := time.Now()
		require.ErrorIs(t, b.Stop(ctx), context.DeadlineExceeded)
		require.Equal(t, 30*time.Millisecond, time.Since(t0), "Stop drains until its deadline, then cancels")
		// Stop waited for the batch function: it has seen its cancellation.
		require.NotNil(t, batchCtxErr.Load(), "Stop returned while the batch function still ran")
		require.ErrorIs(t, batchCtxErr.Load().(error), batch.ErrClosed, "the batch context is cancelled with ErrClosed")
		require.ErrorIs(t, <-inFlight, batch.ErrClosed)
		require.ErrorIs(t, <-queued, batch.ErrClosed)
		require.NoError(t, b.Stop(context.Background()), "a later Stop finds the batcher stopped")
	})
}

func TestStopReleasesBlockedSubmitters(t *testing.T) {
	t.Parallel()
	rec := &recorder{gate: make(chan struct{}), entered: make(chan int, 4)}
	b, err := batch.New(rec.fn, batch.Config[int]{MaxBatchSize: 1, MaxDelay: batch.NoDelay, QueueMax: 1})
	require.NoError(t, err)
	require.NoError(t, b.Start(context.Background()))
	a := submitAsync(context.Background(), b, 1)
	<-rec.entered
	blocked := submitAsync(context.Background(), b, 2)
	stopped := make(chan error, 1)
	go func() { stopped <- b.Stop(context.Background()) }()
	require.ErrorIs(t, <-blocked, batch.ErrClosed, "a submitter waiting for room must be told the batcher closed")
	close(rec.gate)
	require.NoError(t, <-a)
	require.NoError(t, <-stopped)
}

func TestSubmitBeforeStart(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b, err := batch.New(rec.fn, batch.Config[int]{})
	require.NoError(t, err)
	_, err = b.Submit(context.Background(), 1)
	require.ErrorIs(t, err, batch.ErrNotStarted)
	require.NoError(t, b.Stop(context.Background()))
	require.ErrorIs(t, b.Start(context.Background()), batch.ErrClosed)
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	cases := []struct {
		cfg  batch.Config[int]
		want string
	}{
		{batch.Config[int]{MaxBatchSize: -1}, "MaxBatchSize -1"},
		{batch.Config[int]{MaxDelay: -5}, "MaxDelay -5ns"},
		{batch.Config[int]{QueueMax: -2}, "QueueMax -2"},
		{batch.Config[int]{MaxConcurrentBatches: -1}, "MaxConcurrentBatches -1"},
		{batch.Config[int]{Policy: 7}, "Policy Policy(7)"},
		{batch.Config[int]{Cost: func(int) int { return 1 }}, "MaxBatchCost 0"},
	}
	for _, c := range cases {
		_, err := batch.New(rec.fn, c.cfg)
		require.Error(t, err)
		require.Contains(t, err.Error(), c.want)
	}
	b, err := batch.New(rec.fn, batch.Config[int]{})
	require.NoError(t, err)
	cfg := b.Config()
	require.Equal(t, 32, cfg.MaxBatchSize)
	require.Equal(t, 50*time.Millisecond, cfg.MaxDelay)
	require.Equal(t, 1000, cfg.QueueMax)
	require.Equal(t, 1, cfg.MaxConcurrentBatches)
	_, err = batch.New[int, int](nil, batch.Config[int]{})
	require.Error(t, err)
}

func TestManyConcurrentSubmitters(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := start(t, rec.fn, batch.Config[int]{MaxBatchSize: 16, MaxDelay: time.Millisecond, QueueMax: 64})
	var wg sync.WaitGroup
	var fails atomic.Int32
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				v := g*1000 + i
				out, err := b.Submit(context.Background(), v)
				if err != nil || out != v*10 {
					fails.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.Zero(t, fails.Load())
	st := b.Stats()
	require.Equal(t, int64(32*200), st.Items)
	require.Greater(t, st.AvgBatchSize, 1.0, "concurrent submitters must be batched together")
	require.Equal(t, int32(1), rec.maxRun.Load())
}

func TestPrometheusCollector(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := start(t, rec.fn, batch.Config[int]{Name: "embedder", MaxBatchSize: 2, MaxDelay: time.Millisecond})
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(b))
	_, errs := b.InferMany(context.Background(), []int{1, 2, 3})
	for _, err := range errs {
		require.NoError(t, err)
	}
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
		if mf.GetName() == "masx_batch_requests_total" {
			require.Equal(t, 3.0, mf.GetMetric()[0].GetCounter().GetValue())
			require.Equal(t, "embedder", mf.GetMetric()[0].GetLabel()[0].GetValue())
		}
	}
	sort.Strings(names)
	for _, want := range []string{
		"masx_batch_requests_total", "masx_batch_batches_total", "masx_batch_items_per_batch",
		"masx_batch_queue_depth", "masx_batch_queue_wait_seconds", "masx_batch_batch_seconds",
		"masx_batch_rejected_total", "masx_batch_cancelled_total", "masx_batch_flushes_total",
	} {
		require.Contains(t, strings.Join(names, " "), want)
	}
}

// BenchmarkSubmit is the batcher's overhead: a no-op model behind it, many
// parallel submitters. Compare with BenchmarkDirect.
func BenchmarkSubmit(b *testing.B) {
	noop := func(_ context.Context, in []int) ([]int, error) { return in, nil }
	bt, err := batch.New(noop, batch.Config[int]{})
	if err != nil {
		b.Fatal(err)
	}
	if err := bt.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = bt.Stop(context.Background()) }()
	b.SetParallelism(32) // 32 × GOMAXPROCS submitters
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := bt.Submit(context.Background(), i); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkDirect calls the same no-op model once per item.
func BenchmarkDirect(b *testing.B) {
	noop := func(_ context.Context, in []int) ([]int, error) { return in, nil }
	b.SetParallelism(32)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			in := []int{i}
			if _, err := noop(context.Background(), in); err != nil {
				b.Error(err)
			}
			i++
		}
	})
}

// TestStartStopStress starts and stops one batcher from many goroutines
// while others submit, as river's startstoptest does: no race, no leak, no
// panic, and every Submit ends with a result or a lifecycle error.
func TestStartStopStress(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b, err := batch.New(rec.fn, batch.Config[int]{MaxBatchSize: 4, MaxDelay: time.Millisecond})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			if g%2 == 0 {
				_ = b.Start(context.Background())
			}
			for i := range 20 {
				_, err := b.Submit(context.Background(), g*100+i)
				if err != nil && !errors.Is(err, batch.ErrClosed) && !errors.Is(err, batch.ErrNotStarted) {
					t.Errorf("Submit: %v", err)
				}
			}
			if g%3 == 0 {
				_ = b.Stop(context.Background())
			}
		})
	}
	wg.Wait()
	require.NoError(t, b.Stop(context.Background()))
}
