package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// The defaults of Config, the seed's MAX_THREADS and MAX_PROCS.
const (
	DefaultMaxThreads = 20
	DefaultMaxProcs   = 4
)

// ErrInvalidConfig is wrapped by New's error for a Config it cannot use.
var ErrInvalidConfig = errors.New("invalid executor config")

// Config sizes the shared executors.
type Config struct {
	// MaxThreads bounds the I/O pool: blocking calls (file reads, cgo calls
	// that wait, clients without a context). MAX_THREADS; 0 means
	// DefaultMaxThreads (20).
	MaxThreads int
	// MaxProcs bounds the CPU pool: CPU-heavy work such as parsing,
	// clustering and CPU inference. MAX_PROCS; 0 means DefaultMaxProcs (4).
	MaxProcs int
}

// withDefaults fills zero fields and rejects negative ones.
func (c Config) withDefaults() (Config, error) {
	check := func(field string, v, def int) (int, error) {
		switch {
		case v < 0:
			return 0, fmt.Errorf("%w: Config.%s = %d: want ≥ 1, or 0 for the default %d", ErrInvalidConfig, field, v, def)
		case v == 0:
			return def, nil
		}
		return v, nil
	}
	var err error
	if c.MaxThreads, err = check("MaxThreads", c.MaxThreads, DefaultMaxThreads); err != nil {
		return c, err
	}
	if c.MaxProcs, err = check("MaxProcs", c.MaxProcs, DefaultMaxProcs); err != nil {
		return c, err
	}
	return c, nil
}

// Executors are the process's two shared pools. main makes one set, hands
// it down, and shuts it down last; nothing else creates pools of its own.
type Executors struct {
	// IO, named "io", runs blocking calls; its limit is MaxThreads.
	IO *Pool
	// CPU, named "cpu", runs CPU-heavy work; its limit is MaxProcs.
	CPU *Pool
}

// New makes the shared executors from cfg, after filling its defaults.
func New(cfg Config) (*Executors, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// Ordered io → cpu: an I/O task may wait for CPU work (a fetch for its
	// extraction), so a CPU task may never wait for an I/O slot (CheckWait).
	io, cpu := NewPool("io", cfg.MaxThreads), NewPool("cpu", cfg.MaxProcs)
	io.order, cpu.order = 1, 2
	return &Executors{IO: io, CPU: cpu}, nil
}

// Shutdown shuts both pools down with Pool.Shutdown's drain-then-cancel
// rules, the lifecycle contract of package startstop. Both stop accepting
// work at once and drain side by side, under the one deadline of ctx; if
// it ends first, both cancel what is left, and Shutdown returns ctx's
// error once every task of both pools has returned.
func (e *Executors) Shutdown(ctx context.Context) error {
	e.IO.close()
	e.CPU.close()
	errIO := e.IO.wait(ctx)
	errCPU := e.CPU.wait(ctx)
	if errIO != nil {
		return fmt.Errorf("shutting down the executors: %w", errIO)
	}
	if errCPU != nil {
		return fmt.Errorf("shutting down the executors: %w", errCPU)
	}
	return nil
}

// Register registers the collector of both pools (see NewCollector) with
// reg.
func (e *Executors) Register(reg prometheus.Registerer) error {
	if err := reg.Register(NewCollector(e.IO, e.CPU)); err != nil {
		return fmt.Errorf("registering executor metrics: %w", err)
	}
	return nil
}

// NewCollector returns a Prometheus collector for pools, read from their
// Stats at scrape time, so counting costs the pools nothing beyond their
// atomics. Every metric has a "pool" label; pool names must be distinct.
//
//	masx_executor_limit                   gauge    slots
//	masx_executor_running                 gauge    tasks executing
//	masx_executor_queued                  gauge    tasks waiting for a slot
//	masx_executor_tasks_submitted_total   counter
//	masx_executor_tasks_completed_total   counter
//	masx_executor_tasks_failed_total      counter
//	masx_executor_tasks_panicked_total    counter
//	masx_executor_tasks_cancelled_total   counter
func NewCollector(pools ...*Pool) prometheus.Collector {
	return &collector{pools: pools}
}

type collector struct{ pools []*Pool }

type metricDesc struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) float64
}

func newDesc(name, help string, kind prometheus.ValueType, value func(Stats) float64) metricDesc {
	return metricDesc{
		desc:  prometheus.NewDesc("masx_executor_"+name, help, []string{"pool"}, nil),
		kind:  kind,
		value: value,
	}
}

// collectorDescs never changes after init.
var collectorDescs = []metricDesc{
	newDesc("limit", "Tasks the pool runs at once (MAX_THREADS or MAX_PROCS).", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.Limit) }),
	newDesc("running", "Tasks executing now.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.Running) }),
	newDesc("queued", "Accepted tasks waiting for a free slot.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.Queued) }),
	newDesc("tasks_submitted_total", "Tasks accepted by the pool.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Submitted) }),
	newDesc("tasks_completed_total", "Tasks that returned without error.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Completed) }),
	newDesc("tasks_failed_total", "Tasks that returned an error.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Failed) }),
	newDesc("tasks_panicked_total", "Tasks that panicked (recovered and returned as errors).", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Panicked) }),
	newDesc("tasks_cancelled_total", "Tasks cancelled before starting or that failed after their context was cancelled.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Cancelled) }),
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range collectorDescs {
		ch <- d.desc
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.pools {
		s := p.Stats()
		for _, d := range collectorDescs {
			ch <- prometheus.MustNewConstMetric(d.desc, d.kind, d.value(s), s.Name)
		}
	}
}
