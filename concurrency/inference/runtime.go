package inference

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/panics"
	"github.com/masx-ai/masx/concurrency/startstop"
)

// Errors callers branch on.
var (
	// ErrNotStarted: Infer before Start, or Register after it.
	ErrNotStarted = errors.New("inference: runtime not started")
	// ErrStopped: the runtime is stopping or stopped; also Start after
	// Stop.
	ErrStopped = errors.New("inference: runtime stopped")
	// ErrDuplicateModel: a second Register with the same name.
	ErrDuplicateModel = errors.New("inference: model already registered")
)

// Config configures a Runtime. Zero fields take the documented defaults.
type Config struct {
	// Device is the process's device decision (device.Detect). The zero
	// value means the CPU.
	Device device.Config
	// Executors are the process's shared pools. CPU batches run on
	// Executors.CPU so model work and other CPU-heavy work share one
	// bound. Nil runs CPU batches on the batcher's goroutine.
	Executors *executor.Executors
	// BatchSize, BatchDelay and QueueMax are every model's batching
	// defaults: batch.MaxBatchSizeDefault (32), batch.MaxDelayDefault
	// (50ms) and batch.QueueMaxDefault (1000). A model's ModelConfig
	// overrides them.
	BatchSize  int
	BatchDelay time.Duration
	QueueMax   int
	// CPUConcurrentBatches is how many batches of one model run at once on
	// the CPU. Default 1: ONNX Runtime already spreads one batch over its
	// intra-op threads, and two batches would fight for them.
	CPUConcurrentBatches int
	// Logger receives load and fallback events. Default slog.Default().
	Logger *slog.Logger
	// Registerer, when set, receives the runtime's and every batcher's
	// Prometheus collectors at Start.
	Registerer prometheus.Registerer
}

