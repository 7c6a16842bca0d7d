package startstop_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/startstop"
	"github.com/masx-ai/masx/concurrency/startstop/startstoptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errWorkerClosed = errors.New("worker closed")

// worker is the smallest component on a Lifecycle: one goroutine that
// runs jobs, each until it is done or cancelled.
type worker struct {
	life startstop.Lifecycle

	jobs     chan chan struct{} // a job ends when its channel is closed
	quit     chan struct{}      // closed by stop: take no more jobs
	cancel   chan struct{}      // closed on abort: cancel the job running
	done     chan struct{}      // closed when the goroutine returned
	entered  chan struct{}
	returned atomic.Bool
	stopErr  error // what stop returns
	starts   atomic.Int32
}

func newWorker() *worker {
	return &worker{
		jobs: make(chan chan struct{}), quit: make(chan struct{}), cancel: make(chan struct{}),
		done: make(chan struct{}), entered: make(chan struct{}, 1),
	}
}

func (w *worker) Start(ctx context.Context) error {
	err := w.life.Start(func() error {
		w.starts.Add(1)
		go w.loop()
		return nil
	})
	if err != nil {
		return errors.Join(errWorkerClosed, err)
	}
	return nil
}

func (w *worker) Stop(ctx context.Context) error {
	return w.life.Stop(ctx, func(abort context.Context) error {
		close(w.quit)
		select {
		case <-w.done:
		case <-abort.Done():
			close(w.cancel)
			<-w.done
		}
		return w.stopErr
	})
}

func (w *worker) loop() {
	defer close(w.done)
	for {
		select {
		case <-w.quit:
			return
		case job := <-w.jobs:
			w.entered <- struct{}{}
			select {
			case <-job:
			case <-w.cancel:
			}
			w.returned.Store(true)
		}
	}
}

func TestContract(t *testing.T) {
	startstoptest.Check(t, startstoptest.Harness[*worker]{
		New: func(*testing.T) *worker { return newWorker() },
		Busy: func(t *testing.T, w *worker) {
			w.jobs <- make(chan struct{}) // never ends by itself
			<-w.entered
		},
		Idle: func(t *testing.T, w *worker) {
			require.True(t, w.returned.Load(), "Stop returned while the job still ran")
		},
		Closed: []error{startstop.ErrStopped, errWorkerClosed},
		Stress: 10,
	})
}

func TestStates(t *testing.T) {
	var l startstop.Lifecycle
	require.Equal(t, startstop.New, l.State(), "zero Lifecycle: State")
	boom := errors.New("boom")
	require.Same(t, boom, l.Start(func() error { return boom }), "failed Start")
	require.Equal(t, startstop.New, l.State(), "after a failed Start: State")
	require.NoError(t, l.Start(func() error { return nil }), "Start after a failed one")
	require.Equal(t, startstop.Running, l.State(), "State after Start")
	inStop := make(chan startstop.State, 1)
	require.NoError(t, l.Stop(context.Background(), func(context.Context) error {
		inStop <- l.State()
		return nil
	}))
	require.Equal(t, startstop.Stopping, <-inStop, "State during stop")
	require.Equal(t, startstop.Stopped, l.State(), "State after Stop")
}

// Every Stop reports the component's own shutdown failure; one whose ctx
// ended first reports ctx's error too.
func TestStopFailureReachesEveryCall(t *testing.T) {
	w := newWorker()
	w.stopErr = errors.New("could not remove the directory")
	require.NoError(t, w.Start(context.Background()))
	w.jobs <- make(chan struct{})
	<-w.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Stop(ctx)
	require.ErrorIs(t, err, context.Canceled, "cancelled Stop")
	require.ErrorIs(t, err, w.stopErr, "cancelled Stop reports the stop failure")
	require.Same(t, w.stopErr, w.Stop(context.Background()), "later Stop reports the stop failure")
}

// A Stop that comes while Start runs waits for it, then stops what it
// started.
func TestStopWaitsForStart(t *testing.T) {
	var l startstop.Lifecycle
	starting, release := make(chan struct{}), make(chan struct{})
	started := make(chan error, 1)
	go func() {
		started <- l.Start(func() error {
			close(starting)
			<-release
			return nil
		})
	}()
	<-starting
	stopped := make(chan error, 1)
	var stopRan atomic.Bool
	go func() {
		stopped <- l.Stop(context.Background(), func(context.Context) error {
			stopRan.Store(true)
			return nil
		})
	}()
	select {
	case err := <-stopped:
		require.Failf(t, "Stop returned while Start was running", "Stop = %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-started, "Start")
	require.NoError(t, <-stopped, "Stop")
	require.True(t, stopRan.Load(), "Stop did not stop what the Start it waited for had started")
}
