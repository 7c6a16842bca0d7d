package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/onnx"
)

// Tokens is one tokenized text, the unit the inference runtime queues and
// batches. Tokenizing before queueing lets the batcher weigh items by their
// token count and group texts of similar length.
type Tokens struct {
	// IDs are the input ids, special tokens included, not padded.
	IDs []int64
	// TypeIDs are the token type ids (all 0 for a single text); nil means
	// all 0.
	TypeIDs []int64
	// Truncated reports that the text was longer than the model's limit.
	Truncated bool
}

// Len is the number of tokens: the item's cost and sort key.
func (t Tokens) Len() int { return len(t.IDs) }

// Model runs a sentence encoder on one device: it pads each batch to its
// own longest sequence, runs the ONNX session, mean-pools the last hidden
// state over the attention mask and L2-normalises. It implements
// inference.Model and is safe for concurrent use.
type Model struct {
	sess     *onnx.Session
	output   string
	dim      int
	hasTypes bool
	padID    int64
	pooling  string
	// normalize: L2-normalise pooled vectors (Config.Normalize).
	normalize bool
	stats     *counters
	buf       sync.Pool // of *[]float32: hidden-state buffers, reused across batches
}

var _ inference.Model[Tokens, []float32] = (*Model)(nil)

// Output names the loader accepts, in order of preference: Hugging Face
// exports name the token states last_hidden_state; sentence-transformers
// exports token_embeddings.
var hiddenOutputs = []string{"last_hidden_state", "token_embeddings"}

// LoadModel opens the encoder of the folder cfg names on dev. ONNX Runtime
// must be loadable (errors wrap onnx.ErrUnavailable otherwise). On a CUDA
// device with cfg.FP16 it loads onnx/model_fp16.onnx when the folder has
// one. When the CUDA provider cannot be used the error wraps
// inference.ErrDevice and onnx.ErrCUDA: the inference runtime then loads
// the model on the CPU (with the fp32 file), logs why, and reports the cpu
// execution path, so no session quietly runs on the CPU under a GPU label.
func LoadModel(ctx context.Context, cfg Config, dev device.Config) (*Model, error) {
	return loadModel(ctx, cfg, dev, nil)
}

func loadModel(ctx context.Context, cfg Config, dev device.Config, stats *counters) (*Model, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if stats == nil {
		stats = &counters{}
	}
	if cfg.ORTLib != "" || !onnx.Available() {
		if err := onnx.Init(cfg.ORTLib); err != nil {
			return nil, fmt.Errorf("loading sentence model %s: %w", cfg.Dir, err)
		}
	}
	gpu := dev.UseGPU()
	path, err := onnx.ModelFile(cfg.Dir, gpu && cfg.FP16)
	if err != nil {
		return nil, err
	}
	outName, err := pickOutput(path)
	if err != nil {
		return nil, err
	}
	opts := onnx.Options{
		Threads:     cfg.Threads,
		CUDA:        gpu,
		DeviceID:    dev.ID,
		RequireCUDA: gpu,
		Outputs:     []string{outName},
		Logf:        cfg.Logf,
	}
	sess, err := onnx.Open(ctx, path, opts)
	if err != nil {
		if errors.Is(err, onnx.ErrCUDA) {
			err = fmt.Errorf("%w: %w", inference.ErrDevice, err)
		}
		return nil, fmt.Errorf("loading sentence model %s: %w", cfg.Dir, err)
	}
	m := &Model{sess: sess, output: outName, padID: cfg.PadID, pooling: cfg.Pooling, normalize: cfg.Normalize != NormalizeOff, stats: stats}
	if err := m.check(cfg); err != nil {
		sess.Close()
		return nil, err
	}
	return m, nil
}

