package executor_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/executor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitUntil waits for a state another goroutine is about to reach (a task
// queued, a slot taken). It yields instead of sleeping, and fails the test
// rather than hang if the state never comes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
	}
}

// shutdown shuts p down at test end so no goroutine outlives the test.
func shutdown(t *testing.T, p *executor.Pool) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, p.Shutdown(ctx))
	})
}

func newPool(t *testing.T, limit int) *executor.Pool {
	p := executor.NewPool(t.Name(), limit)
	shutdown(t, p)
	return p
}

// invariant checks that every accepted task ended exactly once.
func invariant(t *testing.T, s executor.Stats) {
	t.Helper()
	require.Zero(t, s.Running, "running")
	require.Zero(t, s.Queued, "queued")
	require.Equal(t, s.Submitted, s.Completed+s.Failed+s.Panicked+s.Cancelled,
		"submitted = completed + failed + panicked + cancelled: %+v", s)
}

var errBad = errors.New("bad item")

func TestRunReturnsResultAndCounts(t *testing.T) {
	t.Parallel()
	p := newPool(t, 2)
	ctx := context.Background()

	v, err := executor.Run(ctx, p, func(context.Context) (string, error) { return "ok", nil })
	require.NoError(t, err)
	require.Equal(t, "ok", v)

	_, err = executor.Run(ctx, p, func(context.Context) (int, error) { return 0, fmt.Errorf("parsing: %w", errBad) })
	require.ErrorIs(t, err, errBad)

	_, err = executor.Run[int](ctx, p, nil)
	require.ErrorContains(t, err, "nil task function")

	s := p.Stats()
	require.Equal(t, executor.Stats{Name: t.Name(), Limit: 2, Submitted: 2, Completed: 1, Failed: 1}, s)
}

// gate lets a test hold tasks inside fn and watch how many are in there.
type gate struct {
	release chan struct{}
	started chan int
	cur     atomic.Int64
	peak    atomic.Int64
}

func newGate(buf int) *gate {
	return &gate{release: make(chan struct{}), started: make(chan int, buf)}
}

func (g *gate) enter(i int) {
	n := g.cur.Add(1)
	for {
		old := g.peak.Load()
		if n <= old || g.peak.CompareAndSwap(old, n) {
			break
		}
	}
	g.started <- i
}

func (g *gate) leave() { g.cur.Add(-1) }

