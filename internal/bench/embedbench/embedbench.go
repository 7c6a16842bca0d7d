// Package embedbench is `masx bench embed`: it measures, in one run and on
// one model, what micro-batching through the inference runtime buys for
// sentence embeddings and what it costs.
//
// Four measurements, each for the same wall-clock duration:
//
//   - unbatched: Callers goroutines each embed one text per model call,
//     straight on the ONNX session (what code without a batcher does);
//   - batched: the same callers, one text per call, through the runtime,
//     which groups their texts into batches;
//   - raw vs runtime at equal batch size: one loop calling the model with
//     full batches of BatchSize texts, against two callers each handing the
//     runtime BatchSize texts at a time (so it always has a full batch
//     ready); the gap is the runtime's overhead;
//   - the batching ceiling: the raw model one text per call in one loop,
//     against the full-batch loop above; what batching can buy on this
//     hardware with no batcher involved;
//   - mixed lengths (8 to MaxLength tokens) through the runtime with and
//     without length bucketing; padding efficiency is real tokens over
//     padded tokens.
//
// Fixed-length texts have SeqLen tokens ([CLS] and [SEP] included), built
// from whole-word vocabulary entries so the count is exact.
//
// Without a model folder the benchmark generates (once, cached) a
// random-weight encoder with the shape of all-MiniLM-L6-v2; see
// model/testmodel. Weights do not change the arithmetic, so throughput is
// that of the real model.
package embedbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/internal/bench/procstat"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/testmodel"
	"github.com/masx-ai/masx/nlp/embed"
)

// Config says what to measure. Zero fields take the defaults.
type Config struct {
	// Device is where the model runs: device.Detect's decision. The zero
	// value means the CPU.
	Device device.Config
	// Embed is the model's configuration: the ONNX Runtime library
	// (ORTLib, required), threads, fp16 and batching. Its Dir is replaced
	// by ModelDir and its MaxBatchTokens by MaxBatchTokens.
	Embed embed.Config
	// CacheDir is where the generated model is kept when ModelDir is
	// empty.
	CacheDir string
	// ModelDir is the model folder. Empty means the generated MiniLM-shaped
	// model in CacheDir (built on first use; needs python3-onnx).
	ModelDir string
	// Duration of each measurement. Default 5s.
	Duration time.Duration
	// Callers is the number of concurrent callers. Default 64.
	Callers int
	// SeqLen is the token count of the fixed-length texts. Default 128.
	SeqLen int
	// MaxBatchTokens bounds a runtime batch in tokens. Zero means the
	// device's default (embed.Config.MaxBatchTokens): 1024 on the CPU,
	// the batch size × max length on a GPU.
	MaxBatchTokens int
	// Logf reports progress. Nil means silence.
	Logf func(format string, args ...any)
}