// pickOutput finds the token-state output.
func pickOutput(path string) (string, error) {
	_, outs, err := onnx.Describe(path)
	if err != nil {
		return "", fmt.Errorf("loading sentence model: %w", err)
	}
	var have []string
	for _, o := range outs {
		have = append(have, o.Name)
	}
	for _, want := range hiddenOutputs {
		for _, o := range outs {
			if o.Name == want && len(o.Dims) == 3 {
				return want, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %s has no rank-3 token-state output %v (it has %v)", onnx.ErrInvalidModel, path, hiddenOutputs, have)
}

func (m *Model) check(cfg Config) error {
	path := m.sess.Path()
	need := map[string]bool{"input_ids": false, "attention_mask": false}
	for _, in := range m.sess.Inputs() {
		switch in.Name {
		case "input_ids", "attention_mask":
			need[in.Name] = true
		case "token_type_ids":
			m.hasTypes = true
		default:
			return fmt.Errorf("%w: %s takes input %q; a sentence encoder takes input_ids, attention_mask and optionally token_type_ids", onnx.ErrInvalidModel, path, in.Name)
		}
	}
	for name, ok := range need {
		if !ok {
			return fmt.Errorf("%w: %s has no input %q", onnx.ErrInvalidModel, path, name)
		}
	}
	dims := m.sess.Outputs()[0].Dims
	m.dim = int(dims[2])
	if m.dim <= 0 {
		m.dim = cfg.Dim // dynamic hidden axis: trust config.json
	}
	if cfg.Dim > 0 && m.dim != cfg.Dim {
		return fmt.Errorf("%w: %s outputs %d dimensions but config.json says hidden_size %d", onnx.ErrInvalidModel, path, m.dim, cfg.Dim)
	}
	if m.dim <= 0 {
		return fmt.Errorf("%w: %s: hidden size unknown (dynamic in the model, absent from config.json)", onnx.ErrInvalidModel, path)
	}
	return nil
}

// Dim is the embedding dimension (the model's hidden size).
func (m *Model) Dim() int { return m.dim }

// Provider is where the model runs: "cpu" or "cuda". A model loaded for a
// GPU whose CUDA provider did not load reports "cpu".
func (m *Model) Provider() string { return m.sess.Provider() }

// Path is the ONNX file the model was loaded from.
func (m *Model) Path() string { return m.sess.Path() }

// Infer embeds one batch: one unit vector per input, in order. Inputs
// without tokens get a zero vector (Embedder never sends them: an empty
// text still has [CLS] and [SEP]). Errors of a CUDA session wrap
// inference.ErrDevice so the runtime retries the batch on the CPU.
func (m *Model) Infer(ctx context.Context, in []Tokens) ([][]float32, error) {
	if len(in) == 0 {
		return [][]float32{}, nil
	}
	b, seq, real := len(in), 0, 0
	for _, t := range in {
		seq = max(seq, len(t.IDs))
		real += len(t.IDs)
		if t.TypeIDs != nil && len(t.TypeIDs) != len(t.IDs) {
			return nil, fmt.Errorf("embedding: %d type ids for %d ids", len(t.TypeIDs), len(t.IDs))
		}
	}
	out := make([][]float32, b)
	if seq == 0 {
		for i := range out {
			out[i] = make([]float32, m.dim)
		}
		return out, nil
	}
	n := b * seq
	ids := make([]int64, n)
	mask := make([]int64, n)
	for i, t := range in {
		row := ids[i*seq : (i+1)*seq]
		copy(row, t.IDs)
		for j := len(t.IDs); j < seq; j++ {
			row[j] = m.padID
		}
		for j := range t.IDs {
			mask[i*seq+j] = 1
		}
	}
	shape := []int64{int64(b), int64(seq)}
	inputs := []onnx.Int64Input{
		{Name: "input_ids", Shape: shape, Data: ids},
		{Name: "attention_mask", Shape: shape, Data: mask},
	}
	if m.hasTypes {
		types := make([]int64, n)
		for i, t := range in {
			copy(types[i*seq:], t.TypeIDs)
		}
		inputs = append(inputs, onnx.Int64Input{Name: "token_type_ids", Shape: shape, Data: types})
	}

	hbuf := m.hidden(n * m.dim)
	defer m.buf.Put(hbuf)
	res := &onnx.Float32Output{Name: m.output, Shape: []int64{int64(b), int64(seq), int64(m.dim)}, Data: *hbuf}
	start := time.Now()
	if err := m.sess.Run(ctx, inputs, []*onnx.Float32Output{res}); err != nil {
		if errors.Is(err, onnx.ErrCUDA) {
			return nil, fmt.Errorf("%w: embedding %d texts: %w", inference.ErrDevice, b, err)
		}
		return nil, fmt.Errorf("embedding %d texts: %w", b, err)
	}
	m.stats.batch(b, real, n, time.Since(start))
	*hbuf = res.Data

	acc := make([]float64, m.dim)
	for i, t := range in {
		state := func(j int) []float32 { return res.Data[(i*seq+j)*m.dim : (i*seq+j+1)*m.dim] }
		m.pool(acc, state, len(t.IDs))
		if m.normalize {
			out[i] = normalize(acc)
		} else {
			out[i] = toFloat32(acc)
		}
	}
	return out, nil
}

// pool reduces the n real token states of one text into acc. Sums run in
// float64 so their rounding does not depend on the batch a text ran in.
func (m *Model) pool(acc []float64, state func(int) []float32, n int) {
	clear(acc)
	if n == 0 {
		return
	}
	switch m.pooling {
	case PoolCLS:
		for k, v := range state(0) {
			acc[k] = float64(v)
		}
	case PoolMax:
		for k, v := range state(0) {
			acc[k] = float64(v)
		}
		for j := 1; j < n; j++ {
			for k, v := range state(j) {
				acc[k] = max(acc[k], float64(v))
			}
		}
	default: // mean over the attention mask: padding never enters
		for j := range n {
			for k, v := range state(j) {
				acc[k] += float64(v)
			}
		}
		for k := range acc {
			acc[k] /= float64(n)
		}
	}
}

// normalize returns acc scaled to unit length as float32; a zero vector
// stays zero.
func normalize(acc []float64) []float32 {
	var norm float64
	for _, v := range acc {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	v := make([]float32, len(acc))
	if norm > 0 {
		for k := range acc {
			v[k] = float32(acc[k] / norm)
		}
	}
	return v
}

func toFloat32(acc []float64) []float32 {
	v := make([]float32, len(acc))
	for k, x := range acc {
		v[k] = float32(x)
	}
	return v
}

func (m *Model) hidden(n int) *[]float32 {
	if p, ok := m.buf.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// Close releases the session after batches in flight finish.
func (m *Model) Close() error { return m.sess.Close() }

// counters feed Metrics; one set is shared by the CPU and GPU models of an
// Embedder.
type counters struct {
	texts, truncated, batches atomic.Int64
	items                     atomic.Int64
	realTokens, paddedTokens  atomic.Int64
	inferNanos                atomic.Int64
}

func (c *counters) batch(items, real, padded int, d time.Duration) {
	c.batches.Add(1)
	c.items.Add(int64(items))
	c.realTokens.Add(int64(real))
	c.paddedTokens.Add(int64(padded))
	c.inferNanos.Add(int64(d))
}

// Metrics is a snapshot of an encoder's counters.
type Metrics struct {
	// Texts embedded and, of those, truncated to the model's limit.
	Texts     int64 `json:"texts"`
	Truncated int64 `json:"truncated"`
	// Batches run by the model, and the texts they held (a text retried
	// on the CPU after a GPU failure counts twice).
	Batches int64 `json:"batches"`
	Items   int64 `json:"items"`
	// RealTokens and PaddedTokens count the tensor positions fed to the
	// model: PaddedTokens includes padding (batch × longest sequence).
	RealTokens   int64 `json:"real_tokens"`
	PaddedTokens int64 `json:"padded_tokens"`
	// PaddingEfficiency is RealTokens / PaddedTokens (1 = no padding);
	// 0 before the first batch.
	PaddingEfficiency float64 `json:"padding_efficiency"`
	// InferSeconds is the time spent inside ONNX Runtime.
	InferSeconds float64 `json:"infer_seconds"`
}

func (c *counters) snapshot() Metrics {
	m := Metrics{
		Texts:        c.texts.Load(),
		Truncated:    c.truncated.Load(),
		Batches:      c.batches.Load(),
		Items:        c.items.Load(),
		RealTokens:   c.realTokens.Load(),
		PaddedTokens: c.paddedTokens.Load(),
		InferSeconds: time.Duration(c.inferNanos.Load()).Seconds(),
	}
	if m.PaddedTokens > 0 {
		m.PaddingEfficiency = float64(m.RealTokens) / float64(m.PaddedTokens)
	}
	return m
}

// readJSON decodes an optional JSON file of a model folder.
func readJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%w: parsing %s: %w", onnx.ErrInvalidModel, path, err)
	}
	return true, nil
}