func TestRunBoundRespected(t *testing.T) {
	t.Parallel()
	const limit, tasks = 3, 20
	p := newPool(t, limit)
	g := newGate(tasks)

	var wg sync.WaitGroup
	for i := range tasks {
		wg.Go(func() {
			_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) {
				g.enter(i)
				defer g.leave()
				<-g.release
				return i, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	for range limit {
		<-g.started
	}
	waitUntil(t, "the other tasks queue", func() bool { return p.Stats().Queued == tasks-limit })
	// Every slot is held and the rest are queued: none of them may start.
	require.Empty(t, g.started, "a task started past the limit")
	require.EqualValues(t, limit, p.Stats().Running)

	close(g.release)
	wg.Wait()
	require.EqualValues(t, limit, g.peak.Load(), "peak concurrency")
	invariant(t, p.Stats())
	require.EqualValues(t, tasks, p.Stats().Completed)
}

func TestMapBoundSharedWithRun(t *testing.T) {
	t.Parallel()
	const limit = 4
	p := newPool(t, limit)
	g := newGate(200)
	fn := func(_ context.Context, i int) (int, error) {
		g.enter(i)
		defer g.leave()
		<-g.release
		return i, nil
	}
	items := make([]int, 50)
	for i := range items {
		items[i] = i
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			res, errs := executor.Map(context.Background(), p, items, fn)
			for i := range items {
				if errs[i] != nil || res[i] != i {
					t.Errorf("item %d: %d, %v", i, res[i], errs[i])
				}
			}
		})
	}
	wg.Go(func() {
		if _, err := executor.Run(context.Background(), p, func(ctx context.Context) (int, error) { return fn(ctx, -1) }); err != nil {
			t.Error(err)
		}
	})
	for range limit {
		<-g.started
	}
	// Queued counts every item not started, not only the workers waiting.
	waitUntil(t, "the callers queue", func() bool { return p.Stats().Queued == 3*50+1-limit })
	require.Empty(t, g.started)
	close(g.release)
	wg.Wait()
	require.LessOrEqual(t, g.peak.Load(), int64(limit))
	invariant(t, p.Stats())
	require.EqualValues(t, 151, p.Stats().Completed)
}

func TestMapKeepsInputOrder(t *testing.T) {
	t.Parallel()
	p := newPool(t, 2)
	// Item 0 cannot finish before item 1 has: completion order is reversed.
	oneDone := make(chan struct{})
	res, errs := executor.Map(context.Background(), p, []string{"a", "b"}, func(_ context.Context, s string) (string, error) {
		if s == "a" {
			<-oneDone
		} else {
			defer close(oneDone)
		}
		return strings.ToUpper(s), nil
	})
	require.Equal(t, []string{"A", "B"}, res)
	require.Equal(t, []error{nil, nil}, errs)

	items := make([]int, 500)
	for i := range items {
		items[i] = i
	}
	sq, errs := executor.Map(context.Background(), p, items, func(_ context.Context, i int) (int, error) {
		if i%7 == 0 {
			runtime.Gosched()
		}
		return i * i, nil
	})
	for i := range items {
		require.NoError(t, errs[i])
		require.Equal(t, i*i, sq[i])
	}
	invariant(t, p.Stats())
}

func TestMapPerItemErrors(t *testing.T) {
	t.Parallel()
	p := newPool(t, 3)
	items := []int{0, 1, 2, 3, 4, 5, 6}
	res, errs := executor.Map(context.Background(), p, items, func(_ context.Context, i int) (int, error) {
		if i%2 == 1 {
			return -1, fmt.Errorf("item %d: %w", i, errBad)
		}
		return i * 10, nil
	})
	require.Len(t, errs, len(items))
	for i := range items {
		if i%2 == 1 {
			require.ErrorIs(t, errs[i], errBad)
			require.ErrorContains(t, errs[i], fmt.Sprintf("item %d", i))
			require.Equal(t, -1, res[i], "the result is kept beside its error")
		} else {
			require.NoError(t, errs[i])
			require.Equal(t, i*10, res[i])
		}
	}
	s := p.Stats()
	require.EqualValues(t, 3, s.Failed)
	require.EqualValues(t, 4, s.Completed)
	invariant(t, s)
}

func TestMapEmptyAndBadInput(t *testing.T) {
	t.Parallel()
	p := newPool(t, 1)
	res, errs := executor.Map(context.Background(), p, nil, func(context.Context, int) (int, error) { return 0, nil })
	require.Empty(t, res)
	require.Empty(t, errs)

	_, errs = executor.Map[int, int](context.Background(), p, []int{1, 2}, nil)
	require.Len(t, errs, 2)
	require.ErrorContains(t, errs[0], "nil task function")
	require.ErrorContains(t, errs[1], "nil task function")
	require.Zero(t, p.Stats().Submitted)
}

func TestMapFailFastSequential(t *testing.T) {
	t.Parallel()
	p := newPool(t, 1) // one worker: items run strictly in order
	var calls atomic.Int64
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	res, errs := executor.Map(context.Background(), p, items, func(_ context.Context, i int) (int, error) {
		calls.Add(1)
		if i == 3 {
			return 0, errBad
		}
		return i, nil
	}, executor.FailFast())
	require.EqualValues(t, 4, calls.Load(), "items after the failure must not start")
	for i := range 3 {
		require.NoError(t, errs[i])
		require.Equal(t, i, res[i])
	}
	require.ErrorIs(t, errs[3], errBad)
	for i := 4; i < 10; i++ {
		require.ErrorIs(t, errs[i], executor.ErrFailFast, "item %d", i)
		require.ErrorIs(t, errs[i], context.Canceled, "item %d", i)
		require.ErrorContains(t, errs[i], "item 3 failed first")
	}
	s := p.Stats()
	require.EqualValues(t, 1, s.Failed)
	require.EqualValues(t, 6, s.Cancelled)
	invariant(t, s)
}

func TestMapFailFastCancelsRunningItems(t *testing.T) {
	t.Parallel()
	p := newPool(t, 2)
	running := make(chan struct{})
	_, errs := executor.Map(context.Background(), p, []int{0, 1}, func(ctx context.Context, i int) (int, error) {
		if i == 0 {
			<-running // fail only once item 1 is inside fn
			return 0, errBad
		}
		close(running)
		<-ctx.Done()
		return 0, context.Cause(ctx)
	}, executor.FailFast())
	require.ErrorIs(t, errs[0], errBad)
	require.ErrorIs(t, errs[1], executor.ErrFailFast)
	s := p.Stats()
	require.EqualValues(t, 1, s.Failed)
	require.EqualValues(t, 1, s.Cancelled)
	invariant(t, s)
}

func TestMapWithoutFailFastRunsEverything(t *testing.T) {
	t.Parallel()
	p := newPool(t, 1)
	var calls atomic.Int64
	_, errs := executor.Map(context.Background(), p, []int{0, 1, 2}, func(context.Context, int) (int, error) {
		calls.Add(1)
		return 0, errBad
	})
	require.EqualValues(t, 3, calls.Load())
	for _, err := range errs {
		require.ErrorIs(t, err, errBad)
	}
}

func TestMapCancelledContext(t *testing.T) {
	t.Parallel()
	p := newPool(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int64
	_, errs := executor.Map(ctx, p, []int{1, 2, 3}, func(context.Context, int) (int, error) {
		calls.Add(1)
		return 0, nil
	})
	require.Zero(t, calls.Load())
	for _, err := range errs {
		require.ErrorIs(t, err, context.Canceled)
	}
	s := p.Stats()
	require.EqualValues(t, 3, s.Cancelled)
	invariant(t, s)
}

func TestPanicBecomesPanicError(t *testing.T) {
	t.Parallel()
	p := newPool(t, 2)
	_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) {
		panicky()
		return 1, nil
	})
	var pe *executor.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "boom", pe.Value)
	require.Contains(t, err.Error(), "boom")
	require.Contains(t, string(pe.Stack), "panicky", "the stack names the panicking function")

	// panic(err) stays matchable.
	_, err = executor.Run(context.Background(), p, func(context.Context) (int, error) { panic(errBad) })
	require.ErrorIs(t, err, errBad)
	require.ErrorAs(t, err, &pe)

	_, errs := executor.Map(context.Background(), p, []int{0, 1, 2}, func(_ context.Context, i int) (int, error) {
		if i == 1 {
			var m map[string]int
			//lint:ignore SA5000 the test panics on purpose
			m["x"] = 1 // a runtime panic: assignment to a nil map
		}
		return i, nil
	})
	require.NoError(t, errs[0])
	require.NoError(t, errs[2])
	require.ErrorAs(t, errs[1], &pe)
	require.Contains(t, errs[1].Error(), "nil map")

	s := p.Stats()
	require.EqualValues(t, 3, s.Panicked)
	require.EqualValues(t, 2, s.Completed)
	invariant(t, s)
}