func (c Config) withDefaults() (Config, error) {
	if c.Device.Type == "" {
		c.Device = CPUDevice("no device configured")
	}
	if c.Device.Type != device.CPU && c.Device.Type != device.CUDA {
		return c, fmt.Errorf("inference: Device.Type %q: want cpu or cuda", c.Device.Type)
	}
	if c.BatchSize < 0 || c.QueueMax < 0 || c.BatchDelay < 0 || c.CPUConcurrentBatches < 0 {
		return c, fmt.Errorf("inference: BatchSize %d, BatchDelay %v, QueueMax %d, CPUConcurrentBatches %d: want ≥ 0",
			c.BatchSize, c.BatchDelay, c.QueueMax, c.CPUConcurrentBatches)
	}
	if c.BatchSize == 0 {
		c.BatchSize = batch.MaxBatchSizeDefault
	}
	if c.BatchDelay == 0 {
		c.BatchDelay = batch.MaxDelayDefault
	}
	if c.QueueMax == 0 {
		c.QueueMax = batch.QueueMaxDefault
	}
	if c.CPUConcurrentBatches == 0 {
		c.CPUConcurrentBatches = 1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// CPUDevice is the device config used for CPU models, with a reason.
func CPUDevice(reason string) device.Config {
	return device.Config{Type: device.CPU, Name: "cpu", Reason: reason}
}

// ModelConfig tunes one model's batcher. Zero fields take the Runtime's
// defaults.
type ModelConfig[In any] struct {
	MaxBatchSize int
	MaxDelay     time.Duration
	QueueMax     int
	// Policy when the queue is full; default batch.Block. batch.Reject
	// fails the call at once with batch.ErrQueueFull instead of waiting.
	Policy batch.Policy
	// Cost and MaxBatchCost bound a batch in tokens rather than items;
	// SortKey groups similar lengths. See batch.Config.
	Cost         func(In) int
	MaxBatchCost int
	SortKey      func(In) int
	// GPUConcurrentBatches is how many batches run at once on the GPU;
	// default 1, as one CUDA stream runs one batch at a time.
	GPUConcurrentBatches int
}

// Runtime is the seed's InferenceRuntime: one per process, hosting several
// named models of different types. Each model has its own batcher; all share
// the device and the executors. Register models, Start, call them through
// their typed Handles, and Stop to drain.
type Runtime struct {
	cfg  Config
	life startstop.Lifecycle

	mu      sync.Mutex
	models  []entry
	names   map[string]bool
	startAt time.Time
}

// entry is the type-erased side of a Handle that the Runtime manages.
type entry interface {
	name() string
	start(ctx context.Context) error
	stop(ctx context.Context) error
	snapshot() ModelMetrics
	collectors() []prometheus.Collector
}

// New returns a Runtime; nothing is loaded until Start.
func New(cfg Config) (*Runtime, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Runtime{cfg: c, names: map[string]bool{}}, nil
}

// Device returns the device the Runtime was configured with.
func (rt *Runtime) Device() device.Config { return rt.cfg.Device }

// Register adds a model under name, before Start. The returned Handle is
// the type-safe way to call it.
func Register[In, Out any](rt *Runtime, name string, load Loader[In, Out], mc ModelConfig[In]) (*Handle[In, Out], error) {
	if load == nil {
		return nil, fmt.Errorf("inference: registering %q: nil loader", name)
	}
	if name == "" {
		return nil, errors.New("inference: registering a model: empty name")
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.life.State() != startstop.New {
		return nil, fmt.Errorf("inference: registering %q after Start: %w", name, ErrNotStarted)
	}
	if rt.names[name] {
		return nil, fmt.Errorf("inference: registering %q: %w", name, ErrDuplicateModel)
	}
	h := &Handle[In, Out]{rt: rt, modelName: name, load: load, mc: mc}
	rt.names[name] = true
	rt.models = append(rt.models, h)
	return h, nil
}

// Start loads every registered model on the configured device behind its
// batcher. On CUDA, a model whose GPU load fails is loaded on the CPU
// instead, with the reason logged, unless the device config has ForceGPU;
// then Start fails with an error wrapping device.ErrForcedGPUUnavailable. A
// failed Start unloads what it loaded. Start follows the lifecycle contract
// of package startstop: a second Start is a no-op, and Start after Stop
// fails with ErrStopped (and startstop.ErrStopped).
func (rt *Runtime) Start(ctx context.Context) error {
	if err := rt.life.Start(func() error { return rt.start(ctx) }); err != nil {
		if errors.Is(err, startstop.ErrStopped) {
			return fmt.Errorf("%w: %w", ErrStopped, err)
		}
		return err
	}
	return nil
}

func (rt *Runtime) start(ctx context.Context) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	// A failed Start leaves the Runtime new, and Stop then has nothing to
	// stop: unload what was loaded here.
	unload := func(started []entry) {
		for _, m := range slices.Backward(started) {
			_ = m.stop(context.WithoutCancel(ctx))
		}
	}
	for i, m := range rt.models {
		if err := m.start(ctx); err != nil {
			unload(rt.models[:i])
			return err
		}
	}
	if rt.cfg.Registerer != nil {
		cs := []prometheus.Collector{runtimeCollector{rt}}
		for _, m := range rt.models {
			cs = append(cs, m.collectors()...)
		}
		for _, c := range cs {
			if err := rt.cfg.Registerer.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					unload(rt.models)
					return fmt.Errorf("inference: registering metrics: %w", err)
				}
			}
		}
	}
	rt.startAt = time.Now()
	return nil
}

// Stop drains every model's batcher (queued items are flushed, in-flight
// batches finish), then closes the models. It follows the lifecycle
// contract of package startstop: if ctx ends first, what is left fails
// with batch.ErrClosed and the batches are cancelled; Stop still waits for
// them, closes the models, and returns ctx's error. Stop before Start, and
// any number of Stop calls, are safe.
func (rt *Runtime) Stop(ctx context.Context) error {
	return rt.life.Stop(ctx, rt.stop)
}

