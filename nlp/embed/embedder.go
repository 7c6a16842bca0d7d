package embed

import (
	"context"
	"fmt"
	"slices"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/onnx"
)

// Embedder turns texts into unit vectors through the process's inference
// runtime, so texts from every caller share batches. It has the shape of
// nlp/vectorize's Vectorizer (Vectorize, Dim, Name) and is safe for
// concurrent use.
type Embedder struct {
	enc *Encoder
	h   *inference.Handle[Tokens, []float32]
	dim int
}

// Register adds the model cfg describes to rt, which must not be started
// yet, and returns its Embedder; the model loads at rt.Start. Batches are
// bounded by cfg.MaxBatchSize texts and cfg.MaxBatchTokens tokens, and
// formed from texts of similar length (unless cfg.Unsorted), so padding
// stays small.
func Register(rt *inference.Runtime, cfg Config) (*Embedder, error) {
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	return enc.Register(rt)
}

// Register adds the encoder's model to rt, as the package-level Register
// does, reusing the loaded tokenizer. Its metrics count in the encoder's.
func (enc *Encoder) Register(rt *inference.Runtime) (*Embedder, error) {
	cfg := enc.Config()
	var err error
	dim := cfg.Dim
	if dim <= 0 {
		if dim, err = describeDim(cfg); err != nil {
			return nil, err
		}
	}
	mc := inference.ModelConfig[Tokens]{
		MaxBatchSize: cfg.MaxBatchSize,
		MaxDelay:     cfg.MaxDelay,
		QueueMax:     cfg.QueueMax,
		Cost:         Tokens.Len,
		MaxBatchCost: BatchTokens(cfg, rt.Device()),
	}
	if !cfg.Unsorted {
		mc.SortKey = Tokens.Len
	}
	h, err := inference.Register(rt, "embed/"+cfg.Name, enc.Loader(), mc)
	if err != nil {
		return nil, err
	}
	return &Embedder{enc: enc, h: h, dim: dim}, nil
}

// BatchTokens is the token bound Register gives batches of cfg's model on
// dev: cfg.MaxBatchTokens, else the device's default (see
// Config.MaxBatchTokens).
func BatchTokens(cfg Config, dev device.Config) int {
	switch {
	case cfg.MaxBatchTokens > 0:
		return cfg.MaxBatchTokens
	case dev.UseGPU():
		return max(cfg.MaxBatchSize, 1) * max(cfg.MaxLength, 1)
	}
	return max(MaxBatchTokensCPU, cfg.MaxLength)
}

// describeDim reads the hidden size from the model itself when config.json
// does not state it.
func describeDim(cfg Config) (int, error) {
	if cfg.ORTLib != "" || !onnx.Available() {
		if err := onnx.Init(cfg.ORTLib); err != nil {
			return 0, fmt.Errorf("reading the dimension of %s: %w", cfg.Dir, err)
		}
	}
	path, err := onnx.ModelFile(cfg.Dir, false)
	if err != nil {
		return 0, err
	}
	out, err := pickOutput(path)
	if err != nil {
		return 0, err
	}
	_, outs, _ := onnx.Describe(path)
	for _, o := range outs {
		if o.Name == out && o.Dims[2] > 0 {
			return int(o.Dims[2]), nil
		}
	}
	return 0, fmt.Errorf("%w: %s: hidden size unknown (dynamic in the model, absent from config.json)", onnx.ErrInvalidModel, path)
}

// Embed returns one vector per text, in order: unit length unless the
// model folder's modules.json has no Normalize module (Config.Normalize). The texts go to the
// runtime shortest first, so a large call forms batches of like lengths.
// Texts longer than the
// model's limit are truncated (see Metrics); an empty text embeds as
// [CLS] [SEP]. The first failing text's error is returned, with its index.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	return e.EmbedTokens(ctx, e.enc.TokenizeAll(texts))
}

// EmbedTokens is Embed for texts tokenized by Encoder().Tokenize.
func (e *Embedder) EmbedTokens(ctx context.Context, toks []Tokens) ([][]float32, error) {
	if len(toks) == 0 {
		return [][]float32{}, nil
	}
	// Hand the texts over shortest first: the batcher takes them in groups
	// of a batch, so each group is already of like lengths, whatever the
	// timing. (Its SortKey then groups texts across callers.)
	order := make([]int, len(toks))
	for i := range order {
		order[i] = i
	}
	if !e.enc.cfg.Unsorted {
		slices.SortStableFunc(order, func(a, b int) int { return toks[a].Len() - toks[b].Len() })
	}
	sorted := make([]Tokens, len(toks))
	for i, j := range order {
		sorted[i] = toks[j]
	}
	vecs, errs := e.h.InferMany(ctx, sorted)
	out := make([][]float32, len(toks))
	var first error
	firstAt := len(toks)
	for i, j := range order {
		out[j] = vecs[i]
		if errs[i] != nil && j < firstAt {
			first, firstAt = errs[i], j
		}
	}
	if first != nil {
		return nil, fmt.Errorf("embedding text %d of %d with %s: %w", firstAt, len(toks), e.enc.Name(), first)
	}
	return out, nil
}

// Vectorize is Embed, for the Vectorizer interface, whose vectors are unit
// length: a model without a Normalize module is normalised here.
func (e *Embedder) Vectorize(ctx context.Context, texts []string) ([][]float32, error) {
	out, err := e.Embed(ctx, texts)
	if err != nil || e.enc.cfg.Normalize != NormalizeOff {
		return out, err
	}
	for i, v := range out {
		acc := make([]float64, len(v))
		for k, x := range v {
			acc[k] = float64(x)
		}
		out[i] = normalize(acc)
	}
	return out, nil
}

// EmbedOne embeds a single text.
func (e *Embedder) EmbedOne(ctx context.Context, text string) ([]float32, error) {
	return e.h.Infer(ctx, e.enc.Tokenize(text))
}

// Dim is the vector length.
func (e *Embedder) Dim() int { return e.dim }

// Name is the model's name.
func (e *Embedder) Name() string { return e.enc.Name() }

// Path is where the model runs now: cuda, or cpu (also after a GPU
// fallback).
func (e *Embedder) Path() device.Type { return e.h.Path() }

// Encoder is the tokenizer side, for callers that batch by hand.
func (e *Embedder) Encoder() *Encoder { return e.enc }

// Handle is the runtime handle, for callers that submit Tokens directly.
func (e *Embedder) Handle() *inference.Handle[Tokens, []float32] { return e.h }

// Metrics reports texts, truncations, batches and padding efficiency.
func (e *Embedder) Metrics() Metrics { return e.enc.Metrics() }
