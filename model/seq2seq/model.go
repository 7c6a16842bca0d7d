package seq2seq

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/model/onnx"
)

// Options configure Load. Zero fields take the documented defaults.
type Options struct {
	// ORTLib is the ONNX Runtime library for onnx.Init. Required unless
	// onnx.Init already succeeded.
	ORTLib string
	// Threads is ONNX Runtime's intra-op thread count. Zero means
	// runtime.NumCPU().
	Threads int
	// CUDA runs on the GPU (falling back to the CPU when the provider does
	// not load, unless RequireCUDA). Default false.
	CUDA        bool
	RequireCUDA bool
	DeviceID    int
	// FP16 prefers the _fp16 files on CUDA. Default false.
	FP16 bool
	// Variant forces a file variant (VariantFP32, VariantQuantized,
	// VariantFP16). Default VariantAuto: _quantized on the CPU when present,
	// _fp16 on CUDA with FP16, fp32 otherwise.
	Variant string
	// Layout forces a decoder layout (LayoutMerged, LayoutPair). Default
	// LayoutAuto: merged when present.
	Layout string
	// Recompute turns the KV cache off: every step runs the decoder over
	// the whole sequence. For tests and benchmarks. Default false.
	Recompute bool
	// StepHook, when set, is called between decoding steps with the number
	// of steps run so far in that batch (tests cancel at a known step).
	StepHook func(steps int)
	// Logf receives notices such as a CPU fallback. Nil means none.
	Logf func(format string, args ...any)
}

// Model is a loaded encoder-decoder model. It is safe for concurrent use:
// ONNX Runtime sessions allow concurrent runs, and each Generate call has
// its own cache.
type Model struct {
	dir      string
	files    Files
	defaults GenerationConfig
	cfg      modelConfig
	opts     Options
	be       *ortBackend
	m        *counters // shared by the models a Generator loads
}

// counters are the engine's running totals.
type counters struct {
	tokens, steps, rowSteps, encodeNs, decodeNs, calls atomic.Int64
}

// Metrics are a Model's totals since Load.
type Metrics struct {
	// Tokens generated (one per live row per step; beams count once per
	// request).
	Tokens int64 `json:"tokens_generated"`
	// DecodeSteps is the number of decoder runs; RowSteps sums their rows.
	DecodeSteps int64 `json:"decode_steps"`
	RowSteps    int64 `json:"row_steps"`
	// AvgBatchOccupancy is RowSteps / DecodeSteps: rows per decoder run.
	AvgBatchOccupancy float64 `json:"avg_batch_occupancy"`
	// EncoderSeconds and DecoderSeconds is time spent in each graph.
	EncoderSeconds float64 `json:"encoder_seconds"`
	DecoderSeconds float64 `json:"decoder_seconds"`
	// TokensPerSecond is Tokens over decoder plus encoder time.
	TokensPerSecond float64 `json:"tokens_per_second"`
	Generates       int64   `json:"generate_calls"`
}

func (m *Model) observeStep(rows int, d time.Duration) {
	m.m.steps.Add(1)
	m.m.rowSteps.Add(int64(rows))
	m.m.decodeNs.Add(int64(d))
}

func (m *Model) observeTokens(n int) { m.m.tokens.Add(int64(n)) }

// Metrics returns the totals since Load.
func (m *Model) Metrics() Metrics { return m.m.metrics() }

func (c *counters) metrics() Metrics {
	out := Metrics{
		Tokens: c.tokens.Load(), DecodeSteps: c.steps.Load(), RowSteps: c.rowSteps.Load(),
		EncoderSeconds: time.Duration(c.encodeNs.Load()).Seconds(),
		DecoderSeconds: time.Duration(c.decodeNs.Load()).Seconds(),
		Generates:      c.calls.Load(),
	}
	if out.DecodeSteps > 0 {
		out.AvgBatchOccupancy = float64(out.RowSteps) / float64(out.DecodeSteps)
	}
	if t := out.EncoderSeconds + out.DecoderSeconds; t > 0 {
		out.TokensPerSecond = float64(out.Tokens) / t
	}
	return out
}

// Load opens the model folder dir: config.json (required),
// generation_config.json (optional; see GenerationConfig for the
// fallbacks) and the ONNX files Options choose. Every session's inputs and
// outputs are checked against the Optimum names and the config's shapes,
// and a mismatch is an error wrapping onnx.ErrInvalidModel that names the
// file and the tensor.
func Load(ctx context.Context, dir string, opts Options) (*Model, error) {
	return load(ctx, dir, opts, &counters{})
}