func panicky() { panic("boom") }

func TestQueuedTaskWithEndedContextNeverStarts(t *testing.T) {
	t.Parallel()
	p := newPool(t, 1)
	release := make(chan struct{})
	holder := make(chan error, 1)
	inside := make(chan struct{})
	go func() {
		_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) {
			close(inside)
			<-release
			return 0, nil
		})
		holder <- err
	}()
	<-inside

	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	queued := make(chan error, 1)
	go func() {
		_, err := executor.Run(ctx, p, func(context.Context) (int, error) { ran.Store(true); return 0, nil })
		queued <- err
	}()
	waitUntil(t, "the second task queues", func() bool { return p.Stats().Queued == 1 })
	cancel()
	require.ErrorIs(t, <-queued, context.Canceled)
	require.Zero(t, p.Stats().Queued)

	close(release)
	require.NoError(t, <-holder)
	require.False(t, ran.Load(), "a task whose context ended in the queue ran")

	// A context that has already ended never takes even a free slot.
	_, err := executor.Run(ctx, p, func(context.Context) (int, error) { ran.Store(true); return 0, nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, ran.Load())

	s := p.Stats()
	require.EqualValues(t, 2, s.Cancelled)
	invariant(t, s)
}

func TestRunReturnsPromptlyWhenContextEndsWhileRunning(t *testing.T) {
	t.Parallel()
	p := executor.NewPool("prompt", 1)
	ctx, cancel := context.WithCancel(context.Background())
	inside := make(chan struct{})
	sawCancel := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := executor.Run(ctx, p, func(tctx context.Context) (int, error) {
			close(inside)
			<-tctx.Done()
			close(sawCancel)
			<-release // a task that is slow to give up
			return 0, tctx.Err()
		})
		done <- err
	}()
	<-inside
	cancel()
	require.ErrorIs(t, <-done, context.Canceled, "Run must return while the task still runs")
	<-sawCancel
	require.EqualValues(t, 1, p.Stats().Running, "the abandoned task still holds its slot")

	// The pool still owns the task: Shutdown waits for it.
	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(context.Background()) }()
	waitUntil(t, "Shutdown begins", p.Closed)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a task was running", err)
	default:
	}
	close(release)
	require.NoError(t, <-shut)
	s := p.Stats()
	require.EqualValues(t, 1, s.Cancelled)
	invariant(t, s)
}

