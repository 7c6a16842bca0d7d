package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// errNilFunc is returned when Run or Map is given a nil function.
var errNilFunc = errors.New("executor: nil task function")

type result[T any] struct {
	v   T
	err error
}

// Run runs fn on p and waits for it. It is the seed's run_in_thread (on the
// I/O pool) and run_in_process (on the CPU pool).
//
// fn gets a context derived from ctx that is also cancelled, with cause
// ErrClosed, when p's Shutdown deadline passes.
//
//   - When p is shut down, Run returns an error wrapping ErrClosed and fn
//     never runs.
//   - While all slots are taken Run waits; if ctx ends meanwhile, fn never
//     starts and Run returns ctx.Err().
//   - If ctx ends while fn runs, Run returns ctx.Err() at once and fn's
//     context is cancelled. fn keeps running until it returns; the pool
//     owns that goroutine, holds its slot until then, and Shutdown waits for
//     it. Its result is dropped.
//   - A panic in fn is returned as an error wrapping a *PanicError.
//   - When ctx is the context of a task that holds a slot of p, or of a
//     pool ordered after p, Run returns a *WaitCycleError (ErrWaitCycle) at
//     once and fn never runs: waiting could deadlock (see CheckWait).
func Run[T any](ctx context.Context, p *Pool, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, errNilFunc
	}
	if err := CheckWait(ctx, p, "a task"); err != nil {
		return zero, err
	}
	if err := p.accept(1); err != nil {
		return zero, err
	}
	err := p.acquire(ctx)
	p.queued.Add(-1)
	if err != nil {
		p.cancelledCount.Add(1)
		p.done()
		return zero, err
	}
	// fn runs in its own goroutine only so that Run can return when ctx
	// ends without waiting for an fn that ignores it.
	cctx, cancel := context.WithCancelCause(ctx)
	tctx := withHeld(cctx, p)
	out := make(chan result[T], 1) // buffered: the task never blocks on a caller that left
	go func() {
		defer p.done()
		v, err := invoke(p, tctx, runTask[T], fn)
		cancel(nil)
		p.release()
		out <- result[T]{v, err}
	}()
	// The caller watches Shutdown's deadline on the task's behalf; that is
	// cheaper than registering every task with the pool. Once the caller
	// has left, tctx is already cancelled through ctx.
	killed := p.base.Done()
	for {
		select {
		case r := <-out:
			return r.v, r.err
		case <-killed:
			cancel(ErrClosed)
			killed = nil
		case <-ctx.Done():
			// Prefer a result that is already there over ctx's error.
			select {
			case r := <-out:
				return r.v, r.err
			default:
				return zero, ctx.Err()
			}
		}
	}
}

// runTask adapts Run's fn to invoke without a closure per call.
func runTask[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	return fn(ctx)
}

// MapOption changes how Map behaves.
type MapOption func(*mapOptions)

type mapOptions struct {
	failFast bool
}

// FailFast makes Map cancel the remaining items on the first error: items
// not yet started are skipped with an error wrapping ErrFailFast, and
// running items see their context cancelled with that cause.
func FailFast() MapOption { return func(o *mapOptions) { o.failFast = true } }

// ErrFailFast is the error of items that Map skipped because another item
// failed first under FailFast. It wraps context.Canceled.
var ErrFailFast = fmt.Errorf("executor: skipped after another item failed (FailFast): %w", context.Canceled)

// Map runs fn on every item on p and returns the results and errors in
// input order, with one error per item (nil where fn succeeded): the seed's
// map_threads/map_processes, which gather with return_exceptions=True.
//
// Map uses at most min(len(items), p.Limit()) goroutines, the caller's
// included, and each holds one of p's slots while it runs an item, so Map
// respects the pool's bound however many Run and Map calls share it.
//
// Unlike Run, Map returns only after every item it started has returned:
// it writes into the slices it returns, and a caller must never share them
// with a goroutine that outlived the call. Items that never start report
// why:
//   - ctx ended: ctx.Err();
//   - p shut down or its Shutdown deadline passed: an error wrapping
//     ErrClosed;
//   - FailFast and another item failed: an error wrapping ErrFailFast.
//
// A panic in fn is that item's error, wrapping a *PanicError. Like Run,
// Map refuses with a *WaitCycleError, for every item, a ctx that holds a
// slot of p or of a pool ordered after p.
func Map[T, R any](ctx context.Context, p *Pool, items []T, fn func(context.Context, T) (R, error), opts ...MapOption) ([]R, []error) {
	n := len(items)
	out := make([]R, n)
	errs := make([]error, n)
	if n == 0 {
		return out, errs
	}
	fill := func(err error) ([]R, []error) {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	if fn == nil {
		return fill(errNilFunc)
	}
	if err := CheckWait(ctx, p, "a Map"); err != nil {
		return fill(err)
	}
	if err := p.accept(n); err != nil {
		return fill(err)
	}
	defer p.done()

	var o mapOptions
	for _, opt := range opts {
		opt(&o)
	}
	mctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(p.base, func() { cancel(ErrClosed) })
	defer stop()

	// Workers pull the next index; items are never handed to a goroutine
	// in advance, so a cancelled Map stops starting items at once.
	var next atomic.Int64
	work := func() {
		wctx := withHeld(mctx, p) // each item runs holding a slot of p
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			err := p.acquire(mctx)
			p.queued.Add(-1)
			if err != nil {
				errs[i] = p.whyNotStarted(ctx, mctx)
				p.cancelledCount.Add(1)
				continue
			}
			out[i], errs[i] = invoke(p, wctx, fn, items[i])
			p.release()
			if errs[i] != nil && o.failFast {
				cancel(fmt.Errorf("%w (item %d failed first)", ErrFailFast, i))
			}
		}
	}
	var wg sync.WaitGroup
	for range min(n, p.limit) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return out, errs
}

// whyNotStarted explains an item that Map could not start: the caller's
// context first, then shutdown, then FailFast.
func (p *Pool) whyNotStarted(ctx, mctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cause := context.Cause(mctx)
	if cause == nil || errors.Is(cause, ErrClosed) || p.base.Err() != nil {
		return p.closedErr()
	}
	return cause
}
