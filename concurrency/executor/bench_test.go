package executor_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/masx-ai/masx/concurrency/executor"
)

// The benchmarks measure what the pool adds to a task that does nothing,
// side by side with the plain-goroutine code it replaces. Run them with
//
//	go test -run '^$' -bench . -benchmem ./concurrency/executor/
//
// The package doc quotes the results and how they were taken.

func noop(context.Context) (int, error) { return 1, nil }

func noopItem(_ context.Context, i int) (int, error) { return i, nil }

// BenchmarkRun is one Run after another on a free pool: admission, a slot,
// a goroutine, a context, and the hand-back.
func BenchmarkRun(b *testing.B) {
	defer executor.SetStackCapture(false)() // measure what production pays
	p := executor.NewPool("bench", 4)
	defer p.Shutdown(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := executor.Run(ctx, p, noop); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoroutineBaseline is the least code that can run a function on
// another goroutine and wait for its result, as Run must.
func BenchmarkGoroutineBaseline(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan int, 1)
		go func() {
			v, _ := noop(ctx)
			ch <- v
		}()
		<-ch
	}
}

// BenchmarkRunParallel has every P calling Run at once on a pool of
// GOMAXPROCS slots, so the semaphore and counters are contended.
func BenchmarkRunParallel(b *testing.B) {
	defer executor.SetStackCapture(false)() // measure what production pays
	p := executor.NewPool("bench", runtime.GOMAXPROCS(0))
	defer p.Shutdown(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := executor.Run(ctx, p, noop); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

const mapItems = 1000

// BenchmarkMap maps 1000 no-op items on a 4-slot pool; ns/item is the
// per-item overhead.
func BenchmarkMap(b *testing.B) {
	defer executor.SetStackCapture(false)() // measure what production pays
	p := executor.NewPool("bench", 4)
	defer p.Shutdown(context.Background())
	ctx := context.Background()
	items := make([]int, mapItems)
	b.ReportAllocs()
	for b.Loop() {
		_, errs := executor.Map(ctx, p, items, noopItem)
		if errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mapItems), "ns/item")
}

// BenchmarkMapGoroutinePerItemBaseline is the usual hand-written bounded
// fan-out: a goroutine per item behind a semaphore channel of 4, results in
// order, an error slot per item.
func BenchmarkMapGoroutinePerItemBaseline(b *testing.B) {
	ctx := context.Background()
	items := make([]int, mapItems)
	b.ReportAllocs()
	for b.Loop() {
		out := make([]int, len(items))
		errs := make([]error, len(items))
		sem := make(chan struct{}, 4)
		var wg sync.WaitGroup
		for i, it := range items {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				out[i], errs[i] = noopItem(ctx, it)
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mapItems), "ns/item")
}

// BenchmarkMapWorkersBaseline is the leanest ordered fan-out: 4 workers
// pulling indexes from a counter, no pool, no panics caught, no counters.
func BenchmarkMapWorkersBaseline(b *testing.B) {
	ctx := context.Background()
	items := make([]int, mapItems)
	b.ReportAllocs()
	for b.Loop() {
		out := make([]int, len(items))
		errs := make([]error, len(items))
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= len(items) {
						return
					}
					out[i], errs[i] = noopItem(ctx, items[i])
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mapItems), "ns/item")
}
