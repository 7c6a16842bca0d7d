// Package batchbench measures the micro-batcher side by side in one run:
// its overhead against calling a no-op model directly, and its gain on a
// simulated accelerator against unbatched calls. `masx bench batch` prints
// the result.
//
// The simulated accelerator costs a fixed 2 ms per call plus 10 µs per item
// and runs one call at a time, as one GPU stream does. It sleeps rather than
// spins because an accelerator's work does not use host CPU; what is
// measured is how well the batcher keeps that one stream busy.
package batchbench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/internal/bench/procstat"
)

// Options configures a run. Zero fields take the documented defaults.
type Options struct {
	// Phase is how long each measured phase runs. Default 2s.
	Phase time.Duration
	// NoopCallers submit to the no-op model. Default 64.
	NoopCallers int
	// SimCallers call the simulated accelerator. Default 256.
	SimCallers int
	// BatchSize, MaxDelay and QueueMax configure the batcher (BATCH_SIZE,
	// BATCH_DELAY_MS, BATCH_QUEUE_MAX). Defaults 32, 50ms, 1000.
	BatchSize int
	MaxDelay  time.Duration
	QueueMax  int
	// SimFixed and SimPerItem are the simulated call's cost. Defaults 2ms
	// and 10µs.
	SimFixed   time.Duration
	SimPerItem time.Duration
	// Idle is how long the idle-CPU check watches a started, idle
	// batcher. Default 1s.
	Idle time.Duration
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defd(&o.Phase, 2*time.Second)
	def(&o.NoopCallers, 64)
	def(&o.SimCallers, 256)
	def(&o.BatchSize, batch.MaxBatchSizeDefault)
	defd(&o.MaxDelay, batch.MaxDelayDefault)
	def(&o.QueueMax, batch.QueueMaxDefault)
	defd(&o.SimFixed, 2*time.Millisecond)
	defd(&o.SimPerItem, 10*time.Microsecond)
	defd(&o.Idle, time.Second)
	return o
}

// Result is what `masx bench batch --json` prints.
type Result struct {
	BatchSize  int     `json:"batch_size"`
	MaxDelayMS float64 `json:"max_delay_ms"`

	// No-op model, NoopCallers concurrent submitters.
	DirectItemsPerSec float64 `json:"direct_items_per_sec"`
	NoopItemsPerSec   float64 `json:"noop_items_per_sec"`
	OverheadNsPerItem float64 `json:"overhead_ns_per_item"`
	NoopAvgBatch      float64 `json:"noop_avg_batch_size"`
	// CPU time (user+system, all cores) per item, and the difference.
	DirectCPUNsPerItem   float64 `json:"direct_cpu_ns_per_item"`
	NoopCPUNsPerItem     float64 `json:"noop_cpu_ns_per_item"`
	OverheadCPUNsPerItem float64 `json:"overhead_cpu_ns_per_item"`

	// Simulated accelerator, SimCallers concurrent callers.
	SimCallMS             float64 `json:"sim_call_ms"`
	UnbatchedItemsPerSec  float64 `json:"unbatched_items_per_sec"`
	BatchedItemsPerSec    float64 `json:"batched_items_per_sec"`
	Speedup               float64 `json:"speedup"`
	UnbatchedP50MS        float64 `json:"unbatched_p50_ms"`
	UnbatchedP99MS        float64 `json:"unbatched_p99_ms"`
	P50MS                 float64 `json:"p50_ms"`
	P99MS                 float64 `json:"p99_ms"`
	P99BoundMS            float64 `json:"p99_bound_ms"` // BATCH_DELAY_MS + one full-batch call + 2ms
	SimAvgBatch           float64 `json:"sim_avg_batch_size"`
	IdleCPUMillisPerSec   float64 `json:"idle_cpu_ms_per_sec"`
	IdleDispatcherWakeups int64   `json:"idle_dispatcher_wakeups"`
}