// stop is Stop's work, run once; abort ends when a Stop's ctx does.
func (rt *Runtime) stop(abort context.Context) error {
	rt.mu.Lock()
	models := slices.Clone(rt.models)
	rt.mu.Unlock()
	var errs []error
	for _, m := range models {
		if err := m.stop(abort); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// IsStarted reports whether Start succeeded and Stop has not been called.
func (rt *Runtime) IsStarted() bool {
	return rt.life.State() == startstop.Running
}

// ExecutionPath is "cuda" when any model runs on the GPU, else "cpu".
func (rt *Runtime) ExecutionPath() device.Type {
	for _, m := range rt.snapshotAll() {
		if m.ExecutionPath == device.CUDA {
			return device.CUDA
		}
	}
	return device.CPU
}

// QueueDepth is the number of items queued across all models.
func (rt *Runtime) QueueDepth() int {
	n := 0
	for _, m := range rt.snapshotAll() {
		n += m.QueueDepth
	}
	return n
}

func (rt *Runtime) snapshotAll() []ModelMetrics {
	rt.mu.Lock()
	models := slices.Clone(rt.models)
	rt.mu.Unlock()
	out := make([]ModelMetrics, 0, len(models))
	for _, m := range models {
		out = append(out, m.snapshot())
	}
	return out
}

// Handle calls one registered model with its own types.
type Handle[In, Out any] struct {
	rt        *Runtime
	modelName string
	load      Loader[In, Out]
	mc        ModelConfig[In]

	mu      sync.Mutex
	path    device.Type
	primary Model[In, Out]
	b       *batch.Batcher[In, Out]
	cpuOnce sync.Mutex // serialises the lazy CPU fallback load
	cpu     Model[In, Out]
	cpuErr  error

	// closing keeps stop from closing a model under a CPU batch that still
	// runs on the shared pool: executor.Run returns when the batch context
	// is cancelled, but the task goes on until the model returns.
	closing sync.RWMutex
	closed  bool

	gpuReq, cpuReq, fallbacks atomic.Int64
}

func (h *Handle[In, Out]) name() string { return h.modelName }

// Name is the name the model was registered under.
func (h *Handle[In, Out]) Name() string { return h.modelName }

// Path reports where the model runs now: cuda or cpu.
func (h *Handle[In, Out]) Path() device.Type {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.path
}

func (h *Handle[In, Out]) start(ctx context.Context) error {
	cfg := h.rt.cfg
	dev := cfg.Device
	var m Model[In, Out]
	var err error
	if dev.Type == device.CUDA {
		m, err = h.safeLoad(ctx, dev)
		if err != nil {
			if dev.ForceGPU {
				return fmt.Errorf("inference: loading %q on cuda:%d: %w: %w", h.modelName, dev.ID, device.ErrForcedGPUUnavailable, err)
			}
			cfg.Logger.Warn("GPU model load failed; falling back to CPU", "model", h.modelName, "device", dev.ID, "err", err)
			dev = CPUDevice(fmt.Sprintf("GPU load failed: %v", err))
			m = nil
		}
	}
	if m == nil {
		m, err = h.safeLoad(ctx, dev)
		if err != nil {
			return fmt.Errorf("inference: loading %q on cpu: %w", h.modelName, err)
		}
	}
	bc := batch.Config[In]{
		Name:         h.modelName + "/" + string(dev.Type),
		MaxBatchSize: or(h.mc.MaxBatchSize, cfg.BatchSize),
		MaxDelay:     orDur(h.mc.MaxDelay, cfg.BatchDelay),
		QueueMax:     or(h.mc.QueueMax, cfg.QueueMax),
		Policy:       h.mc.Policy,
		Cost:         h.mc.Cost,
		MaxBatchCost: h.mc.MaxBatchCost,
		SortKey:      h.mc.SortKey,
	}
	h.closing.Lock()
	h.closed = false // a Start that failed and is tried again
	h.closing.Unlock()
	var fn batch.Func[In, Out]
	if dev.Type == device.CUDA {
		bc.MaxConcurrentBatches = or(h.mc.GPUConcurrentBatches, 1)
		fn = h.gpuBatch(m, dev.ForceGPU)
	} else {
		bc.MaxConcurrentBatches = cfg.CPUConcurrentBatches
		fn = h.cpuBatch(m)
	}
	b, err := batch.New(fn, bc)
	if err == nil {
		err = b.Start(ctx)
	}
	if err != nil {
		_ = m.Close()
		return fmt.Errorf("inference: starting batcher for %q: %w", h.modelName, err)
	}
	h.mu.Lock()
	h.path, h.primary, h.b = dev.Type, m, b
	h.mu.Unlock()
	cfg.Logger.Info("model loaded", "model", h.modelName, "device", dev.Type, "batch_size", bc.MaxBatchSize, "max_delay", bc.MaxDelay)
	return nil
}

// safeLoad calls the loader, turning a panic in foreign loading code into
// an error wrapping a *panics.Error, stack included.
func (h *Handle[In, Out]) safeLoad(ctx context.Context, dev device.Config) (m Model[In, Out], err error) {
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, fmt.Errorf("loader %w", panics.New(v))
		}
	}()
	m, err = h.load(ctx, dev)
	if err == nil && m == nil {
		err = errors.New("loader returned no model")
	}
	return m, err
}

