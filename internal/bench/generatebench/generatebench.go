// Package generatebench is `masx bench generate`: it measures seq2seq
// generation (model/seq2seq) on a model with OPUS-MT en-de's dimensions,
// side by side in one run:
//
//   - nocache: batch 1, greedy, the decoder recomputing the whole sequence
//     every step (Options.Recompute);
//   - cache: batch 1, greedy, with the KV cache;
//   - batched: Batch sentences decoded in lockstep, greedy, with the cache;
//   - beam4: Batch sentences, beam search with Beams beams;
//   - runtime: the batched run through the inference runtime
//     (Generator.GenerateMany), against the same batch given to the engine
//     straight (Model.Generate, which calls ONNX Runtime itself); the gap
//     is the runtime's overhead;
//   - int8: cache and batched again on the _quantized files.
//
// Every run generates exactly Tokens tokens per sentence: EOS is banned
// until then (min_new_tokens), so the work is fixed although the random
// weights produce no words. Tokens per second count target tokens, one per
// sentence per step (beams count once, as CTranslate2's benchmark does).
//
// Without a model folder the benchmark generates (once, cached) a
// random-weight Marian-shaped model with the real dimensions: 6+6 layers,
// d_model 512, 8 heads, FFN 2048, vocabulary 58,101, merged decoder, fp32
// and dynamic int8 files; see model/testmodel.
package generatebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/internal/bench/procstat"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/seq2seq"
	"github.com/masx-ai/masx/model/testmodel"
)

// Defaults for Config fields left zero.
const (
	TokensDefault = 64
	SrcLenDefault = 24
	BatchDefault  = 32
	BeamsDefault  = 4
)

// Config says what to measure.
type Config struct {
	// Device is where the model runs. Default the CPU.
	Device device.Config
	// ORTLib is the ONNX Runtime library. Required.
	ORTLib string
	// Threads is ONNX Runtime's intra-op thread count. Zero: all CPUs.
	Threads int
	// CacheDir holds the generated model. Required unless ModelDir is set.
	CacheDir string
	// ModelDir is a seq2seq folder to measure instead of the generated one.
	ModelDir string
	// Tokens generated per sentence. Default TokensDefault (64).
	Tokens int
	// SrcLen is the source length in tokens. Default SrcLenDefault (24).
	SrcLen int
	// Batch is the lockstep batch size. Default BatchDefault (32).
	Batch int
	// Beams for the beam run. Default BeamsDefault (4).
	Beams int
	// SkipInt8 leaves out the _quantized runs.
	SkipInt8 bool
	// Logf receives progress. Nil: none.
	Logf func(format string, args ...any)
}

// Report is the benchmark's result.
type Report struct {
	Model      string  `json:"model"`
	Device     string  `json:"device"`
	Provider   string  `json:"provider"`
	ORTVersion string  `json:"ort_version"`
	Threads    int     `json:"threads"`
	Tokens     int     `json:"tokens_per_sentence"`
	SrcLen     int     `json:"source_tokens"`
	Batch      int     `json:"batch"`
	Beams      int     `json:"beams"`
	Date       string  `json:"date"`
	LoadS      float64 `json:"load_seconds"`

	NoCache Measurement `json:"nocache"`
	Cache   Measurement `json:"cache"`
	Batched Measurement `json:"batched"`
	Beam4   Measurement `json:"beam4"`
	Runtime Measurement `json:"runtime"`

	TokensPerSecNoCache float64 `json:"tokens_per_sec_nocache"`
	TokensPerSecCache   float64 `json:"tokens_per_sec_cache"`
	TokensPerSecBatched float64 `json:"tokens_per_sec_batched"`
	TokensPerSecBeam4   float64 `json:"tokens_per_sec_beam4"`
	CacheSpeedup        float64 `json:"cache_speedup"`
	BatchSpeedup        float64 `json:"batch_speedup"`
	RuntimeOverheadPct  float64 `json:"runtime_overhead_pct"`
	// The same ratios per CPU-second, steadier on a shared machine.
	CacheSpeedupCPU       float64 `json:"cache_speedup_cpu"`
	BatchSpeedupCPU       float64 `json:"batch_speedup_cpu"`
	RuntimeOverheadCPUPct float64 `json:"runtime_overhead_cpu_pct"`

	Int8Cache        *Measurement `json:"int8_cache,omitempty"`
	Int8Batched      *Measurement `json:"int8_batched,omitempty"`
	Int8Beam4        *Measurement `json:"int8_beam4,omitempty"`
	Int8BatchSpeedup float64      `json:"int8_vs_fp32_batched,omitempty"`
	Int8Beam4Speedup float64      `json:"int8_vs_fp32_beam4,omitempty"`
}