func load(ctx context.Context, dir string, opts Options, c *counters) (*Model, error) {
	if opts.ORTLib != "" || !onnx.Available() {
		if err := onnx.Init(opts.ORTLib); err != nil {
			return nil, fmt.Errorf("loading %s: %w", dir, err)
		}
	}
	mc, defaults, err := loadFolderConfig(dir)
	if err != nil {
		return nil, err
	}
	files, err := chooseVariant(dir, opts.Variant, opts.Layout, opts.CUDA, opts.FP16)
	if err != nil {
		return nil, err
	}
	m := &Model{dir: dir, files: files, cfg: mc, opts: opts, m: c}
	m.be, err = openBackend(ctx, files, mc, opts, m)
	if err != nil && opts.Variant == VariantAuto && files.Variant == VariantFP16 && errors.Is(err, onnx.ErrInvalidModel) {
		// Exports whose _fp16 files take and return float16 tensors are
		// not supported yet: run the fp32 files on the GPU instead.
		if opts.Logf != nil {
			opts.Logf("seq2seq: %s: the _fp16 files cannot run (%v); loading fp32", dir, err)
		}
		if m.files, err = filesFor(dir, VariantFP32, opts.Layout); err == nil {
			m.be, err = openBackend(ctx, m.files, mc, opts, m)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := defaults.Validate(m.be.vocabSize, m.maxPositions()); err != nil {
		// A model whose own defaults are unusable still loads when the
		// only problem is the length (callers pass max_new_tokens); ids
		// out of range are fatal.
		if defaults.DecoderStartTokenID < 0 || defaults.EOSTokenID < 0 || defaults.PadTokenID < 0 {
			m.be.close()
			return nil, fmt.Errorf("loading %s: %w", dir, err)
		}
	}
	m.defaults = defaults
	return m, nil
}

// maxPositionsUnknown caps sources and outputs when config.json does not
// state max_position_embeddings: no model masx runs has more positions,
// and a hostile request must not size the batch.
const maxPositionsUnknown = 4096

func (m *Model) maxPositions() int {
	if p := m.cfg.MaxPositionEmbeddings; p > 0 {
		return p
	}
	return maxPositionsUnknown
}

// Defaults returns the model's generation defaults (a copy to modify and
// pass as Request.Config).
func (m *Model) Defaults() GenerationConfig {
	d := m.defaults
	d.BadWordsIDs = slices.Clone(d.BadWordsIDs)
	return d
}

// Files are the ONNX files loaded.
func (m *Model) Files() Files { return m.files }

// Provider is where the sessions run: onnx.ProviderCPU or ProviderCUDA.
func (m *Model) Provider() string { return m.be.provider }

// Vocab is the vocabulary size (the logits' last dimension).
func (m *Model) Vocab() int { return m.be.vocabSize }

// Close releases the sessions.
func (m *Model) Close() error { return m.be.close() }

// ErrInvalidInput marks a request the model cannot take: no ids, an id
// outside the vocabulary, a source longer than the encoder's positions.
var ErrInvalidInput = errors.New("invalid generation input")

func (m *Model) check(r *Request) (GenerationConfig, error) {
	if len(r.IDs) == 0 {
		return GenerationConfig{}, fmt.Errorf("%w: no source ids", ErrInvalidInput)
	}
	if mp := m.maxPositions(); mp > 0 && len(r.IDs) > mp {
		return GenerationConfig{}, fmt.Errorf("%w: %d source ids, the encoder takes at most %d", ErrInvalidInput, len(r.IDs), mp)
	}
	for i, id := range r.IDs {
		if id < 0 || id >= int64(m.be.vocabSize) {
			return GenerationConfig{}, fmt.Errorf("%w: source id %d at %d is outside the vocabulary [0, %d)", ErrInvalidInput, id, i, m.be.vocabSize)
		}
	}
	g := m.defaults
	if r.Config != nil {
		g = *r.Config
	}
	if err := g.Validate(m.be.vocabSize, m.maxPositions()); err != nil {
		return g, err
	}
	return g, nil
}

// Generate runs reqs. Requests with equal configs decode together in one
// lockstep batch; a request that fails alone (bad input, cancelled,
// deadline) gets its error in errs and the rest go on. A failure of the
// whole run (ctx ended, the session failed) is the returned error.
func (m *Model) Generate(ctx context.Context, reqs []Request) (out []Result, errs []error, err error) {
	m.m.calls.Add(1)
	out, errs = make([]Result, len(reqs)), make([]error, len(reqs))
	type group struct {
		g   GenerationConfig
		idx []int
	}
	var groups []*group
	for i := range reqs {
		g, err := m.check(&reqs[i])
		if err != nil {
			errs[i] = err
			continue
		}
		var gr *group
		for _, x := range groups {
			if sameConfig(x.g, g) {
				gr = x
			}
		}
		if gr == nil {
			gr = &group{g: g}
			groups = append(groups, gr)
		}
		gr.idx = append(gr.idx, i)
	}
	for _, gr := range groups {
		rs := make([]*Request, len(gr.idx))
		for j, i := range gr.idx {
			rs[j] = &reqs[i]
		}
		res, rerrs, err := generate(ctx, m.be, m, gr.g, rs, m.opts.Recompute, m.opts.StepHook)
		if err != nil {
			return nil, nil, err
		}
		for j, i := range gr.idx {
			out[i], errs[i] = res[j], rerrs[j]
		}
	}
	return out, errs, nil
}

func sameConfig(a, b GenerationConfig) bool { return reflect.DeepEqual(a, b) }