// Report is the result; its JSON is `masx bench embed --json`.
type Report struct {
	Model          string  `json:"model"`
	ModelDir       string  `json:"model_dir"`
	Provider       string  `json:"provider"` // where the runtime ran the model: cpu or cuda
	Device         string  `json:"device"`
	FP16           bool    `json:"fp16"`
	ORTVersion     string  `json:"ort_version"`
	Threads        int     `json:"threads"`
	BatchSize      int     `json:"batch_size"` // texts per batch of fixed-length texts: BATCH_SIZE, or fewer when the token bound says so
	MaxBatchTokens int     `json:"max_batch_tokens"`
	BatchDelayMS   float64 `json:"batch_delay_ms"`
	Callers        int     `json:"callers"`
	SeqLen         int     `json:"seq_len"`
	DurationS      float64 `json:"duration_s"`

	// Throughput in texts per second of wall-clock time, and in texts per
	// CPU-second of this process (all threads): the second is what the
	// work costs, and holds on a machine other processes load too.
	UnbatchedItemsPerSec float64 `json:"unbatched_items_per_sec"`
	BatchedItemsPerSec   float64 `json:"batched_items_per_sec"`
	BatchedMeanBatch     float64 `json:"batched_mean_batch"`
	Speedup              float64 `json:"speedup"` // batched / unbatched
	UnbatchedPerCPUSec   float64 `json:"unbatched_items_per_cpu_sec"`
	BatchedPerCPUSec     float64 `json:"batched_items_per_cpu_sec"`
	CPUSpeedup           float64 `json:"cpu_speedup"` // per CPU-second, batched / unbatched

	RawItemsPerSec float64 `json:"raw_items_per_sec"` // model called with full batches
	// RawBatch1ItemsPerSec is the model called one text at a time in one
	// loop, alternated with the full-batch loop. BatchingCeiling is
	// RawItemsPerSec over it: what batching can buy on this hardware at
	// all, with no batcher in between. A batcher's Speedup cannot exceed
	// it by more than what concurrent unbatched callers lose to contention.
	RawBatch1ItemsPerSec float64 `json:"raw_batch1_items_per_sec"`
	BatchingCeiling      float64 `json:"batching_ceiling"`
	RuntimeItemsPerSec   float64 `json:"runtime_items_per_sec"` // same batches through the runtime
	RuntimeMeanBatch     float64 `json:"runtime_mean_batch"`
	RuntimeOverheadPct   float64 `json:"runtime_overhead_pct"` // (raw - runtime) / raw × 100
	RawPerCPUSec         float64 `json:"raw_items_per_cpu_sec"`
	RuntimePerCPUSec     float64 `json:"runtime_items_per_cpu_sec"`
	RuntimeCPUOverhead   float64 `json:"runtime_cpu_overhead_pct"`

	MixedItemsPerSec          float64 `json:"mixed_items_per_sec"`
	MixedUnsortedItemsPerSec  float64 `json:"mixed_unsorted_items_per_sec"`
	PaddingEfficiency         float64 `json:"padding_efficiency"` // mixed lengths, bucketed
	PaddingEfficiencyUnsorted float64 `json:"padding_efficiency_unsorted"`
}

