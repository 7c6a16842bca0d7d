package inference_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/concurrency/startstop"
	"github.com/masx-ai/masx/concurrency/startstop/startstoptest"
)

// stuckModel runs until its context is cancelled, and notes a Close that
// comes while it still runs.
type stuckModel struct {
	entered, returned chan struct{}
	running           atomic.Int32
	closed            atomic.Bool
	closedWhileBusy   atomic.Bool
}

func (m *stuckModel) Infer(ctx context.Context, in []int) ([]int, error) {
	m.running.Add(1)
	m.entered <- struct{}{}
	<-ctx.Done()
	m.returned <- struct{}{}
	m.running.Add(-1)
	return nil, ctx.Err()
}

func (m *stuckModel) Close() error {
	if m.running.Load() > 0 {
		m.closedWhileBusy.Store(true)
	}
	m.closed.Store(true)
	return nil
}

type stuckRuntime struct {
	*inference.Runtime
	model  *stuckModel
	handle *inference.Handle[int, int]
}

// TestLifecycleContract checks Start and Stop against the contract of
// package startstop, with batches on the shared CPU pool, where a
// cancelled batch outlives its executor.Run call. Not parallel: it checks
// for leaked goroutines.
func TestLifecycleContract(t *testing.T) {
	startstoptest.Check(t, startstoptest.Harness[stuckRuntime]{
		New: func(t *testing.T) stuckRuntime {
			ex, err := executor.New(executor.Config{MaxThreads: 1, MaxProcs: 1})
			require.NoError(t, err)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				require.NoError(t, ex.Shutdown(ctx), "executor shutdown")
			})
			rt, err := inference.New(inference.Config{Device: inference.CPUDevice("test"), Executors: ex, Logger: quiet})
			require.NoError(t, err)
			m := &stuckModel{entered: make(chan struct{}, 1), returned: make(chan struct{}, 1)}
			h, err := inference.Register(rt, "stuck", func(context.Context, device.Config) (inference.Model[int, int], error) {
				return m, nil
			}, inference.ModelConfig[int]{MaxBatchSize: 1, MaxDelay: time.Microsecond})
			require.NoError(t, err)
			return stuckRuntime{Runtime: rt, model: m, handle: h}
		},
		Busy: func(t *testing.T, c stuckRuntime) {
			go func() { _, _ = c.handle.Infer(context.Background(), 1) }()
			<-c.model.entered
		},
		Idle: func(t *testing.T, c stuckRuntime) {
			select {
			case <-c.model.returned:
			default:
				require.Fail(t, "Stop returned while the model still ran")
			}
			require.True(t, c.model.closed.Load(), "Stop did not close the model")
			require.False(t, c.model.closedWhileBusy.Load(), "Stop closed the model while a batch still ran on the CPU pool")
		},
		Closed: []error{inference.ErrStopped, startstop.ErrStopped},
		Stress: 10,
	})
}
