// Package startstoptest checks a component against the lifecycle contract
// of package startstop, in one table that every component's tests run.
package startstoptest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// Component is what the contract applies to.
type Component interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Harness tells Check how to make and load one kind of component.
type Harness[C Component] struct {
	// New returns a new component, not started. What it needs (a test
	// server, a model) is made here too, and cleaned up by the test. New
	// is called once per case.
	New func(t *testing.T) C
	// Busy puts work into the started component c that does not finish
	// until the component cancels it, and returns once that work is in
	// flight (running, not just queued). The goroutines Busy starts to
	// submit the work MUST return once the component answers it. Nil for
	// a component that takes no work (a watchdog): the cases then stop it
	// idle.
	Busy func(t *testing.T, c C)
	// Idle, when set, checks, right after a Stop that cancelled Busy's
	// work returned, that the work itself has returned (the batch
	// function, the model, the page). goleak then checks for goroutines.
	Idle func(t *testing.T, c C)
	// Closed are errors that a Start after Stop must match with
	// errors.Is, e.g. the component's ErrClosed and startstop.ErrStopped.
	// At least one.
	Closed []error
	// Stress is how many goroutines start and stop one component at once
	// in the stress case; 0 skips it.
	Stress int
}

// Check runs the contract's table against components from h:
//
//   - Stop before Start returns nil and makes Start fail;
//   - Start twice, then Stop twice: all nil, and Start then fails;
//   - Stop with an expired ctx while work is in flight returns ctx's
//     error only after that work and every goroutine of the component
//     are gone;
//   - a second Stop whose ctx ends cancels a first, patient one, and both
//     return once everything is gone: the first with nil;
//   - Start and Stop from h.Stress goroutines at once.
//
// Each case checks with goleak that no goroutine started after New
// outlives Stop, so Check must not run in parallel with other tests
// (do not call t.Parallel in the test that calls it).
func Check[C Component](t *testing.T, h Harness[C]) {
	t.Helper()
	if h.New == nil || len(h.Closed) == 0 {
		t.Fatal("startstoptest: Harness needs New and Closed")
	}
	bg := context.Background()

	t.Run("stop before start latches", func(t *testing.T) {
		c, leaks := fresh(t, h)
		if err := c.Stop(bg); err != nil {
			t.Fatalf("Stop before Start = %v; want nil", err)
		}
		h.startFails(t, c)
		if err := c.Stop(bg); err != nil {
			t.Errorf("second Stop = %v; want nil", err)
		}
		leaks(t)
	})

	t.Run("start twice, stop twice", func(t *testing.T) {
		c, leaks := fresh(t, h)
		for i := range 2 {
			if err := c.Start(bg); err != nil {
				t.Fatalf("Start #%d = %v; want nil", i+1, err)
			}
		}
		for i := range 2 {
			if err := c.Stop(bg); err != nil {
				t.Fatalf("Stop #%d = %v; want nil", i+1, err)
			}
		}
		h.startFails(t, c)
		leaks(t)
	})

	checkExpiredStops(t, h)

	if h.Stress > 0 {
		t.Run("stress", func(t *testing.T) {
			c, leaks := fresh(t, h)
			var wg sync.WaitGroup
			for range h.Stress {
				wg.Go(func() {
					if err := c.Start(bg); err != nil && !h.isClosed(err) {
						t.Errorf("Start = %v; want nil or a closed error", err)
					}
					if err := c.Stop(bg); err != nil {
						t.Errorf("Stop = %v; want nil", err)
					}
				})
			}
			wg.Wait()
			h.startFails(t, c)
			leaks(t)
		})
	}
}

// checkExpiredStops is Check's rule-4 cases: a Stop whose ctx has ended
// cancels in-flight work, still waits for it, and ends patient Stops too.
func checkExpiredStops[C Component](t *testing.T, h Harness[C]) {
	t.Helper()
	busy := func(t *testing.T, c C) {
		if h.Busy != nil {
			h.Busy(t, c)
		}
	}
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()

	t.Run("stop with an expired ctx cancels in-flight work and waits", func(t *testing.T) {
		c, leaks := fresh(t, h)
		if err := c.Start(bg); err != nil {
			t.Fatalf("Start = %v", err)
		}
		busy(t, c)
		if err := c.Stop(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("Stop(expired ctx) = %v; want context.Canceled", err)
		}
		if h.Idle != nil {
			h.Idle(t, c)
		}
		leaks(t)
		if err := c.Stop(bg); err != nil {
			t.Errorf("Stop after the cancelled Stop = %v; want nil: the component has stopped", err)
		}
		h.startFails(t, c)
	})

	t.Run("a stop whose ctx ends cancels a patient one", func(t *testing.T) {
		if h.Busy == nil {
			// Without work in flight the patient Stop may finish the whole
			// stop first; then there is nothing left to cancel, and the
			// expired Stop rightly returns nil.
			t.Skip("the component takes no work (Harness.Busy is nil)")
		}
		c, leaks := fresh(t, h)
		if err := c.Start(bg); err != nil {
			t.Fatalf("Start = %v", err)
		}
		busy(t, c)
		patient := make(chan error, 1)
		go func() { patient <- c.Stop(bg) }()
		if err := c.Stop(cancelled); !errors.Is(err, context.Canceled) {
			t.Errorf("Stop(expired ctx) = %v; want context.Canceled", err)
		}
		if err := <-patient; err != nil {
			t.Errorf("Stop(background) = %v; want nil: its ctx never ended", err)
		}
		if h.Idle != nil {
			h.Idle(t, c)
		}
		leaks(t)
	})

}

// fresh makes a component and returns a check that no goroutine started
// since (by the component, or for it) is still running.
func fresh[C Component](t *testing.T, h Harness[C]) (C, func(*testing.T)) {
	t.Helper()
	c := h.New(t)
	t.Cleanup(func() {
		// After a failure: cancel whatever runs, so that it cannot
		// outlive the test. Otherwise a no-op, Stop being idempotent.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = c.Stop(ctx)
	})
	before := goleak.IgnoreCurrent()
	return c, func(t *testing.T) {
		t.Helper()
		if err := goleak.Find(before); err != nil {
			t.Errorf("goroutines outlived Stop: %v", err)
		}
	}
}

func (h Harness[C]) startFails(t *testing.T, c C) {
	t.Helper()
	err := c.Start(context.Background())
	if err == nil {
		t.Fatal("Start after Stop = nil; want an error")
	}
	for _, want := range h.Closed {
		if !errors.Is(err, want) {
			t.Errorf("Start after Stop = %v; want it to match %v", err, want)
		}
	}
}

func (h Harness[C]) isClosed(err error) bool {
	for _, want := range h.Closed {
		if !errors.Is(err, want) {
			return false
		}
	}
	return true
}
