package inference_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
)

// The code path that hung the pipeline: a task on the CPU pool calls a
// model whose CPU batches need a slot of that same pool. With MAX_PROCS=1
// the batch can never run. The runtime refuses the call at once, naming
// both pools and, in a test binary, both stacks; before the fix this test
// ran into its deadline instead.
func TestModelCallFromACPUTaskIsRefusedWithBothStacks(t *testing.T) {
	ex, err := executor.New(executor.Config{MaxThreads: 2, MaxProcs: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, ex.Shutdown(context.Background())) }()
	rt := newRuntime(t, inference.CPUDevice("test"), ex)
	double, err := inference.Register(rt, "double", (&loaderRec{}).load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = executor.Run(ctx, ex.CPU, func(ctx context.Context) (int, error) {
		return double.Infer(ctx, 21) // holding the only CPU slot
	})
	require.NoError(t, ctx.Err(), "refused at once, not after a hang")
	require.ErrorIs(t, err, executor.ErrWaitCycle)
	require.Contains(t, err.Error(), `a call to model "double" waits for pool "cpu" while holding one of its slots`)
	var wc *executor.WaitCycleError
	require.True(t, errors.As(err, &wc))
	require.Contains(t, wc.HeldStack, "TestModelCallFromACPUTaskIsRefusedWithBothStacks")
	require.Contains(t, wc.WaitStack, "inference.(*Handle[...]).Infer")

	_, err = executor.Run(ctx, ex.CPU, func(ctx context.Context) (int, error) {
		_, errs := double.InferMany(ctx, []int{1, 2})
		return 0, errors.Join(errs...)
	})
	require.ErrorIs(t, err, executor.ErrWaitCycle)

	// The same call from a goroutine that holds no slot (the pipeline's
	// stage goroutines), or from an I/O task, runs.
	v, err := double.Infer(ctx, 21)
	require.NoError(t, err)
	require.Equal(t, 42, v)
	v, err = executor.Run(ctx, ex.IO, func(ctx context.Context) (int, error) { return double.Infer(ctx, 4) })
	require.NoError(t, err)
	require.Equal(t, 8, v)
}
