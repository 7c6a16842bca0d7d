package cluster

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// workersFor resolves a Workers setting: 0 means GOMAXPROCS.
func workersFor(w int) int {
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(w, 1)
}

// forEachTask runs fn(worker, task) for task in [0, tasks) on up to workers
// goroutines, which pull tasks from a shared counter so uneven tasks
// balance. It returns when every goroutine has finished, so nothing
// outlives the call. ctx is checked before each task; the first error wins
// and stops the others at their next task.
func forEachTask(ctx context.Context, workers, tasks int, fn func(worker, task int)) error {
	workers = min(workers, tasks)
	if workers <= 1 {
		for t := range tasks {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(0, t)
		}
		return nil
	}
	var (
		next    atomic.Int64
		stopped atomic.Bool
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for !stopped.Load() {
				t := int(next.Add(1) - 1)
				if t >= tasks {
					return
				}
				if ctx.Err() != nil {
					stopped.Store(true)
					return
				}
				fn(w, t)
			}
		})
	}
	wg.Wait()
	if stopped.Load() {
		return ctx.Err()
	}
	return nil
}
