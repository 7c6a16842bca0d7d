// Package startstop writes down, once, the lifecycle every long-lived masx
// component follows, and implements its state machine in [Lifecycle].
//
// # The contract
//
// A component that owns goroutines has Start(ctx) and Stop(ctx) methods
// (the executors, which run from the moment they are made, call theirs
// Shutdown). For every such component:
//
//  1. Start launches the component. A second Start while it runs does
//     nothing and returns nil. A Start that fails leaves the component as
//     it was, not started, and may be retried.
//  2. Stop before Start latches: Stop returns nil at once, and every later
//     Start fails with an error matching [ErrStopped] (and the component's
//     own "closed" error).
//  3. Stop refuses new work, lets the work already accepted finish
//     (drain), and returns only when every goroutine the component started
//     has returned. Stop after Start also makes every later Start fail.
//  4. The rule at ctx expiry: if ctx ends before the component has
//     stopped, Stop cancels the work still queued or in flight, still
//     waits for the component's goroutines to return, and then returns
//     ctx.Err(). A ctx that has already ended when Stop is called counts:
//     nothing drains, everything is cancelled. Work that ignores its
//     cancellation keeps Stop waiting: that is the price of never leaving
//     a goroutine behind.
//  5. Stop may be called any number of times, from any goroutines. Every
//     call returns once the component has stopped; the ctx of any call
//     that ends first triggers the cancellation of rule 4 for all of
//     them. A call returns ctx.Err() if its own ctx ended before the
//     component stopped, and otherwise nil or the component's own shutdown
//     failure (a file it could not remove, a model that failed to close),
//     the same for every call.
//  6. Stop waits for a Start in progress to finish first (Start's ctx
//     bounds that wait), then stops what it started.
//
// NOTE: rule 4 differs from river, whose Stop and StopAndCancel return
// ctx.Err() as soon as ctx ends and may be called again to keep waiting.
// Here a Stop whose ctx ends cancels what is left and still waits, so
// "call Stop again to finish" is never needed and no goroutine outlives
// Stop. The executors' Shutdown has always worked so.
//
// The executors' Shutdown (concurrency/executor) meets rules 3 to 5, save
// that a pool already idle returns nil even for an ended ctx (there is
// nothing to cancel); the pools have no Start, and work submitted after
// Shutdown fails with executor.ErrClosed, which is their latch.
// startstoptest checks the contract against a component in one table.
package startstop

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped is what Start returns, wrapped by the component, once Stop has
// been called.
var ErrStopped = errors.New("Start after Stop")

// State is where a component is in its lifecycle.
type State int

// The states, in the only order they are entered.
const (
	// New: made, not started (or its Start failed).
	New State = iota
	// Running: Start succeeded, Stop not called.
	Running
	// Stopping: Stop has begun and not finished.
	Stopping
	// Stopped: stopped, or Stop was called before Start.
	Stopped
)

func (s State) String() string {
	switch s {
	case New:
		return "new"
	case Running:
		return "running"
	case Stopping:
		return "stopping"
	case Stopped:
		return "stopped"
	}
	return "State(?)"
}

// Lifecycle implements the contract's state machine for a component, which
// keeps one and calls its Start and Stop from its own. The zero value is a
// new, unstarted lifecycle. A Lifecycle must not be copied after first use.
type Lifecycle struct {
	// transition is held by Start while the component starts and by Stop
	// while it latches, so a Stop never overtakes a Start half done.
	transition sync.Mutex

	mu    sync.Mutex
	state State
	done  chan struct{} // closed when the stop has finished; nil before Stop
	abort context.CancelCauseFunc
	err   error // the stop function's result, read after done is closed
}

// State returns the current state. It never waits for a Start in progress
// (which reads as New until it succeeds).
func (l *Lifecycle) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// Start runs start if the lifecycle is new, and marks it running when start
// succeeds. It returns nil without calling start when already running, and
// ErrStopped once Stop has been called. start must not call Start or Stop
// of the same Lifecycle.
func (l *Lifecycle) Start(start func() error) error {
	l.transition.Lock()
	defer l.transition.Unlock()
	switch l.State() {
	case Running:
		return nil
	case Stopping, Stopped:
		return ErrStopped
	}
	if err := start(); err != nil {
		return err
	}
	l.mu.Lock()
	l.state = Running
	l.mu.Unlock()
	return nil
}

// Stop stops the component by the contract's rules. The first Stop of a
// running lifecycle calls stop, once, in the calling goroutine; every Stop,
// that one included, returns when stop has returned. Before Start it calls
// nothing and latches.
//
// stop MUST refuse new work, drain what was accepted, and return only when
// every goroutine of the component has returned. Its abort context is done
// when the ctx of any waiting Stop call ends (context.Cause says why);
// from then on stop MUST cancel the work left and still wait for the
// goroutines. stop returns the component's own shutdown failures only:
// Stop adds each caller's ctx.Err() itself.
func (l *Lifecycle) Stop(ctx context.Context, stop func(abort context.Context) error) error {
	l.transition.Lock()
	l.mu.Lock()
	first := l.done == nil
	var abortCtx context.Context
	if first {
		l.done = make(chan struct{})
		if l.state == New {
			l.state = Stopped
			close(l.done)
			first = false
		} else {
			l.state = Stopping
			abortCtx, l.abort = context.WithCancelCause(context.WithoutCancel(ctx))
		}
	}
	done, abort := l.done, l.abort
	l.mu.Unlock()
	l.transition.Unlock()

	if first {
		return l.runStop(ctx, abortCtx, stop)
	}
	select {
	case <-done:
		return l.err
	default:
	}
	select {
	case <-done:
		return l.err
	case <-ctx.Done():
		abort(context.Cause(ctx))
		<-done
		return withCtxErr(l.err, ctx.Err())
	}
}

// runStop runs stop for the first Stop call, then marks the lifecycle
// stopped and releases the other callers.
func (l *Lifecycle) runStop(ctx, abortCtx context.Context, stop func(context.Context) error) (err error) {
	cancelOnCtx := context.AfterFunc(ctx, func() { l.abort(context.Cause(ctx)) })
	defer func() {
		cancelOnCtx()
		l.mu.Lock()
		l.state = Stopped
		l.err = err
		l.mu.Unlock()
		l.abort(ErrStopped) // releases abortCtx; a no-op after an abort
		close(l.done)
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = withCtxErr(err, ctxErr)
		}
	}()
	return stop(abortCtx)
}

func withCtxErr(err, ctxErr error) error {
	if err == nil {
		return ctxErr
	}
	return errors.Join(ctxErr, err)
}
