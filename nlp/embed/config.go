package embed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/model/onnx"
)

// Defaults for Config fields left zero.
const (
	// MaxLengthDefault is the token limit when the model folder does not
	// state one: all-MiniLM-L6-v2's max_seq_length. Longer texts are
	// truncated (and counted), never refused.
	MaxLengthDefault = 256
	// MaxBatchTokensCPU bounds a CPU batch in tokens. On the CPU, bigger
	// batches stop paying early: measured on 2 cores with the MiniLM-shaped
	// model, in texts per CPU-second, 16-token texts go from 172 (one per
	// call) to 317 (8 per call) and 268 (32 per call), 32-token texts from
	// 89 to 137 (16 per call), while 128-token texts stay at 34–39 from 1
	// to 8 per call and 256-token texts at 16. Activations of larger
	// batches fall out of cache. 1024 tokens lets short texts batch up and
	// keeps long ones in small batches.
	MaxBatchTokensCPU = 1024
)

// Pooling modes.
const (
	PoolMean = "mean"
	PoolCLS  = "cls"
	PoolMax  = "max"
)

// Normalization modes (Config.Normalize).
const (
	// NormalizeAuto follows the folder: on when modules.json lists a
	// sentence_transformers.models.Normalize module, off when modules.json
	// has none, on when there is no modules.json (all-MiniLM and most
	// exports normalise).
	NormalizeAuto = ""
	NormalizeOn   = "on"
	NormalizeOff  = "off"
)

// Config describes a sentence-embedding model and how to run it.
type Config struct {
	// Dir is the model folder, laid out as a Hugging Face repository:
	// onnx/model.onnx (optionally onnx/model_fp16.onnx), tokenizer.json,
	// config.json, and optionally sentence_bert_config.json. Required.
	Dir string
	// Name labels the model in metrics and output. Default: Dir's base
	// name.
	Name string
	// MaxLength is the most tokens a text keeps, [CLS] and [SEP] included.
	// Zero means sentence_bert_config.json's max_seq_length, else
	// MaxLengthDefault; either way capped by config.json's
	// max_position_embeddings.
	MaxLength int
	// Pooling turns token states into one vector: "mean" over the
	// attention mask (sentence-transformers' default, and all-MiniLM's),
	// "cls" (the first token) or "max" (per dimension, over real tokens).
	// Empty means the folder's: the Pooling module modules.json lists (as
	// sentence-transformers loads it), else 1_Pooling/config.json, else
	// "mean". Pooling modes masx does not run (mean_sqrt_len_tokens,
	// weightedmean, lasttoken, several at once) are an error, never a
	// silent mean.
	Pooling string
	// Normalize says whether vectors are L2-normalised: NormalizeAuto
	// (default), NormalizeOn or NormalizeOff. Embedder.Vectorize always
	// returns unit vectors (the vectorize.Vectorizer contract); Embed
	// returns what the model's modules make.
	Normalize string
	// Prefix is put before every text: the prompt some models are trained
	// with, e.g. "query: " or "passage: " for intfloat/multilingual-e5
	// (whose card asks for "query: " in symmetric tasks such as
	// clustering). Empty means the prompt PromptName names, else the
	// folder's default prompt (config_sentence_transformers.json
	// default_prompt_name), else none.
	Prefix string
	// PromptName picks a prompt from config_sentence_transformers.json's
	// "prompts" (e.g. "query"); an unknown name is an error. Ignored when
	// Prefix is set.
	PromptName string
	// ORTLib is the path of the ONNX Runtime library, for onnx.Init.
	// Required unless onnx.Init already succeeded.
	ORTLib string
	// Threads is ONNX Runtime's intra-op thread count. Zero means
	// runtime.NumCPU().
	Threads int
	// FP16 loads onnx/model_fp16.onnx on a GPU when present. Default
	// false; ignored on the CPU.
	FP16 bool

	// Runtime batching, used by New.

	// MaxBatchSize is the most texts per batch. Default
	// batch.MaxBatchSizeDefault (32).
	MaxBatchSize int
	// MaxBatchTokens bounds a batch's tokens as the batcher counts them
	// (the sum of the texts' lengths). Zero means MaxBatchTokensCPU on a
	// CPU runtime and MaxBatchSize × MaxLength (no token bound beyond the
	// item bound) on a GPU, where big batches are what pays. It is raised
	// to MaxLength when lower, so one longest text always fits.
	MaxBatchTokens int
	// MaxDelay is how long the oldest text waits for its batch to fill.
	// Zero means the runtime's default (50ms).
	MaxDelay time.Duration
	// QueueMax bounds queued plus in-flight texts. Zero means the
	// runtime's default (1000).
	QueueMax int
	// Unsorted turns length bucketing off: batches form first come, first
	// served. Benchmarks use it to show what bucketing saves. Default
	// false.
	Unsorted bool

	// Logf receives notices such as a CPU fallback. Nil means none.
	Logf func(format string, args ...any)

	// Filled by withDefaults from the folder's JSON files.
	Dim   int   // config.json hidden_size; 0 when absent
	PadID int64 // the tokenizer's pad id
}