func (c Config) withDefaults() (Config, error) {
	if c.Embed.ORTLib == "" {
		return c, errors.New("embedbench: Config.Embed.ORTLib is empty: want the ONNX Runtime library")
	}
	if c.ModelDir == "" && c.CacheDir == "" {
		return c, errors.New("embedbench: Config.CacheDir is empty: want a folder for the generated model, or set ModelDir")
	}
	if c.Device.Type == "" {
		c.Device = inference.CPUDevice("no device given")
	}
	if c.Duration == 0 {
		c.Duration = 5 * time.Second
	}
	if c.Callers == 0 {
		c.Callers = 64
	}
	if c.SeqLen == 0 {
		c.SeqLen = 128
	}
	switch {
	case c.Duration < 0:
		return c, fmt.Errorf("embedbench: Duration %v, want > 0", c.Duration)
	case c.Callers < 1:
		return c, fmt.Errorf("embedbench: Callers %d, want ≥ 1", c.Callers)
	case c.SeqLen < 3:
		return c, fmt.Errorf("embedbench: SeqLen %d, want ≥ 3", c.SeqLen)
	case c.MaxBatchTokens < 0:
		return c, fmt.Errorf("embedbench: MaxBatchTokens %d, want ≥ 0", c.MaxBatchTokens)
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}

// ModelDir returns the folder to benchmark: dir, or the MiniLM-shaped
// model cached in cacheDir (generated on first use).
func ModelDir(ctx context.Context, cacheDir, dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	spec := testmodel.MiniLM
	spec.FP16 = true // the GPU run loads the fp16 file
	return testmodel.Ensure(ctx, cacheDir, spec)
}

// Run measures. It needs ONNX Runtime (errors wrap onnx.ErrUnavailable).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b, err := setup(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Model: b.enc.Name(), ModelDir: b.cfg.ModelDir, Device: b.dev.String(), ORTVersion: onnx.Version(),
		Threads: b.ecfg.Threads, MaxBatchTokens: embed.BatchTokens(b.ecfg, b.dev),
		BatchDelayMS: float64(b.ecfg.MaxDelay) / float64(time.Millisecond), Callers: cfg.Callers,
		SeqLen: cfg.SeqLen, DurationS: cfg.Duration.Seconds(),
	}
	if err := b.loadRaw(ctx, rep); err != nil {
		return nil, err
	}
	defer b.model.Close()
	if err := b.startRuntime(ctx, rep); err != nil {
		return nil, err
	}
	defer b.rt.Stop(context.WithoutCancel(ctx))
	for _, measure := range []func(context.Context, *Report) error{b.measureBatching, b.measureOverhead, b.measureMixed} {
		if err := measure(ctx, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// bench is one run of the benchmark: the model, loaded raw and three
// times into a runtime, and the texts it is fed.
type bench struct {
	cfg  Config
	dev  device.Config
	enc  *embed.Encoder
	ecfg embed.Config
	// fixed texts have cfg.SeqLen tokens; mixed ones 6 to the model's limit.
	fixed, mixed []embed.Tokens
	bs           int // fixed-length texts per full batch

	model                     *embed.Model // raw, straight on ONNX Runtime
	rt                        *inference.Runtime
	fixedE, mixedE, unsortedE *embed.Embedder
}

// setup loads ONNX Runtime, detects the device, opens the model's encoder
// and tokenizes the texts.
func setup(ctx context.Context, cfg Config) (*bench, error) {
	if err := onnx.Init(cfg.Embed.ORTLib); err != nil {
		return nil, err
	}
	dev := cfg.Device
	var err error
	if cfg.ModelDir, err = ModelDir(ctx, cfg.CacheDir, cfg.ModelDir); err != nil {
		return nil, err
	}
	ecfg := cfg.Embed
	ecfg.Dir, ecfg.MaxBatchTokens = cfg.ModelDir, cfg.MaxBatchTokens
	enc, err := embed.NewEncoder(ecfg)
	if err != nil {
		return nil, err
	}
	ecfg = enc.Config()
	if cfg.SeqLen > ecfg.MaxLength {
		return nil, fmt.Errorf("embedbench: SeqLen %d exceeds the model's limit of %d tokens", cfg.SeqLen, ecfg.MaxLength)
	}
	words, err := wordList(enc.Tokenizer())
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, dev: dev, enc: enc, ecfg: ecfg}
	rng := rand.New(rand.NewPCG(1, 2))
	b.fixed = make([]embed.Tokens, 512)
	for i := range b.fixed {
		b.fixed[i] = enc.Tokenize(makeText(words, cfg.SeqLen-2, rng))
	}
	b.mixed = make([]embed.Tokens, 512)
	for i := range b.mixed {
		b.mixed[i] = enc.Tokenize(makeText(words, 6+rng.IntN(ecfg.MaxLength-7), rng))
	}
	return b, nil
}

// full is the i-th full batch of fixed-length texts.
func (b *bench) full(i int) []embed.Tokens {
	lo := (i * b.bs) % (len(b.fixed) - b.bs + 1)
	return b.fixed[lo : lo+b.bs]
}

// one is the i-th fixed-length text, as a batch of one.
func (b *bench) one(i int) []embed.Tokens {
	return b.fixed[i%len(b.fixed) : i%len(b.fixed)+1]
}

// loadRaw loads the raw model the way the runtime loads it: on the GPU, or
// on the CPU when the GPU load fails (and the GPU is not forced), and
// warms it up.
func (b *bench) loadRaw(ctx context.Context, rep *Report) error {
	model, err := b.enc.Load(ctx, b.dev)
	if err != nil && b.dev.UseGPU() && !b.dev.ForceGPU && errors.Is(err, inference.ErrDevice) {
		b.cfg.Logf("GPU load failed, measuring on the CPU: %v", err)
		b.dev = inference.CPUDevice("GPU load failed")
		model, err = b.enc.Load(ctx, b.dev)
	}
	if err != nil {
		return err
	}
	b.model = model
	rep.FP16 = filepath.Base(model.Path()) == "model_fp16.onnx"
	rep.Provider = model.Provider()
	// Fixed-length texts batch up to the batch size or the token bound.
	b.bs = min(b.ecfg.MaxBatchSize, max(1, embed.BatchTokens(b.ecfg, b.dev)/b.cfg.SeqLen))
	rep.BatchSize = b.bs
	_, err = model.Infer(ctx, b.full(0)) // warm-up: arenas, kernel choice
	return err
}

// startRuntime hosts the model three times in one runtime, loaded as in
// production: fixed-length texts, and mixed lengths with and without
// bucketing; then warms each up.
func (b *bench) startRuntime(ctx context.Context, rep *Report) error {
	rt, err := inference.New(inference.Config{Device: b.dev, Logger: quietLogger})
	if err != nil {
		return err
	}
	for _, r := range []struct {
		e   **embed.Embedder
		mod func(*embed.Config)
	}{
		{&b.fixedE, func(c *embed.Config) { c.Name = "fixed" }},
		{&b.mixedE, func(c *embed.Config) { c.Name = "mixed" }},
		{&b.unsortedE, func(c *embed.Config) { c.Name, c.Unsorted = "mixed-unsorted", true }},
	} {
		e, err := b.enc.Derive(r.mod)
		if err == nil {
			*r.e, err = e.Register(rt)
		}
		if err != nil {
			return err
		}
	}
	b.cfg.Logf("loading the model into the runtime (%d copies)", 3)
	if err := rt.Start(ctx); err != nil {
		return err
	}
	if p := b.fixedE.Path(); b.dev.UseGPU() && p != device.CUDA {
		rep.Provider = string(p) // the runtime fell back
	}
	for _, e := range []*embed.Embedder{b.fixedE, b.mixedE, b.unsortedE} { // warm-up
		if _, err := many(ctx, e, b.full(0)); err != nil {
			_ = rt.Stop(context.WithoutCancel(ctx))
			return err
		}
	}
	b.rt = rt
	return nil
}

// many embeds in through e and returns how many texts it embedded.
func many(ctx context.Context, e *embed.Embedder, in []embed.Tokens) (int, error) {
	_, err := e.EmbedTokens(ctx, in)
	return len(in), err
}

// phase runs fn and returns, with its rate, what e's metrics say of it.
func phase(e *embed.Embedder, fn func() (rate, error)) (rate, embed.Metrics, error) {
	before := e.Metrics()
	r, err := fn()
	return r, diff(e.Metrics(), before), err
}

// measureBatching is the headline: Callers callers, one text per call,
// straight on the model and then through the runtime, which batches.
func (b *bench) measureBatching(ctx context.Context, rep *Report) error {
	cfg := b.cfg
	cfg.Logf("unbatched: %d callers, one text per model call, %v", cfg.Callers, cfg.Duration)
	unbatched, err := measure(ctx, cfg.Duration, cfg.Callers, func(ctx context.Context, i int) (int, error) {
		_, err := b.model.Infer(ctx, b.one(i))
		return 1, err
	})
	if err != nil {
		return fmt.Errorf("unbatched: %w", err)
	}

	cfg.Logf("batched: %d callers, one text per call, through the runtime, %v", cfg.Callers, cfg.Duration)
	batched, m, err := phase(b.fixedE, func() (rate, error) {
		return measure(ctx, cfg.Duration, cfg.Callers, func(ctx context.Context, i int) (int, error) {
			_, err := b.fixedE.Handle().Infer(ctx, b.fixed[i%len(b.fixed)])
			return 1, err
		})
	})
	if err != nil {
		return fmt.Errorf("batched: %w", err)
	}
	rep.BatchedMeanBatch = meanBatch(m)
	rep.UnbatchedItemsPerSec, rep.BatchedItemsPerSec = unbatched.perSec, batched.perSec
	rep.UnbatchedPerCPUSec, rep.BatchedPerCPUSec = unbatched.perCPUSec, batched.perCPUSec
	rep.Speedup = ratio(batched.perSec, unbatched.perSec)
	rep.CPUSpeedup = ratio(batched.perCPUSec, unbatched.perCPUSec)
	return nil
}

// measureOverhead compares the raw model with full batches against the
// runtime handed the same batches, and the raw model one text per call
// (the batching ceiling). Raw and runtime alternate in halves so drifting
// background load hits both alike.
func (b *bench) measureOverhead(ctx context.Context, rep *Report) error {
	d := b.cfg.Duration / 2
	b.cfg.Logf("raw vs runtime: batches of %d, %v each", b.bs, b.cfg.Duration)
	var raw, raw1, viaRT rate
	var batches, items float64
	for range 2 {
		r1, err := measure(ctx, d, 1, func(ctx context.Context, i int) (int, error) {
			_, err := b.model.Infer(ctx, b.one(i))
			return 1, err
		})
		if err != nil {
			return fmt.Errorf("raw, one text per call: %w", err)
		}
		r, err := measure(ctx, d, 1, func(ctx context.Context, i int) (int, error) {
			_, err := b.model.Infer(ctx, b.full(i))
			return b.bs, err
		})
		if err != nil {
			return fmt.Errorf("raw: %w", err)
		}
		v, m, err := phase(b.fixedE, func() (rate, error) {
			// Two callers, each handing over a full batch: while one batch
			// runs the next is queued, so the model never waits.
			return measure(ctx, d, 2, func(ctx context.Context, i int) (int, error) {
				return many(ctx, b.fixedE, b.full(i))
			})
		})
		if err != nil {
			return fmt.Errorf("runtime: %w", err)
		}
		raw1 = raw1.plusHalf(r1)
		raw, viaRT = raw.plusHalf(r), viaRT.plusHalf(v)
		batches, items = batches+float64(m.Batches), items+float64(m.Items)
	}
	rep.RawItemsPerSec, rep.RuntimeItemsPerSec = raw.perSec, viaRT.perSec
	rep.RawBatch1ItemsPerSec = raw1.perSec
	rep.BatchingCeiling = ratio(raw.perSec, raw1.perSec)
	rep.RawPerCPUSec, rep.RuntimePerCPUSec = raw.perCPUSec, viaRT.perCPUSec
	rep.RuntimeMeanBatch = ratio(items, batches)
	rep.RuntimeOverheadPct = 100 * (1 - ratio(viaRT.perSec, raw.perSec))
	rep.RuntimeCPUOverhead = 100 * (1 - ratio(viaRT.perCPUSec, raw.perCPUSec))
	return nil
}

// measureMixed has a few callers each embed a chunk of mixed-length texts,
// as the pipeline does per flashpoint, with and without length bucketing.
func (b *bench) measureMixed(ctx context.Context, rep *Report) error {
	const chunk, mixedCallers = 64, 4
	for _, e := range []*embed.Embedder{b.mixedE, b.unsortedE} {
		b.cfg.Logf("mixed lengths 6..%d tokens, %s, %v", b.ecfg.MaxLength, e.Name(), b.cfg.Duration)
		r, m, err := phase(e, func() (rate, error) {
			return measure(ctx, b.cfg.Duration, mixedCallers, func(ctx context.Context, i int) (int, error) {
				lo := (i * chunk) % (len(b.mixed) - chunk + 1)
				return many(ctx, e, b.mixed[lo:lo+chunk])
			})
		})
		if err != nil {
			return fmt.Errorf("mixed lengths: %w", err)
		}
		if e == b.unsortedE {
			rep.MixedUnsortedItemsPerSec, rep.PaddingEfficiencyUnsorted = r.perSec, m.PaddingEfficiency
		} else {
			rep.MixedItemsPerSec, rep.PaddingEfficiency = r.perSec, m.PaddingEfficiency
		}
	}
	return nil
}

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

func diff(a, b embed.Metrics) embed.Metrics {
	d := embed.Metrics{
		Texts: a.Texts - b.Texts, Truncated: a.Truncated - b.Truncated, Batches: a.Batches - b.Batches,
		Items: a.Items - b.Items, RealTokens: a.RealTokens - b.RealTokens, PaddedTokens: a.PaddedTokens - b.PaddedTokens,
		InferSeconds: a.InferSeconds - b.InferSeconds,
	}
	d.PaddingEfficiency = ratio(float64(d.RealTokens), float64(d.PaddedTokens))
	return d
}

func meanBatch(m embed.Metrics) float64 { return ratio(float64(m.Items), float64(m.Batches)) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// rate is a measured throughput.
type rate struct {
	perSec, perCPUSec float64 // items per wall-clock second, per CPU-second
}

// plusHalf adds half of o: two half-length measurements make one.
func (r rate) plusHalf(o rate) rate {
	return rate{perSec: r.perSec + o.perSec/2, perCPUSec: r.perCPUSec + o.perCPUSec/2}
}

// measure runs call from callers goroutines until d has passed and returns
// the throughput of everything they completed (calls in flight at the end
// finish and count, with their time). Each goroutine passes its own
// counter to call, so callers walk different texts.
func measure(ctx context.Context, d time.Duration, callers int, call func(ctx context.Context, i int) (int, error)) (rate, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var items atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), procstat.CPU()
	deadline := start.Add(d)
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; time.Now().Before(deadline); i += callers {
				n, err := call(ctx, i)
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				items.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return rate{}, firstErr
	}
	n := float64(items.Load())
	return rate{perSec: n / time.Since(start).Seconds(), perCPUSec: ratio(n, (procstat.CPU() - cpu0).Seconds())}, nil
}