func TestShutdownRefusesNewWork(t *testing.T) {
	t.Parallel()
	p := executor.NewPool("closed", 2)
	require.False(t, p.Closed())
	require.NoError(t, p.Shutdown(context.Background()))
	require.True(t, p.Closed())
	require.NoError(t, p.Shutdown(context.Background()), "double Shutdown")

	_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) { return 0, nil })
	require.ErrorIs(t, err, executor.ErrClosed)
	require.ErrorContains(t, err, `"closed"`)

	_, errs := executor.Map(context.Background(), p, []int{1, 2}, func(context.Context, int) (int, error) { return 0, nil })
	for _, err := range errs {
		require.ErrorIs(t, err, executor.ErrClosed)
	}
	require.Equal(t, executor.Stats{Name: "closed", Limit: 2}, p.Stats(), "refused work is not counted")
}

func TestShutdownDrainsRunningAndQueued(t *testing.T) {
	t.Parallel()
	p := executor.NewPool("drain", 1)
	release := make(chan struct{})
	inside := make(chan struct{})
	results := make(chan error, 2)
	go func() {
		_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) {
			close(inside)
			<-release
			return 1, nil
		})
		results <- err
	}()
	<-inside
	var queuedRan atomic.Bool
	go func() {
		_, err := executor.Run(context.Background(), p, func(ctx context.Context) (int, error) {
			queuedRan.Store(true)
			return 2, ctx.Err()
		})
		results <- err
	}()
	waitUntil(t, "the second task queues", func() bool { return p.Stats().Queued == 1 })

	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(context.Background()) }()
	waitUntil(t, "Shutdown begins", p.Closed)
	close(release)
	require.NoError(t, <-shut)
	require.NoError(t, <-results)
	require.NoError(t, <-results)
	require.True(t, queuedRan.Load(), "work accepted before Shutdown must still run")
	s := p.Stats()
	require.EqualValues(t, 2, s.Completed)
	invariant(t, s)
}

func TestShutdownCancelsWhatIsLeftWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	p := executor.NewPool("cancel", 1)
	inside := make(chan struct{})
	cause := make(chan error, 1)
	release := make(chan struct{})
	running := make(chan error, 1)
	go func() {
		_, err := executor.Run(context.Background(), p, func(ctx context.Context) (int, error) {
			close(inside)
			<-ctx.Done()
			cause <- context.Cause(ctx)
			<-release
			return 0, ctx.Err()
		})
		running <- err
	}()
	<-inside
	var queuedRan atomic.Bool
	queued := make(chan error, 1)
	go func() {
		_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) { queuedRan.Store(true); return 0, nil })
		queued <- err
	}()
	waitUntil(t, "the second task queues", func() bool { return p.Stats().Queued == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(ctx) }()

	require.ErrorIs(t, <-cause, executor.ErrClosed, "the running task's context is cancelled by Shutdown")
	require.ErrorIs(t, <-queued, executor.ErrClosed, "the queued task is dropped")
	require.False(t, queuedRan.Load())
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the running task returned", err)
	default:
	}
	close(release)
	require.ErrorIs(t, <-shut, context.DeadlineExceeded)
	require.ErrorIs(t, <-running, context.Canceled)

	s := p.Stats()
	require.EqualValues(t, 2, s.Cancelled)
	invariant(t, s)
	require.NoError(t, p.Shutdown(ctx), "a second Shutdown finds the pool idle, even with an expired context")
}

func TestShutdownDuringMap(t *testing.T) {
	t.Parallel()
	p := executor.NewPool("map-shutdown", 2)
	inside := make(chan struct{}, 2)
	var calls atomic.Int64
	items := make([]int, 10)
	type mapped struct {
		res  []int
		errs []error
	}
	out := make(chan mapped, 1)
	go func() {
		res, errs := executor.Map(context.Background(), p, items, func(ctx context.Context, _ int) (int, error) {
			calls.Add(1)
			inside <- struct{}{}
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
		out <- mapped{res, errs}
	}()
	<-inside
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, p.Shutdown(ctx), context.Canceled)
	m := <-out
	require.EqualValues(t, 2, calls.Load(), "no item may start after Shutdown gave up")
	for i, err := range m.errs {
		require.ErrorIs(t, err, executor.ErrClosed, "item %d", i)
	}
	s := p.Stats()
	require.EqualValues(t, 10, s.Cancelled)
	invariant(t, s)
}

func TestConcurrentShutdowns(t *testing.T) {
	t.Parallel()
	p := executor.NewPool("many", 4)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				_, _ = executor.Run(context.Background(), p, func(context.Context) (int, error) { return 0, nil })
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			if err := p.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	invariant(t, p.Stats())
}

func TestConcurrentRunsUnderRace(t *testing.T) {
	t.Parallel()
	p := newPool(t, 4)
	const callers, each = 32, 40
	var sum atomic.Int64
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				v, err := executor.Run(context.Background(), p, func(context.Context) (int, error) { return c*each + i, nil })
				if err != nil {
					t.Error(err)
					return
				}
				sum.Add(int64(v))
			}
		})
	}
	wg.Wait()
	n := callers * each
	require.EqualValues(t, n*(n-1)/2, sum.Load())
	s := p.Stats()
	require.EqualValues(t, n, s.Completed)
	invariant(t, s)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	e, err := executor.New(executor.Config{})
	require.NoError(t, err)
	require.Equal(t, "io", e.IO.Name())
	require.Equal(t, executor.DefaultMaxThreads, e.IO.Limit())
	require.Equal(t, "cpu", e.CPU.Name())
	require.Equal(t, executor.DefaultMaxProcs, e.CPU.Limit())
	require.NoError(t, e.Shutdown(context.Background()))

	e, err = executor.New(executor.Config{MaxThreads: 7, MaxProcs: 1})
	require.NoError(t, err)
	require.Equal(t, 7, e.IO.Limit())
	require.Equal(t, 1, e.CPU.Limit())
	require.NoError(t, e.Shutdown(context.Background()))

	for _, tt := range []struct {
		cfg   executor.Config
		field string
	}{
		{executor.Config{MaxThreads: -1}, "MaxThreads = -1"},
		{executor.Config{MaxProcs: -3}, "MaxProcs = -3"},
	} {
		_, err := executor.New(tt.cfg)
		require.ErrorIs(t, err, executor.ErrInvalidConfig)
		require.ErrorContains(t, err, tt.field)
	}
}

