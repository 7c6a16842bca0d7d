package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/masx-ai/masx/concurrency/panics"
)

// ErrClosed is returned (wrapped with the pool's name) for work submitted
// after Shutdown began, and for queued work that Shutdown's deadline
// cancelled before it started. Tasks cancelled by that deadline while
// running see it as their context's cause.
var ErrClosed = errors.New("executor: pool is shut down")

// PanicError is the error a task's panic becomes. The pool recovers panics
// because the code it runs is often foreign (a parser, a model binding) and
// one bad input must not take the process down; the stack is kept so the
// bug can still be found.
//
// It is masx's one panic type, [panics.Error], under the name this package
// has always used: Value is what the task passed to panic, Stack the
// panicking goroutine's stack, and Unwrap returns Value when it is an
// error, so errors.Is and errors.As see through a panic(err). The error
// Run returns wraps it with "executor: task ".
type PanicError = panics.Error

// Stats is a snapshot of a pool's gauges and counters. Every accepted task
// ends in exactly one of Completed, Failed, Panicked and Cancelled, so
// Submitted = Running + Queued + Completed + Failed + Panicked + Cancelled
// whenever the pool is idle.
type Stats struct {
	Name  string `json:"name"`
	Limit int    `json:"limit"`
	// Running is how many tasks are executing now.
	Running int64 `json:"running"`
	// Queued is how many accepted tasks have not started yet: Run calls
	// waiting for a slot, and Map items not yet started.
	Queued int64 `json:"queued"`
	// Submitted counts tasks accepted (work refused with ErrClosed is not
	// counted).
	Submitted int64 `json:"submitted"`
	// Completed counts tasks that returned a nil error.
	Completed int64 `json:"completed"`
	// Failed counts tasks that returned an error while their context was
	// still live.
	Failed int64 `json:"failed"`
	// Panicked counts tasks that panicked.
	Panicked int64 `json:"panicked"`
	// Cancelled counts tasks that never started because their context ended
	// or the pool was shut down, and tasks that returned an error after
	// their context was cancelled.
	Cancelled int64 `json:"cancelled"`
}

// Pool runs tasks with at most Limit of them executing at once. Tasks past
// the limit wait in the caller's goroutine, in roughly arrival order, and
// leave the queue the moment their context ends. The zero Pool is not
// usable; make one with NewPool or New.
type Pool struct {
	name  string
	limit int
	// order ranks the pool against the others for CheckWait: a task may
	// wait for a pool of higher order than every pool it holds. Zero means
	// unordered: only waits on the pool itself are refused.
	order int

	// slots is the semaphore: a task holds one element while it runs.
	slots chan struct{}

	// base is cancelled (cause ErrClosed) when Shutdown's context ends:
	// it stops queued tasks from starting and cancels running ones. It is
	// the pool's own lifetime, not a caller's request context, and it is a
	// Context so that Map can tie its items to it with context.AfterFunc.
	base context.Context
	kill context.CancelCauseFunc

	mu       sync.Mutex
	closed   bool          // Shutdown began; refuse new work
	active   int           // accepted Run calls and Map calls not yet finished
	idle     chan struct{} // closed once closed && active == 0
	idleDone bool

	running, queued                                        atomic.Int64
	submitted, completed, failed, panicked, cancelledCount atomic.Int64
}

// NewPool returns a pool named name (the metrics' pool label) that runs at
// most limit tasks at once. It panics if limit < 1, a programming error;
// NewPoolSafely returns the error instead, and New validates a Config.
func NewPool(name string, limit int) *Pool {
	p, err := NewPoolSafely(name, limit)
	if err != nil {
		panic(err)
	}
	return p
}

// NewPoolSafely is NewPool returning an error for limit < 1.
func NewPoolSafely(name string, limit int) (*Pool, error) {
	if limit < 1 {
		return nil, fmt.Errorf("creating pool %q: limit %d: want ≥ 1", name, limit)
	}
	base, kill := context.WithCancelCause(context.Background())
	return &Pool{
		name:  name,
		limit: limit,
		slots: make(chan struct{}, limit),
		base:  base,
		kill:  kill,
		idle:  make(chan struct{}),
	}, nil
}

// Name returns the pool's name.
func (p *Pool) Name() string { return p.name }

// Limit returns how many tasks may run at once.
func (p *Pool) Limit() int { return p.limit }

