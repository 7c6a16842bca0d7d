package executor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// The rule this file enforces: a task never waits for work that needs a
// slot of a pool while it holds a slot of that pool, or of a pool ordered
// after it.
//
// A task on a bounded pool that waits for more work on the same pool is a
// cycle: when every slot is held by such a task, the work they wait for
// never gets a slot, and nothing moves again. That is how the pipeline
// deadlocked as soon as a neural model was configured: analyze tasks held
// every CPU slot while they waited for model batches that run on the CPU
// pool. Between two pools the same cycle needs an order: an I/O task may
// wait for CPU work (a fetch waits for its extraction), so a CPU task must
// never wait for I/O slots. [New] orders the shared pools io → cpu.
//
// Every task's context records the slot it holds (Run and Map add it), so
// the check needs no goroutine identity: Run and Map check their caller's
// context before they wait, and code that hands work to a pool from another
// goroutine (the inference runtime's batchers) calls [CheckWait] itself. A
// violation is a *WaitCycleError, returned at once instead of hanging. In
// test binaries every slot also records the stack that took it, and the
// error prints both stacks.

// ErrWaitCycle is matched (errors.Is) by every *WaitCycleError.
var ErrWaitCycle = errors.New("executor: wait would deadlock")

// WaitCycleError is a wait refused because the waiting task holds a slot of
// the pool it waits for, or of a pool ordered after it.
type WaitCycleError struct {
	// Wants is the pool the refused wait needs a slot of.
	Wants string
	// Holds is the pool whose slot the waiting task holds.
	Holds string
	// What names the wait ("a task", or the caller's description).
	What string
	// HeldStack is where the held slot was taken; WaitStack is the refused
	// wait. HeldStack is captured in test binaries only (it costs a stack
	// walk per task).
	HeldStack, WaitStack string
}

func (e *WaitCycleError) Error() string {
	var b strings.Builder
	if e.Wants == e.Holds {
		fmt.Fprintf(&b, "executor: %s waits for pool %q while holding one of its slots: when every slot is held by such a waiter, none is left for the work they wait for (deadlock); make the call without holding the slot", e.What, e.Wants)
	} else {
		fmt.Fprintf(&b, "executor: %s waits for pool %q while holding a slot of pool %q, which is ordered after it: tasks of the two pools could wait for each other (deadlock)", e.What, e.Wants, e.Holds)
	}
	if e.HeldStack != "" {
		fmt.Fprintf(&b, "\n\n--- slot of %q taken at ---\n%s", e.Holds, e.HeldStack)
	}
	if e.WaitStack != "" && e.HeldStack != "" {
		fmt.Fprintf(&b, "\n--- wait for %q at ---\n%s", e.Wants, e.WaitStack)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrWaitCycle) true.
func (e *WaitCycleError) Is(target error) bool { return target == ErrWaitCycle }

// held is one slot a task holds, chained to the slots its callers hold.
type held struct {
	pool   *Pool
	pcs    []uintptr // where the slot was taken; test binaries only
	parent *held
}

type heldKey struct{}

// captureStacks is fixed at start-up: on in test binaries, where a refused
// wait should show both stacks, off in production, where the stack walk
// would cost every task about a microsecond. Benchmarks switch it off
// (export_test.go) so they measure what production pays.
var captureStacks = testing.Testing()

// withHeld returns ctx marked as holding a slot of p.
func withHeld(ctx context.Context, p *Pool) context.Context {
	h := &held{pool: p}
	h.parent, _ = ctx.Value(heldKey{}).(*held)
	if captureStacks {
		pcs := make([]uintptr, 48)
		h.pcs = pcs[:runtime.Callers(3, pcs)]
	}
	return context.WithValue(ctx, heldKey{}, h)
}

// CheckWait returns a *WaitCycleError when a task whose context is ctx must
// not wait for work that needs a slot of p: ctx holds a slot of p, or of a
// pool ordered after p. what names the wait in the error. Run and Map check
// their own waits; call CheckWait before waiting for work that another
// goroutine will run on p (a batcher, a queue).
func CheckWait(ctx context.Context, p *Pool, what string) error {
	h, _ := ctx.Value(heldKey{}).(*held)
	for ; h != nil; h = h.parent {
		if h.pool == p || (p.order > 0 && h.pool.order >= p.order) {
			e := &WaitCycleError{Wants: p.name, Holds: h.pool.name, What: what}
			if captureStacks {
				e.HeldStack = formatPCs(h.pcs)
				pcs := make([]uintptr, 48)
				e.WaitStack = formatPCs(pcs[:runtime.Callers(2, pcs)])
			}
			return e
		}
	}
	return nil
}

// Holds reports whether ctx belongs to a task that holds a slot of p.
func Holds(ctx context.Context, p *Pool) bool {
	for h, _ := ctx.Value(heldKey{}).(*held); h != nil; h = h.parent {
		if h.pool == p {
			return true
		}
	}
	return false
}

func formatPCs(pcs []uintptr) string {
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		if !more {
			return b.String()
		}
	}
}
