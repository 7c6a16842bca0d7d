package seq2seq

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/onnx"
)

// Defaults for RuntimeConfig fields left zero.
const (
	// MaxBatchTokensDefault bounds a batch's cost: source tokens times
	// beams. 4096 holds 32 sentences of 32 tokens with 4 beams, the shape
	// of the OPUS-MT benchmark (docs/performance.md), so the batching that
	// pays on the CPU is never cut, while one 1,024-token BART window with
	// 4 beams still runs alone.
	MaxBatchTokensDefault = 4096
	// MaxBatchSizeDefault is the most requests per batch: the lockstep
	// batch of 32 that the benchmark measures.
	MaxBatchSizeDefault = 32
)

// RuntimeConfig describes a seq2seq model served through the inference
// runtime.
type RuntimeConfig struct {
	// Dir is the model folder. Required.
	Dir string
	// Name labels the model in metrics. Default: Dir's base name.
	Name string
	// Load configures the sessions; CUDA is set from the runtime's device.
	Load Options
	// MaxBatchSize is the most requests per batch. Default
	// MaxBatchSizeDefault.
	MaxBatchSize int
	// MaxBatchTokens bounds a batch's summed cost (source tokens × beams).
	// Default MaxBatchTokensDefault.
	MaxBatchTokens int
	// MaxDelay, QueueMax and Policy are the batcher's (zero: the runtime's
	// defaults; Policy batch.Reject fails a full queue with
	// batch.ErrQueueFull at once).
	MaxDelay time.Duration
	QueueMax int
	Policy   batch.Policy

	// wrap lets tests put a device-fault double around the loaded model.
	wrap func(dev device.Config, m inference.Model[Request, Result]) inference.Model[Request, Result]
}

// Generator generates through the inference runtime: requests from every
// caller share batches, sorted by source length and bounded in tokens, on
// the runtime's device with its CPU fallback. It is safe for concurrent
// use; call it from goroutines that hold no CPU-pool slot (the concurrency
// rule in CONTRIBUTING.md; the runtime refuses such a call).
type Generator struct {
	cfg      RuntimeConfig
	h        *inference.Handle[Request, Result]
	c        *counters
	defaults GenerationConfig
}

// Register adds the model cfg describes to rt (before rt.Start) and
// returns its Generator. The model loads at rt.Start.
func Register(rt *inference.Runtime, cfg RuntimeConfig) (*Generator, error) {
	if cfg.Dir == "" {
		return nil, errors.New("seq2seq: RuntimeConfig.Dir is empty; want a model folder")
	}
	if cfg.MaxBatchSize < 0 || cfg.MaxBatchTokens < 0 {
		return nil, fmt.Errorf("seq2seq: MaxBatchSize %d, MaxBatchTokens %d: want ≥ 0", cfg.MaxBatchSize, cfg.MaxBatchTokens)
	}
	if cfg.Name == "" {
		cfg.Name = filepath.Base(cfg.Dir)
	}
	if cfg.MaxBatchSize == 0 {
		cfg.MaxBatchSize = MaxBatchSizeDefault
	}
	if cfg.MaxBatchTokens == 0 {
		cfg.MaxBatchTokens = MaxBatchTokensDefault
	}
	_, defaults, err := loadFolderConfig(cfg.Dir)
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, c: &counters{}, defaults: defaults}
	cost := func(r Request) int {
		beams := defaults.NumBeams
		if r.Config != nil {
			beams = r.Config.NumBeams
		}
		return max(len(r.IDs), 1) * max(beams, 1)
	}
	mc := inference.ModelConfig[Request]{
		MaxBatchSize: cfg.MaxBatchSize, MaxDelay: cfg.MaxDelay, QueueMax: cfg.QueueMax, Policy: cfg.Policy,
		Cost: cost, MaxBatchCost: cfg.MaxBatchTokens,
		SortKey: func(r Request) int { return len(r.IDs) },
	}
	if g.h, err = inference.Register(rt, "seq2seq/"+cfg.Name, g.load, mc); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Generator) load(ctx context.Context, dev device.Config) (inference.Model[Request, Result], error) {
	opts := g.cfg.Load
	opts.CUDA, opts.DeviceID = dev.UseGPU(), dev.ID
	opts.RequireCUDA = opts.RequireCUDA || dev.ForceGPU
	m, err := load(ctx, g.cfg.Dir, opts, g.c)
	if err != nil {
		if dev.UseGPU() && errors.Is(err, onnx.ErrCUDA) {
			err = fmt.Errorf("%w: %w", inference.ErrDevice, err)
		}
		return nil, err
	}
	var im inference.Model[Request, Result] = runtimeModel{m}
	if g.cfg.wrap != nil {
		im = g.cfg.wrap(dev, im)
	}
	return im, nil
}

// runtimeModel is a Model as the runtime calls it: one batch at a time,
// per-request errors as batch.ItemErrors, CUDA failures as
// inference.ErrDevice (the runtime then retries on the CPU).
type runtimeModel struct{ m *Model }

func (r runtimeModel) Infer(ctx context.Context, in []Request) ([]Result, error) {
	out, errs, err := r.m.Generate(ctx, in)
	if err != nil {
		if errors.Is(err, onnx.ErrCUDA) {
			return nil, fmt.Errorf("%w: %w", inference.ErrDevice, err)
		}
		return nil, err
	}
	if slices.ContainsFunc(errs, func(e error) bool { return e != nil }) {
		return out, batch.JoinItemErrors(errs)
	}
	return out, nil
}

func (r runtimeModel) Close() error { return r.m.Close() }

// Defaults are the model's generation defaults.
func (g *Generator) Defaults() GenerationConfig {
	d := g.defaults
	d.BadWordsIDs = slices.Clone(d.BadWordsIDs)
	return d
}

// withCaller ties a request to its caller: it leaves the batch between
// steps once ctx ends or its deadline passes.
func withCaller(ctx context.Context, r Request) Request {
	if r.Done == nil {
		r.Done = ctx.Done()
	}
	if dl, ok := ctx.Deadline(); ok && (r.Deadline.IsZero() || dl.Before(r.Deadline)) {
		r.Deadline = dl
	}
	return r
}

// Generate runs one request through the runtime. When ctx ends, it returns
// at once and the request leaves its batch before the next decoding step.
func (g *Generator) Generate(ctx context.Context, r Request) (Result, error) {
	return g.h.Infer(ctx, withCaller(ctx, r))
}

// GenerateMany runs requests through the runtime, shortest source first so
// that batches hold like lengths, and returns results and errors in input
// order.
func (g *Generator) GenerateMany(ctx context.Context, rs []Request) ([]Result, []error) {
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(rs[a].IDs) - len(rs[b].IDs) })
	sorted := make([]Request, len(rs))
	for i, j := range order {
		sorted[i] = withCaller(ctx, rs[j])
	}
	res, errs := g.h.InferMany(ctx, sorted)
	out, oerrs := make([]Result, len(rs)), make([]error, len(rs))
	for i, j := range order {
		out[j], oerrs[j] = res[i], errs[i]
	}
	return out, oerrs
}

// Metrics are the totals of every model the runtime loaded for this
// Generator (the GPU one and its CPU fallback together).
func (g *Generator) Metrics() Metrics { return g.c.metrics() }

// Path is where the model runs now: cuda or cpu.
func (g *Generator) Path() device.Type { return g.h.Path() }

// Handle is the runtime handle, for metrics.
func (g *Generator) Handle() *inference.Handle[Request, Result] { return g.h }