// cpuBatch runs batches on the shared CPU pool.
func (h *Handle[In, Out]) cpuBatch(m Model[In, Out]) batch.Func[In, Out] {
	return func(ctx context.Context, in []In) ([]Out, error) {
		h.cpuReq.Add(int64(len(in)))
		return h.runCPU(ctx, m, in)
	}
}

func (h *Handle[In, Out]) runCPU(ctx context.Context, m Model[In, Out], in []In) ([]Out, error) {
	if ex := h.rt.cfg.Executors; ex != nil {
		return executor.Run(ctx, ex.CPU, func(ctx context.Context) ([]Out, error) {
			h.closing.RLock()
			defer h.closing.RUnlock()
			if h.closed {
				return nil, fmt.Errorf("inference: %q: %w", h.modelName, ErrStopped)
			}
			return m.Infer(ctx, in)
		})
	}
	return m.Infer(ctx, in)
}

// gpuBatch runs batches on the GPU model. A batch that fails with
// ErrDevice is retried on a lazily loaded CPU model (the original only fell
// back at start-up, so a GPU failure later reached the caller).
func (h *Handle[In, Out]) gpuBatch(m Model[In, Out], forced bool) batch.Func[In, Out] {
	return func(ctx context.Context, in []In) ([]Out, error) {
		h.gpuReq.Add(int64(len(in)))
		out, err := m.Infer(ctx, in)
		if err == nil || forced || !errors.Is(err, ErrDevice) {
			return out, err
		}
		cpu, lerr := h.cpuFallback(ctx)
		if lerr != nil {
			return nil, fmt.Errorf("inference: %q: GPU batch failed (%w) and the CPU fallback did not load: %w", h.modelName, err, lerr)
		}
		h.fallbacks.Add(1)
		h.cpuReq.Add(int64(len(in)))
		h.rt.cfg.Logger.Warn("GPU batch failed; retried on CPU", "model", h.modelName, "items", len(in), "err", err)
		return h.runCPU(ctx, cpu, in)
	}
}

func (h *Handle[In, Out]) cpuFallback(ctx context.Context) (Model[In, Out], error) {
	h.cpuOnce.Lock()
	defer h.cpuOnce.Unlock()
	if h.cpu == nil && h.cpuErr == nil {
		h.cpu, h.cpuErr = h.safeLoad(ctx, CPUDevice("fallback after a GPU device error"))
		if h.cpuErr != nil && ctx.Err() != nil {
			h.cpuErr = nil // a cancelled load is retried next time
			return nil, ctx.Err()
		}
	}
	return h.cpu, h.cpuErr
}

