package batch_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/startstop"
	"github.com/masx-ai/masx/concurrency/startstop/startstoptest"
)

// stuckBatcher's batch function runs until its context is cancelled.
type stuckBatcher struct {
	*batch.Batcher[int, int]
	entered  chan struct{} // a batch started
	returned chan struct{} // a batch function returned
}

// TestLifecycleContract checks Start and Stop against the contract of
// package startstop. Not parallel: it checks for leaked goroutines.
func TestLifecycleContract(t *testing.T) {
	startstoptest.Check(t, startstoptest.Harness[stuckBatcher]{
		New: func(t *testing.T) stuckBatcher {
			c := stuckBatcher{entered: make(chan struct{}, 1), returned: make(chan struct{}, 1)}
			fn := func(ctx context.Context, in []int) ([]int, error) {
				c.entered <- struct{}{}
				<-ctx.Done()
				c.returned <- struct{}{}
				return nil, ctx.Err()
			}
			b, err := batch.New(fn, batch.Config[int]{MaxBatchSize: 1, MaxDelay: batch.NoDelay})
			require.NoError(t, err)
			c.Batcher = b
			return c
		},
		Busy: func(t *testing.T, c stuckBatcher) {
			go func() { _, _ = c.Submit(context.Background(), 1) }()
			<-c.entered
		},
		Idle: func(t *testing.T, c stuckBatcher) {
			select {
			case <-c.returned:
			default:
				require.Fail(t, "Stop returned while the batch function still ran")
			}
		},
		Closed: []error{batch.ErrClosed, startstop.ErrStopped},
		Stress: 10,
	})
}