// Measurement is one run.
type Measurement struct {
	Sentences      int     `json:"sentences"`
	Tokens         int64   `json:"tokens"`
	Seconds        float64 `json:"seconds"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	TokensPerSec   float64 `json:"tokens_per_sec"`
	TokensPerCPUS  float64 `json:"tokens_per_cpu_sec"`
	EncoderSeconds float64 `json:"encoder_seconds"`
	DecoderSeconds float64 `json:"decoder_seconds"`
	DecodeSteps    int64   `json:"decode_steps"`
	MeanRows       float64 `json:"mean_rows_per_step"`
}

func (c Config) withDefaults() (Config, error) {
	if c.ORTLib == "" {
		return c, errors.New("generatebench: Config.ORTLib is empty: want the ONNX Runtime library")
	}
	if c.ModelDir == "" && c.CacheDir == "" {
		return c, errors.New("generatebench: Config.CacheDir is empty: want a folder for the generated model, or set ModelDir")
	}
	if c.Device.Type == "" {
		c.Device = inference.CPUDevice("no device given")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Tokens, TokensDefault)
	def(&c.SrcLen, SrcLenDefault)
	def(&c.Batch, BatchDefault)
	def(&c.Beams, BeamsDefault)
	if c.Tokens < 1 || c.SrcLen < 2 || c.Batch < 1 || c.Beams < 2 || c.Threads < 0 {
		return c, fmt.Errorf("generatebench: Tokens %d, SrcLen %d, Batch %d, Beams %d, Threads %d: want ≥ 1, ≥ 2, ≥ 1, ≥ 2, ≥ 0",
			c.Tokens, c.SrcLen, c.Batch, c.Beams, c.Threads)
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}

// OpusSpec is the generated benchmark model.
var OpusSpec = testmodel.Seq2SeqSpec{Family: "marian", Preset: "opus", Layout: "merged", Quantize: true}

// ModelDir returns dir, or the OPUS-MT-shaped model cached in cacheDir
// (generated on first use: about a minute and 1 GB).
func ModelDir(ctx context.Context, cacheDir, dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return testmodel.EnsureSeq2Seq(ctx, cacheDir, OpusSpec)
}

type bench struct {
	cfg  Config
	dir  string
	srcs [][]int64
}

// Run measures. It needs ONNX Runtime (errors wrap onnx.ErrUnavailable).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := onnx.Init(cfg.ORTLib); err != nil {
		return nil, err
	}
	cfg.Logf("preparing the model (generated once into the cache)")
	dir, err := ModelDir(ctx, cfg.CacheDir, cfg.ModelDir)
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, dir: dir}
	t0 := time.Now()
	fp32, err := b.load(ctx, seq2seq.VariantFP32, false)
	if err != nil {
		return nil, err
	}
	defer fp32.Close()
	rep := &Report{Model: dir, Device: string(cfg.Device.Type), Provider: fp32.Provider(), ORTVersion: onnx.Version(),
		Threads: cfg.Threads, Tokens: cfg.Tokens, SrcLen: cfg.SrcLen, Batch: cfg.Batch, Beams: cfg.Beams,
		Date: time.Now().UTC().Format(time.RFC3339), LoadS: time.Since(t0).Seconds()}
	rng := rand.New(rand.NewPCG(1, 2))
	V := int64(fp32.Vocab())
	g := fp32.Defaults()
	for range cfg.Batch {
		s := make([]int64, cfg.SrcLen)
		for j := range s {
			s[j] = 4 + rng.Int64N(V-8)
		}
		s[len(s)-1] = g.EOSTokenID
		b.srcs = append(b.srcs, s)
	}
	if err := b.fp32Runs(ctx, fp32, rep); err != nil {
		return nil, err
	}
	if !cfg.SkipInt8 {
		if err := b.int8Runs(ctx, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func (b *bench) load(ctx context.Context, variant string, recompute bool) (*seq2seq.Model, error) {
	return seq2seq.Load(ctx, b.dir, seq2seq.Options{ORTLib: b.cfg.ORTLib, Threads: b.cfg.Threads,
		CUDA: b.cfg.Device.UseGPU(), Variant: variant, Layout: seq2seq.LayoutMerged, Recompute: recompute})
}

// config generates exactly Tokens tokens with beams beams.
func (b *bench) config(m *seq2seq.Model, beams int) *seq2seq.GenerationConfig {
	g := m.Defaults()
	g.NumBeams, g.MaxNewTokens, g.MinNewTokens, g.MinLength = beams, b.cfg.Tokens, b.cfg.Tokens, 0
	g.EarlyStopping = seq2seq.EarlyStopHeuristic
	g.ForcedEOSTokenID = -1
	return &g
}

func (b *bench) requests(m *seq2seq.Model, n, beams int) []seq2seq.Request {
	g := b.config(m, beams)
	rs := make([]seq2seq.Request, n)
	for i := range rs {
		rs[i] = seq2seq.Request{IDs: b.srcs[i%len(b.srcs)], Config: g}
	}
	return rs
}

// warm runs reqs once with 2 new tokens: the first runs of a session
// allocate its memory arenas and would be counted otherwise.
func warm(ctx context.Context, m *seq2seq.Model, reqs []seq2seq.Request) error {
	g := *reqs[0].Config
	g.MaxNewTokens, g.MinNewTokens = 2, 2
	short := make([]seq2seq.Request, len(reqs))
	for i, r := range reqs {
		short[i] = seq2seq.Request{IDs: r.IDs, Config: &g}
	}
	_, errs, err := m.Generate(ctx, short)
	if err == nil {
		err = errors.Join(errs...)
	}
	return err
}

// measure runs gen once and turns the model's counters into a Measurement.
func measure(m *seq2seq.Model, sentences int, gen func() ([]seq2seq.Result, error)) (Measurement, error) {
	before := m.Metrics()
	cpu0, t0 := procstat.CPU(), time.Now()
	out, err := gen()
	if err != nil {
		return Measurement{}, err
	}
	el, cpu := time.Since(t0).Seconds(), (procstat.CPU() - cpu0).Seconds()
	after := m.Metrics()
	r := Measurement{Sentences: sentences, Seconds: el, CPUSeconds: cpu,
		EncoderSeconds: after.EncoderSeconds - before.EncoderSeconds,
		DecoderSeconds: after.DecoderSeconds - before.DecoderSeconds,
		DecodeSteps:    after.DecodeSteps - before.DecodeSteps}
	for _, res := range out {
		r.Tokens += int64(len(res.IDs))
	}
	r.TokensPerSec = ratio(float64(r.Tokens), el)
	r.TokensPerCPUS = ratio(float64(r.Tokens), cpu)
	r.MeanRows = ratio(float64(after.RowSteps-before.RowSteps), float64(r.DecodeSteps))
	return r, nil
}

// direct runs reqs on the engine itself, after a warm-up run.
func direct(ctx context.Context, m *seq2seq.Model, reqs []seq2seq.Request) func() ([]seq2seq.Result, error) {
	if err := warm(ctx, m, reqs); err != nil {
		return func() ([]seq2seq.Result, error) { return nil, err }
	}
	return func() ([]seq2seq.Result, error) {
		out, errs, err := m.Generate(ctx, reqs)
		if err == nil {
			err = errors.Join(errs...)
		}
		return out, err
	}
}

func (b *bench) fp32Runs(ctx context.Context, m *seq2seq.Model, rep *Report) error {
	var err error
	b.cfg.Logf("cache: batch 1, greedy")
	if rep.Cache, err = measure(m, 1, direct(ctx, m, b.requests(m, 1, 1))); err != nil {
		return err
	}
	b.cfg.Logf("nocache: batch 1, greedy, full recompute")
	nc, err := b.load(ctx, seq2seq.VariantFP32, true)
	if err != nil {
		return err
	}
	rep.NoCache, err = measure(nc, 1, direct(ctx, nc, b.requests(nc, 1, 1)))
	nc.Close()
	if err != nil {
		return err
	}
	if err := b.batchedVsRuntime(ctx, m, rep); err != nil {
		return err
	}
	b.cfg.Logf("beam: %d sentences, %d beams", b.cfg.Batch, b.cfg.Beams)
	if rep.Beam4, err = measure(m, b.cfg.Batch, direct(ctx, m, b.requests(m, b.cfg.Batch, b.cfg.Beams))); err != nil {
		return err
	}
	rep.TokensPerSecNoCache = rep.NoCache.TokensPerSec
	rep.TokensPerSecCache = rep.Cache.TokensPerSec
	rep.TokensPerSecBatched = rep.Batched.TokensPerSec
	rep.TokensPerSecBeam4 = rep.Beam4.TokensPerSec
	rep.CacheSpeedup = ratio(rep.Cache.TokensPerSec, rep.NoCache.TokensPerSec)
	rep.BatchSpeedup = ratio(rep.Batched.TokensPerSec, rep.Cache.TokensPerSec)
	rep.RuntimeOverheadPct = 100 * (1 - ratio(rep.Runtime.TokensPerSec, rep.Batched.TokensPerSec))
	rep.CacheSpeedupCPU = ratio(rep.Cache.TokensPerCPUS, rep.NoCache.TokensPerCPUS)
	rep.BatchSpeedupCPU = ratio(rep.Batched.TokensPerCPUS, rep.Cache.TokensPerCPUS)
	rep.RuntimeOverheadCPUPct = 100 * (1 - ratio(rep.Runtime.TokensPerCPUS, rep.Batched.TokensPerCPUS))
	return nil
}

// batchedVsRuntime measures the batched run on the engine and through the
// runtime, alternately, twice each, and keeps the faster of each pair: on
// a shared machine one slow moment would otherwise decide the overhead.
func (b *bench) batchedVsRuntime(ctx context.Context, m *seq2seq.Model, rep *Report) error {
	rt, err := inference.New(inference.Config{Device: b.cfg.Device, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	gen, err := seq2seq.Register(rt, seq2seq.RuntimeConfig{Dir: b.dir, MaxBatchSize: b.cfg.Batch,
		MaxBatchTokens: b.cfg.Batch * b.cfg.SrcLen * b.cfg.Beams, MaxDelay: 5 * time.Millisecond,
		Load: seq2seq.Options{Threads: b.cfg.Threads, Variant: seq2seq.VariantFP32, Layout: seq2seq.LayoutMerged}})
	if err != nil {
		return err
	}
	if err := rt.Start(ctx); err != nil {
		return err
	}
	defer rt.Stop(context.WithoutCancel(ctx))
	for i := range 2 {
		b.cfg.Logf("batched: %d sentences, greedy (%d of 2)", b.cfg.Batch, i+1)
		d, err := measure(m, b.cfg.Batch, direct(ctx, m, b.requests(m, b.cfg.Batch, 1)))
		if err != nil {
			return err
		}
		b.cfg.Logf("runtime: the same batch through the inference runtime (%d of 2)", i+1)
		r, err := b.throughRuntime(ctx, gen)
		if err != nil {
			return err
		}
		if d.TokensPerSec > rep.Batched.TokensPerSec {
			rep.Batched = d
		}
		if r.TokensPerSec > rep.Runtime.TokensPerSec {
			rep.Runtime = r
		}
	}
	return nil
}

// throughRuntime runs the batched measurement through a Generator on an
// inference runtime, with its own model load (not timed).
func (b *bench) throughRuntime(ctx context.Context, gen *seq2seq.Generator) (Measurement, error) {
	g := gen.Defaults()
	g.NumBeams, g.MaxNewTokens, g.MinNewTokens, g.MinLength, g.ForcedEOSTokenID = 1, b.cfg.Tokens, b.cfg.Tokens, 0, -1
	reqs := make([]seq2seq.Request, b.cfg.Batch)
	for i := range reqs {
		reqs[i] = seq2seq.Request{IDs: b.srcs[i], Config: &g}
	}
	short := g
	short.MaxNewTokens, short.MinNewTokens = 2, 2
	warmReqs := make([]seq2seq.Request, len(reqs))
	for i := range warmReqs {
		warmReqs[i] = seq2seq.Request{IDs: b.srcs[i], Config: &short}
	}
	if _, errs := gen.GenerateMany(ctx, warmReqs); errors.Join(errs...) != nil {
		return Measurement{}, errors.Join(errs...)
	}
	before := gen.Metrics()
	cpu0, t0 := procstat.CPU(), time.Now()
	out, errs := gen.GenerateMany(ctx, reqs)
	el, cpu := time.Since(t0).Seconds(), (procstat.CPU() - cpu0).Seconds()
	if err := errors.Join(errs...); err != nil {
		return Measurement{}, err
	}
	after := gen.Metrics()
	r := Measurement{Sentences: len(reqs), Seconds: el, CPUSeconds: cpu,
		EncoderSeconds: after.EncoderSeconds - before.EncoderSeconds,
		DecoderSeconds: after.DecoderSeconds - before.DecoderSeconds,
		DecodeSteps:    after.DecodeSteps - before.DecodeSteps}
	for _, res := range out {
		r.Tokens += int64(len(res.IDs))
	}
	r.TokensPerSec, r.TokensPerCPUS = ratio(float64(r.Tokens), el), ratio(float64(r.Tokens), cpu)
	r.MeanRows = ratio(float64(after.RowSteps-before.RowSteps), float64(r.DecodeSteps))
	return r, nil
}

func (b *bench) int8Runs(ctx context.Context, rep *Report) error {
	m, err := b.load(ctx, seq2seq.VariantQuantized, false)
	if err != nil {
		return fmt.Errorf("the _quantized files (SkipInt8 leaves them out): %w", err)
	}
	defer m.Close()
	b.cfg.Logf("int8: cache, batched and beam runs on the _quantized files")
	cache, err := measure(m, 1, direct(ctx, m, b.requests(m, 1, 1)))
	if err != nil {
		return err
	}
	batched, err := measure(m, b.cfg.Batch, direct(ctx, m, b.requests(m, b.cfg.Batch, 1)))
	if err != nil {
		return err
	}
	beam, err := measure(m, b.cfg.Batch, direct(ctx, m, b.requests(m, b.cfg.Batch, b.cfg.Beams)))
	if err != nil {
		return err
	}
	rep.Int8Cache, rep.Int8Batched, rep.Int8Beam4 = &cache, &batched, &beam
	rep.Int8BatchSpeedup = ratio(batched.TokensPerSec, rep.Batched.TokensPerSec)
	rep.Int8Beam4Speedup = ratio(beam.TokensPerSec, rep.Beam4.TokensPerSec)
	return nil
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