func (h *Handle[In, Out]) batcher() (*batch.Batcher[In, Out], error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.b == nil {
		if h.rt.stoppedNow() {
			return nil, fmt.Errorf("inference: %q: %w", h.modelName, ErrStopped)
		}
		return nil, fmt.Errorf("inference: %q: %w", h.modelName, ErrNotStarted)
	}
	return h.b, nil
}

func (rt *Runtime) stoppedNow() bool {
	return rt.life.State() >= startstop.Stopping
}

// checkWait refuses a call that would wait for a batch while holding a
// slot of the CPU pool the batch runs on: when every slot is held by such a
// caller, the batch never gets one (the deadlock that hung the pipeline).
// GPU batches need the pool too, for the CPU fallback.
func (h *Handle[In, Out]) checkWait(ctx context.Context) error {
	if ex := h.rt.cfg.Executors; ex != nil {
		if err := executor.CheckWait(ctx, ex.CPU, fmt.Sprintf("a call to model %q", h.modelName)); err != nil {
			return fmt.Errorf("inference: %w", err)
		}
	}
	return nil
}

// Infer runs one item through the model's batcher. It must not be called
// from a task that holds a slot of the runtime's CPU pool: such a call
// fails at once with an error wrapping executor.ErrWaitCycle.
func (h *Handle[In, Out]) Infer(ctx context.Context, in In) (Out, error) {
	if err := h.checkWait(ctx); err != nil {
		var zero Out
		return zero, err
	}
	b, err := h.batcher()
	if err != nil {
		var zero Out
		return zero, err
	}
	return b.Submit(ctx, in)
}

// InferMany runs items through the model's batcher and returns results in
// input order with one error slot per item (nil where it succeeded). Like
// Infer, it refuses a caller that holds a slot of the CPU pool.
func (h *Handle[In, Out]) InferMany(ctx context.Context, in []In) ([]Out, []error) {
	var b *batch.Batcher[In, Out]
	err := h.checkWait(ctx)
	if err == nil {
		b, err = h.batcher()
	}
	if err != nil {
		errs := make([]error, len(in))
		for i := range errs {
			errs[i] = err
		}
		return make([]Out, len(in)), errs
	}
	return b.InferMany(ctx, in)
}

// stop drains the model's batcher, or cancels its batches once ctx ends,
// and closes the models when no batch runs any more. The Runtime calls it
// once per Start (Stop, or a failed Start).
func (h *Handle[In, Out]) stop(ctx context.Context) error {
	h.mu.Lock()
	b, m := h.b, h.primary
	h.mu.Unlock()
	if b != nil {
		// Its only error is ctx's: the batch goroutines are gone either
		// way, and the Runtime's Stop reports ctx's error.
		_ = b.Stop(ctx)
	}
	// Wait for CPU batches still running on the shared pool.
	h.closing.Lock()
	h.closed = true
	h.closing.Unlock()
	h.mu.Lock()
	h.b, h.primary = nil, nil
	h.mu.Unlock()
	var errs []error
	if m != nil {
		errs = append(errs, m.Close())
	}
	h.cpuOnce.Lock()
	if h.cpu != nil {
		errs = append(errs, h.cpu.Close())
		h.cpu = nil
	}
	h.cpuOnce.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("inference: closing %q: %w", h.modelName, err)
	}
	return nil
}

func (h *Handle[In, Out]) collectors() []prometheus.Collector {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.b == nil {
		return nil
	}
	return []prometheus.Collector{h.b}
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDur(v, def time.Duration) time.Duration {
	if v != 0 {
		return v
	}
	return def
}
