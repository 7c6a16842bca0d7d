package startstop_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

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
			if !w.returned.Load() {
				t.Error("Stop returned while the job still ran")
			}
		},
		Closed: []error{startstop.ErrStopped, errWorkerClosed},
		Stress: 10,
	})
}

func TestStates(t *testing.T) {
	var l startstop.Lifecycle
	if got := l.State(); got != startstop.New {
		t.Fatalf("zero Lifecycle: State = %v; want new", got)
	}
	boom := errors.New("boom")
	if err := l.Start(func() error { return boom }); err != boom {
		t.Fatalf("failed Start = %v; want boom", err)
	}
	if got := l.State(); got != startstop.New {
		t.Fatalf("after a failed Start: State = %v; want new", got)
	}
	if err := l.Start(func() error { return nil }); err != nil {
		t.Fatalf("Start after a failed one = %v; want nil", err)
	}
	if got := l.State(); got != startstop.Running {
		t.Fatalf("State = %v; want running", got)
	}
	inStop := make(chan startstop.State, 1)
	if err := l.Stop(context.Background(), func(context.Context) error {
		inStop <- l.State()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := <-inStop; got != startstop.Stopping {
		t.Errorf("State during stop = %v; want stopping", got)
	}
	if got := l.State(); got != startstop.Stopped {
		t.Errorf("State = %v; want stopped", got)
	}
}

// Every Stop reports the component's own shutdown failure; one whose ctx
// ended first reports ctx's error too.
func TestStopFailureReachesEveryCall(t *testing.T) {
	w := newWorker()
	w.stopErr = errors.New("could not remove the directory")
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.jobs <- make(chan struct{})
	<-w.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Stop(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, w.stopErr) {
		t.Errorf("cancelled Stop = %v; want context.Canceled and the stop failure", err)
	}
	if err := w.Stop(context.Background()); err != w.stopErr {
		t.Errorf("later Stop = %v; want the stop failure", err)
	}
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
		t.Fatalf("Stop returned (%v) while Start was running", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-started; err != nil {
		t.Fatalf("Start = %v", err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if !stopRan.Load() {
		t.Error("Stop did not stop what the Start it waited for had started")
	}
}