func TestNewPoolLimit(t *testing.T) {
	t.Parallel()
	_, err := executor.NewPoolSafely("zero", 0)
	require.ErrorContains(t, err, `"zero"`)
	require.ErrorContains(t, err, "limit 0")
	require.PanicsWithError(t, err.Error(), func() { executor.NewPool("zero", 0) })
}

func TestExecutorsShutdownCancelsBoth(t *testing.T) {
	t.Parallel()
	e, err := executor.New(executor.Config{MaxThreads: 1, MaxProcs: 1})
	require.NoError(t, err)
	causes := make(chan error, 2)
	inside := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, p := range []*executor.Pool{e.IO, e.CPU} {
		wg.Go(func() {
			_, _ = executor.Run(context.Background(), p, func(ctx context.Context) (int, error) {
				inside <- struct{}{}
				<-ctx.Done()
				causes <- context.Cause(ctx)
				return 0, ctx.Err()
			})
		})
	}
	<-inside
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = e.Shutdown(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "shutting down the executors")
	require.ErrorIs(t, <-causes, executor.ErrClosed)
	require.ErrorIs(t, <-causes, executor.ErrClosed)
	wg.Wait()
	_, err = executor.Run(context.Background(), e.CPU, func(context.Context) (int, error) { return 0, nil })
	require.ErrorIs(t, err, executor.ErrClosed)
	require.NoError(t, e.Shutdown(context.Background()))
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e, err := executor.New(executor.Config{MaxThreads: 3, MaxProcs: 2})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Shutdown(context.Background())) })
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, e.Register(reg))
	require.Error(t, e.Register(reg), "registering twice must fail")

	ctx := context.Background()
	_, _ = executor.Run(ctx, e.IO, func(context.Context) (int, error) { return 0, nil })
	_, _ = executor.Run(ctx, e.IO, func(context.Context) (int, error) { return 0, errBad })
	_, _ = executor.Map(ctx, e.CPU, []int{1, 2, 3}, func(_ context.Context, i int) (int, error) {
		if i == 2 {
			panic("two")
		}
		return i, nil
	})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = executor.Run(cancelled, e.CPU, func(context.Context) (int, error) { return 0, nil })

	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()+"{"+poolLabel(m)+"}"] = value(m)
		}
	}
	want := map[string]float64{
		"masx_executor_limit{io}": 3, "masx_executor_limit{cpu}": 2,
		"masx_executor_running{io}": 0, "masx_executor_running{cpu}": 0,
		"masx_executor_queued{io}": 0, "masx_executor_queued{cpu}": 0,
		"masx_executor_tasks_submitted_total{io}": 2, "masx_executor_tasks_submitted_total{cpu}": 4,
		"masx_executor_tasks_completed_total{io}": 1, "masx_executor_tasks_completed_total{cpu}": 2,
		"masx_executor_tasks_failed_total{io}": 1, "masx_executor_tasks_failed_total{cpu}": 0,
		"masx_executor_tasks_panicked_total{io}": 0, "masx_executor_tasks_panicked_total{cpu}": 1,
		"masx_executor_tasks_cancelled_total{io}": 0, "masx_executor_tasks_cancelled_total{cpu}": 1,
	}
	require.Equal(t, want, got)
}

func poolLabel(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "pool" {
			return l.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	if m.Gauge != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetCounter().GetValue()
}