// hfConfig is the part of config.json the encoder needs.
type hfConfig struct {
	HiddenSize            int `json:"hidden_size"`
	MaxPositionEmbeddings int `json:"max_position_embeddings"`
}

type stConfig struct {
	MaxSeqLength int `json:"max_seq_length"`
}

func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" {
		return c, errors.New("embed: Config.Dir is empty; want a model folder")
	}
	if st, err := os.Stat(c.Dir); err != nil {
		return c, fmt.Errorf("%w: opening model folder %s: %w", onnx.ErrInvalidModel, c.Dir, err)
	} else if !st.IsDir() {
		return c, fmt.Errorf("%w: model path %s is not a folder", onnx.ErrInvalidModel, c.Dir)
	}
	switch {
	case c.MaxLength < 0:
		return c, fmt.Errorf("embed: Config.MaxLength = %d, want ≥ 0", c.MaxLength)
	case c.Threads < 0:
		return c, fmt.Errorf("embed: Config.Threads = %d, want ≥ 0", c.Threads)
	case c.MaxBatchSize < 0:
		return c, fmt.Errorf("embed: Config.MaxBatchSize = %d, want ≥ 0", c.MaxBatchSize)
	case c.MaxBatchTokens < 0:
		return c, fmt.Errorf("embed: Config.MaxBatchTokens = %d, want ≥ 0", c.MaxBatchTokens)
	case c.QueueMax < 0:
		return c, fmt.Errorf("embed: Config.QueueMax = %d, want ≥ 0", c.QueueMax)
	}
	if c.Name == "" {
		c.Name = filepath.Base(filepath.Clean(c.Dir))
	}
	var hf hfConfig
	if _, err := readJSON(filepath.Join(c.Dir, "config.json"), &hf); err != nil {
		return c, err
	}
	c.Dim = hf.HiddenSize
	if c.MaxLength == 0 {
		var st stConfig
		if _, err := readJSON(filepath.Join(c.Dir, "sentence_bert_config.json"), &st); err != nil {
			return c, err
		}
		c.MaxLength = st.MaxSeqLength
	}
	if c.MaxLength <= 0 {
		c.MaxLength = MaxLengthDefault
	}
	if hf.MaxPositionEmbeddings > 0 && c.MaxLength > hf.MaxPositionEmbeddings {
		c.MaxLength = hf.MaxPositionEmbeddings
	}
	if err := c.readModules(); err != nil {
		return c, err
	}
	if c.Pooling != PoolMean && c.Pooling != PoolCLS && c.Pooling != PoolMax {
		return c, fmt.Errorf("embed: Config.Pooling = %q, want mean, cls or max", c.Pooling)
	}
	if c.Normalize != NormalizeOn && c.Normalize != NormalizeOff {
		return c, fmt.Errorf("embed: Config.Normalize = %q, want %q, %q or empty (the folder's modules.json)", c.Normalize, NormalizeOn, NormalizeOff)
	}
	if err := c.readPrompt(); err != nil {
		return c, err
	}
	if c.MaxBatchSize == 0 {
		c.MaxBatchSize = batch.MaxBatchSizeDefault
	}
	if c.MaxBatchTokens > 0 {
		c.MaxBatchTokens = max(c.MaxBatchTokens, c.MaxLength)
	}
	return c, nil
}
