package embed

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/tokenizer"
)

// Encoder is the device-independent half of a sentence model: its
// tokenizer and settings. It turns texts into [Tokens] and loads a [Model]
// per device for the inference runtime. It is safe for concurrent use.
type Encoder struct {
	cfg   Config
	tok   *tokenizer.Tokenizer
	stats *counters
}

// NewEncoder reads the model folder's tokenizer.json and JSON configs. It
// does not load ONNX Runtime or the model; the Loader does, per device.
func NewEncoder(cfg Config) (*Encoder, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(filepath.Join(cfg.Dir, "tokenizer.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", onnx.ErrInvalidModel, err)
	}
	var hf struct {
		VocabSize int `json:"vocab_size"`
	}
	if _, err := readJSON(filepath.Join(cfg.Dir, "config.json"), &hf); err != nil {
		return nil, err
	}
	if hf.VocabSize > 0 && tok.VocabSize() > hf.VocabSize {
		return nil, fmt.Errorf("%w: %s: tokenizer.json has %d tokens but config.json vocab_size is %d", onnx.ErrInvalidModel, cfg.Dir, tok.VocabSize(), hf.VocabSize)
	}
	// Truncate to the model's limit; never pad here: each batch is padded
	// to its own longest text when it is run.
	tok = tok.WithTruncation(cfg.MaxLength).WithoutPadding()
	cfg.PadID = tok.PadID()
	return &Encoder{cfg: cfg, tok: tok, stats: &counters{}}, nil
}

// Derive returns an encoder for the same model folder with cfg changed by
// mod (batching, pooling, name, length), sharing the loaded tokenizer and
// counting its own metrics. Changing Dir is an error: load a new encoder.
func (e *Encoder) Derive(mod func(*Config)) (*Encoder, error) {
	cfg := e.cfg
	mod(&cfg)
	if cfg.Dir != e.cfg.Dir {
		return nil, fmt.Errorf("embed: Derive cannot change Config.Dir (%s → %s)", e.cfg.Dir, cfg.Dir)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.PadID = e.cfg.PadID
	return &Encoder{cfg: cfg, tok: e.tok.WithTruncation(cfg.MaxLength), stats: &counters{}}, nil
}

// Tokenizer is the encoder's tokenizer: truncating at MaxLength, never
// padding.
func (e *Encoder) Tokenizer() *tokenizer.Tokenizer { return e.tok }

// Config is the effective configuration, defaults and folder values
// applied.
func (e *Encoder) Config() Config { return e.cfg }

// Name labels the model.
func (e *Encoder) Name() string { return e.cfg.Name }

// MaxLength is the token limit per text, special tokens included.
func (e *Encoder) MaxLength() int { return e.cfg.MaxLength }

// Tokenize encodes one text, after the model's prompt (Config.Prefix),
// truncated to MaxLength and counted in the metrics. An empty text becomes [CLS] [SEP], which embeds as a valid unit
// vector (the same one for every empty or whitespace-only text), as
// sentence-transformers does.
func (e *Encoder) Tokenize(text string) Tokens {
	enc := e.tok.Encode(e.cfg.Prefix+text, true)
	e.stats.texts.Add(1)
	if enc.Truncated {
		e.stats.truncated.Add(1)
	}
	return Tokens{IDs: enc.IDs, TypeIDs: enc.TypeIDs, Truncated: enc.Truncated}
}

// TokenizeAll encodes texts in order.
func (e *Encoder) TokenizeAll(texts []string) []Tokens {
	out := make([]Tokens, len(texts))
	for i, t := range texts {
		out[i] = e.Tokenize(t)
	}
	return out
}

// Load loads the model on dev; its batches count in this encoder's
// metrics.
func (e *Encoder) Load(ctx context.Context, dev device.Config) (*Model, error) {
	return loadModel(ctx, e.cfg, dev, e.stats)
}

// Loader is Load as an inference.Loader.
func (e *Encoder) Loader() inference.Loader[Tokens, []float32] {
	return func(ctx context.Context, dev device.Config) (inference.Model[Tokens, []float32], error) {
		m, err := e.Load(ctx, dev)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
}

// Metrics is a snapshot of the texts tokenized and the batches run.
func (e *Encoder) Metrics() Metrics { return e.stats.snapshot() }
