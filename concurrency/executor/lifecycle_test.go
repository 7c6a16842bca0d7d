package executor_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/startstop/startstoptest"
)

// pools puts pools under the contract's names. A pool runs from NewPool,
// so Start only asks each pool to run a task, which fails with ErrClosed
// after Shutdown (the pools' latch); Stop is Shutdown.
type pools struct {
	list     []*executor.Pool
	shutdown func(context.Context) error
	entered  chan struct{} // a stuck task started
	returned chan struct{} // a stuck task returned
}

func (c pools) Start(ctx context.Context) error {
	for _, p := range c.list {
		if _, err := executor.Run(ctx, p, func(context.Context) (int, error) { return 0, nil }); err != nil {
			return err
		}
	}
	return nil
}

func (c pools) Stop(ctx context.Context) error { return c.shutdown(ctx) }

func poolsHarness(newPools func(t *testing.T) ([]*executor.Pool, func(context.Context) error)) startstoptest.Harness[pools] {
	return startstoptest.Harness[pools]{
		New: func(t *testing.T) pools {
			list, shutdown := newPools(t)
			return pools{list: list, shutdown: shutdown, entered: make(chan struct{}, len(list)), returned: make(chan struct{}, len(list))}
		},
		// One task per pool that runs until it is cancelled.
		Busy: func(t *testing.T, c pools) {
			for _, p := range c.list {
				go func() {
					_, _ = executor.Run(context.Background(), p, func(ctx context.Context) (int, error) {
						c.entered <- struct{}{}
						<-ctx.Done()
						c.returned <- struct{}{}
						return 0, ctx.Err()
					})
				}()
			}
			for range c.list {
				<-c.entered
			}
		},
		Idle: func(t *testing.T, c pools) {
			require.Len(t, c.returned, len(c.list), "Shutdown returned with tasks still running")
		},
		Closed: []error{executor.ErrClosed},
		Stress: 10,
	}
}

// TestLifecycleContract checks Pool.Shutdown and Executors.Shutdown against
// the contract of package startstop. Not parallel: it checks for leaked
// goroutines.
func TestLifecycleContract(t *testing.T) {
	t.Run("Pool", func(t *testing.T) {
		startstoptest.Check(t, poolsHarness(func(t *testing.T) ([]*executor.Pool, func(context.Context) error) {
			p := executor.NewPool("cpu", 2)
			return []*executor.Pool{p}, p.Shutdown
		}))
	})
	t.Run("Executors", func(t *testing.T) {
		startstoptest.Check(t, poolsHarness(func(t *testing.T) ([]*executor.Pool, func(context.Context) error) {
			ex, err := executor.New(executor.Config{MaxThreads: 2, MaxProcs: 2})
			require.NoError(t, err)
			return []*executor.Pool{ex.IO, ex.CPU}, ex.Shutdown
		}))
	})
}