// Closed reports whether Shutdown has begun; from then on Run and Map refuse
// new work. A readiness check can use it to stop advertising the process.
func (p *Pool) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Stats returns a snapshot of the pool's gauges and counters. The fields
// are read one by one, so a snapshot taken while tasks move may be off by
// the tasks that moved during the read.
func (p *Pool) Stats() Stats {
	return Stats{
		Name:      p.name,
		Limit:     p.limit,
		Running:   p.running.Load(),
		Queued:    p.queued.Load(),
		Submitted: p.submitted.Load(),
		Completed: p.completed.Load(),
		Failed:    p.failed.Load(),
		Panicked:  p.panicked.Load(),
		Cancelled: p.cancelledCount.Load(),
	}
}

// Shutdown stops the pool in three steps. It is the pool's Stop under the
// lifecycle contract of package startstop, whose rules it meets: a pool
// runs from NewPool, so it has no Start, and work submitted after
// Shutdown fails with ErrClosed, which is its latch.
//
//  1. From now on, Run and Map refuse new work with ErrClosed.
//  2. It waits for the work already accepted to finish, queued tasks
//     included: they still start and run as slots free up.
//  3. If ctx ends first, it cancels what is left (running tasks' contexts
//     are cancelled with cause ErrClosed; queued tasks never start and
//     return ErrClosed), waits for every task goroutine to return, and then
//     returns ctx.Err().
//
// NOTE: step 3 still waits. A task that ignores its context keeps Shutdown
// waiting; that is the price of never leaving a goroutine behind.
//
// Shutdown may be called more than once and from several goroutines; each
// call returns when the pool is idle, and the ctx of any call that ends
// first cancels what is left for all of them. A pool that is idle when
// Shutdown is called returns nil even if ctx has already ended: there is
// nothing to cancel.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.close()
	return p.wait(ctx)
}

// close refuses new work from now on.
func (p *Pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.signalIdleLocked()
}

// wait blocks until the closed pool is idle, cancelling what is left when
// ctx ends first.
func (p *Pool) wait(ctx context.Context) error {
	// An idle pool is done even when ctx has already ended.
	select {
	case <-p.idle:
		return nil
	default:
	}
	select {
	case <-p.idle:
		return nil
	case <-ctx.Done():
	}
	p.kill(ErrClosed)
	<-p.idle
	return ctx.Err()
}

func (p *Pool) signalIdleLocked() {
	if p.closed && p.active == 0 && !p.idleDone {
		p.idleDone = true
		close(p.idle)
	}
}

// accept registers one unit of work (a Run call, or a whole Map call with
// n tasks), or refuses it with ErrClosed.
func (p *Pool) accept(n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return p.closedErr()
	}
	p.active++
	p.submitted.Add(int64(n))
	p.queued.Add(int64(n))
	return nil
}

// done undoes accept.
func (p *Pool) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active--
	p.signalIdleLocked()
}

func (p *Pool) closedErr() error { return fmt.Errorf("pool %q: %w", p.name, ErrClosed) }

// acquire takes a slot, waiting while all are taken. It fails, holding no
// slot, when ctx ends or Shutdown's deadline has passed; a task whose
// context has already ended never takes a slot, even if one is free. The
// caller counts the task out of Queued either way.
func (p *Pool) acquire(ctx context.Context) error {
	if err := p.startable(ctx); err != nil {
		return err
	}
	select {
	case p.slots <- struct{}{}: // a free slot: no need to watch ctx
		return nil
	default:
	}
	took := false
	select {
	case p.slots <- struct{}{}:
		took = true
	case <-ctx.Done():
	case <-p.base.Done():
	}
	if !took {
		return p.startable(ctx) // non-nil: ctx or base has ended
	}
	// select picks at random among ready cases, so the slot may have come
	// just as ctx ended or Shutdown gave up: a task that can no longer
	// start gives its slot back.
	if err := p.startable(ctx); err != nil {
		p.release()
		return err
	}
	return nil
}

// startable says why a task may not start now.
func (p *Pool) startable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.base.Err() != nil {
		return p.closedErr()
	}
	return nil
}

func (p *Pool) release() { <-p.slots }

// invoke runs fn(ctx, arg) in the calling goroutine, turning a panic into a
// *PanicError (wrapped with "executor: task "), and counts the outcome. ctx
// is the task's own context.
func invoke[T, R any](p *Pool, ctx context.Context, fn func(context.Context, T) (R, error), arg T) (r R, err error) {
	p.running.Add(1)
	defer func() {
		p.running.Add(-1)
		if v := recover(); v != nil {
			var zero R
			r, err = zero, fmt.Errorf("executor: task %w", panics.New(v))
			p.panicked.Add(1)
			return
		}
		switch {
		case err == nil:
			p.completed.Add(1)
		case ctx.Err() != nil:
			p.cancelledCount.Add(1)
		default:
			p.failed.Add(1)
		}
	}()
	return fn(ctx, arg)
}
