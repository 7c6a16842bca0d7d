package executor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
)

// A task that runs more work on its own pool is refused at once instead of
// deadlocking: with one slot, the inner Run would wait for the slot its own
// caller holds, for ever.
func TestRunInsideATaskOfTheSamePoolIsRefusedNotDeadlocked(t *testing.T) {
	p := newPool(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := executor.Run(ctx, p, func(ctx context.Context) (int, error) {
		require.True(t, executor.Holds(ctx, p))
		return executor.Run(ctx, p, func(context.Context) (int, error) { return 1, nil })
	})
	require.ErrorIs(t, err, executor.ErrWaitCycle)
	require.NoError(t, ctx.Err(), "refused at once, not after a wait")
	var wc *executor.WaitCycleError
	require.ErrorAs(t, err, &wc)
	require.Equal(t, p.Name(), wc.Wants)
	require.Equal(t, p.Name(), wc.Holds)
	// Both stacks, in a test binary: where the slot was taken (this test's
	// outer Run) and where the refused wait was (the inner Run).
	require.Contains(t, wc.HeldStack, "TestRunInsideATaskOfTheSamePoolIsRefusedNotDeadlocked")
	require.Contains(t, wc.WaitStack, "TestRunInsideATaskOfTheSamePoolIsRefusedNotDeadlocked.func1")
	require.Contains(t, err.Error(), "taken at")
	require.Contains(t, err.Error(), "wait for")
	invariant(t, p.Stats())
	require.EqualValues(t, 1, p.Stats().Submitted, "the refused Run was never accepted")
}

func TestMapItemsHoldASlot(t *testing.T) {
	p := newPool(t, 2)
	_, errs := executor.Map(context.Background(), p, []int{1, 2, 3}, func(ctx context.Context, i int) (int, error) {
		return executor.Run(ctx, p, func(context.Context) (int, error) { return i, nil })
	})
	for _, err := range errs {
		require.ErrorIs(t, err, executor.ErrWaitCycle)
	}
	// A Map from inside a task of the same pool is refused for every item.
	_, err := executor.Run(context.Background(), p, func(ctx context.Context) (int, error) {
		_, errs := executor.Map(ctx, p, []int{1, 2}, func(context.Context, int) (int, error) { return 0, nil })
		return 0, errors.Join(errs...)
	})
	require.ErrorIs(t, err, executor.ErrWaitCycle)
	invariant(t, p.Stats())
}

// The shared pools are ordered io → cpu: a fetch (io) may wait for its
// extraction (cpu), so a cpu task may not wait for an io slot.
func TestSharedPoolsAreOrderedIOThenCPU(t *testing.T) {
	e, err := executor.New(executor.Config{MaxThreads: 1, MaxProcs: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Shutdown(context.Background())) })
	ctx := context.Background()

	v, err := executor.Run(ctx, e.IO, func(ctx context.Context) (int, error) {
		return executor.Run(ctx, e.CPU, func(context.Context) (int, error) { return 7, nil })
	})
	require.NoError(t, err, "io → cpu is the allowed order")
	require.Equal(t, 7, v)

	_, err = executor.Run(ctx, e.CPU, func(ctx context.Context) (int, error) {
		return executor.Run(ctx, e.IO, func(context.Context) (int, error) { return 0, nil })
	})
	var wc *executor.WaitCycleError
	require.ErrorAs(t, err, &wc)
	require.Equal(t, "io", wc.Wants)
	require.Equal(t, "cpu", wc.Holds)
	require.Contains(t, err.Error(), "ordered after")

	// Through a chain: io task → cpu task → io wait is refused too.
	_, err = executor.Run(ctx, e.IO, func(ctx context.Context) (int, error) {
		return executor.Run(ctx, e.CPU, func(ctx context.Context) (int, error) {
			return 0, executor.CheckWait(ctx, e.IO, "a test wait")
		})
	})
	require.ErrorIs(t, err, executor.ErrWaitCycle)
	require.Contains(t, err.Error(), "a test wait")
}

// Unordered pools (NewPool) only refuse waits on themselves, and a context
// that left the task (context.WithoutCancel keeps values; Background does
// not) is the caller's choice.
func TestCheckWaitUnorderedPools(t *testing.T) {
	a, b := newPool(t, 1), newPool(t, 1)
	require.NoError(t, executor.CheckWait(context.Background(), a, "x"))
	_, err := executor.Run(context.Background(), a, func(ctx context.Context) (int, error) {
		if err := executor.CheckWait(ctx, b, "a wait on b"); err != nil {
			return 0, err
		}
		require.False(t, executor.Holds(ctx, b))
		return 0, executor.CheckWait(ctx, a, "a wait on a")
	})
	require.ErrorIs(t, err, executor.ErrWaitCycle)
	require.Contains(t, err.Error(), "a wait on a")
}