// Run measures and returns the result. It honours ctx between phases.
func Run(ctx context.Context, opts Options) (Result, error) {
	o := opts.withDefaults()
	r := Result{BatchSize: o.BatchSize, MaxDelayMS: ms(o.MaxDelay)}
	if err := measureOverhead(ctx, o, &r); err != nil {
		return r, err
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if err := measureGain(ctx, o, &r); err != nil {
		return r, err
	}
	return r, ctx.Err()
}

// measureOverhead is phase 1: a no-op model called directly, then through
// the batcher.
func measureOverhead(ctx context.Context, o Options, r *Result) error {
	noop := func(_ context.Context, in []int) ([]int, error) { return in, nil }
	c0 := procstat.CPU()
	direct := drive(ctx, o.NoopCallers, o.Phase, func(v int) error {
		_, err := noop(ctx, []int{v})
		return err
	})
	directCPU := procstat.CPU() - c0
	b, err := batch.New(noop, batch.Config[int]{Name: "noop", MaxBatchSize: o.BatchSize, MaxDelay: o.MaxDelay, QueueMax: o.QueueMax})
	if err != nil {
		return err
	}
	if err := b.Start(ctx); err != nil {
		return err
	}
	c0 = procstat.CPU()
	batched := drive(ctx, o.NoopCallers, o.Phase, func(v int) error {
		_, err := b.Submit(ctx, v)
		return err
	})
	batchedCPU := procstat.CPU() - c0
	r.NoopAvgBatch = b.Stats().AvgBatchSize
	if err := stop(b); err != nil {
		return err
	}
	if err := firstErr(direct, batched); err != nil {
		return fmt.Errorf("no-op phase: %w", err)
	}
	r.DirectItemsPerSec = direct.rate()
	r.NoopItemsPerSec = batched.rate()
	r.OverheadNsPerItem = 1e9/r.NoopItemsPerSec - 1e9/r.DirectItemsPerSec
	// CPU time per item does not depend on how much of the machine other
	// processes take, so it is the fairer overhead on a shared box.
	r.DirectCPUNsPerItem = float64(directCPU) / float64(max(direct.items, 1))
	r.NoopCPUNsPerItem = float64(batchedCPU) / float64(max(batched.items, 1))
	r.OverheadCPUNsPerItem = r.NoopCPUNsPerItem - r.DirectCPUNsPerItem
	return nil
}

// measureGain is phase 2, a simulated accelerator that runs one call at a
// time, unbatched then batched, and phase 3, the same started batcher
// left idle.
func measureGain(ctx context.Context, o Options, r *Result) error {
	sim := &accelerator{fixed: o.SimFixed, perItem: o.SimPerItem}
	r.SimCallMS = ms(o.SimFixed + time.Duration(o.BatchSize)*o.SimPerItem)
	unb := drive(ctx, o.SimCallers, o.Phase, func(v int) error {
		_, err := sim.call(ctx, []int{v})
		return err
	})
	sb, err := batch.New(sim.call, batch.Config[int]{Name: "sim", MaxBatchSize: o.BatchSize, MaxDelay: o.MaxDelay, QueueMax: o.QueueMax})
	if err != nil {
		return err
	}
	if err := sb.Start(ctx); err != nil {
		return err
	}
	bat := drive(ctx, o.SimCallers, o.Phase, func(v int) error {
		_, err := sb.Submit(ctx, v)
		return err
	})
	r.SimAvgBatch = sb.Stats().AvgBatchSize

	// 3. Idle: the same started batcher, nothing submitted.
	w0 := sb.Wakeups()
	cpu0 := procstat.CPU()
	select {
	case <-time.After(o.Idle):
	case <-ctx.Done():
	}
	r.IdleCPUMillisPerSec = ms(procstat.CPU()-cpu0) / o.Idle.Seconds()
	r.IdleDispatcherWakeups = sb.Wakeups() - w0
	if err := stop(sb); err != nil {
		return err
	}
	if err := firstErr(unb, bat); err != nil {
		return fmt.Errorf("simulated accelerator phase: %w", err)
	}
	r.UnbatchedItemsPerSec = unb.rate()
	r.BatchedItemsPerSec = bat.rate()
	r.Speedup = r.BatchedItemsPerSec / r.UnbatchedItemsPerSec
	r.UnbatchedP50MS, r.UnbatchedP99MS = unb.pct(0.50), unb.pct(0.99)
	r.P50MS, r.P99MS = bat.pct(0.50), bat.pct(0.99)
	r.P99BoundMS = ms(o.MaxDelay) + r.SimCallMS + 2
	return nil
}

// accelerator is a device that runs one call at a time.
type accelerator struct {
	mu      sync.Mutex
	fixed   time.Duration
	perItem time.Duration
}

func (a *accelerator) call(_ context.Context, in []int) ([]int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	time.Sleep(a.fixed + time.Duration(len(in))*a.perItem)
	return in, nil
}

type phase struct {
	items   int64
	elapsed time.Duration
	lat     []time.Duration
	err     error
}

func (p phase) rate() float64 { return float64(p.items) / p.elapsed.Seconds() }

func (p phase) pct(q float64) float64 {
	if len(p.lat) == 0 {
		return 0
	}
	return ms(p.lat[min(len(p.lat)-1, int(q*float64(len(p.lat))))])
}

// drive runs callers goroutines calling fn in a loop for d and records
// every call's latency.
func drive(ctx context.Context, callers int, d time.Duration, fn func(v int) error) phase {
	var (
		wg    sync.WaitGroup
		stopF atomic.Bool
		mu    sync.Mutex
		all   []time.Duration
		n     atomic.Int64
		first atomic.Value
	)
	start := time.Now()
	for g := range callers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1024)
			for i := 0; !stopF.Load(); i++ {
				t0 := time.Now()
				if err := fn(g<<20 | i); err != nil {
					first.CompareAndSwap(nil, err)
					break
				}
				lat = append(lat, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	stopF.Store(true)
	elapsed := time.Since(start)
	wg.Wait()
	slices.Sort(all)
	p := phase{items: n.Load(), elapsed: elapsed, lat: all}
	if e, ok := first.Load().(error); ok {
		p.err = e
	}
	return p
}

func firstErr(ps ...phase) error {
	for _, p := range ps {
		if p.err != nil {
			return p.err
		}
	}
	return nil
}

func stop[In, Out any](b *batch.Batcher[In, Out]) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return b.Stop(ctx)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
