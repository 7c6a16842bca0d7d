package testmodel

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// The seq2seq generator is its own script, so that changing it never
// changes the cache key (and the bytes) of the BERT-shaped encoders.
//
//go:embed gen_seq2seq_models.py
var seq2seqScript []byte

// Seq2SeqSpec says which encoder-decoder model gen_seq2seq_models.py
// writes: the Optimum/Xenova layout (onnx/encoder_model.onnx,
// decoder_model_merged.onnx and/or decoder_model.onnx +
// decoder_with_past_model.onnx, config.json, generation_config.json) with
// random weights from a fixed seed.
type Seq2SeqSpec struct {
	// Family is the shape of the special tokens and generation defaults:
	// "marian" (pad starts decoding, bad_words_ids [[pad]]), "nllb"
	// (an m2m_100 model: EOS starts decoding, the target language is forced
	// first) or "bart" (forced BOS 0 and forced EOS; defaults only in
	// config.json's task_specific_params). Required.
	Family string
	// Preset is "tiny" (2+2 layers, d_model 32, vocabulary 128) or "opus"
	// (OPUS-MT en-de's dimensions: 6+6 layers, d_model 512, 8 heads, FFN
	// 2048, vocabulary 58101). Default "tiny".
	Preset string
	// Layout is "merged", "pair" or "both". Default "both".
	Layout string
	// Quantize also writes the *_quantized.onnx files (dynamic int8).
	Quantize bool
	// References also writes cases.json and references.json: numpy greedy
	// and beam-search outputs (see the script).
	References bool
	// Seed for the weights. Zero means 42.
	Seed int
	// Python is the interpreter. Empty means [DefaultPython].
	Python string
}

func (s Seq2SeqSpec) withDefaults() (Seq2SeqSpec, error) {
	switch s.Family {
	case "marian", "nllb", "bart":
	default:
		return s, fmt.Errorf("testmodel: Seq2SeqSpec.Family = %q, want marian, nllb or bart", s.Family)
	}
	if s.Preset == "" {
		s.Preset = "tiny"
	}
	if s.Preset != "tiny" && s.Preset != "opus" {
		return s, fmt.Errorf("testmodel: Seq2SeqSpec.Preset = %q, want tiny or opus", s.Preset)
	}
	if s.Layout == "" {
		s.Layout = "both"
	}
	if s.Layout != "merged" && s.Layout != "pair" && s.Layout != "both" {
		return s, fmt.Errorf("testmodel: Seq2SeqSpec.Layout = %q, want merged, pair or both", s.Layout)
	}
	if s.Seed == 0 {
		s.Seed = 42
	}
	if s.Python == "" {
		s.Python = DefaultPython
	}
	return s, nil
}

// Name is the cache folder name: family, preset and a hash of the script
// and the spec.
func (s Seq2SeqSpec) Name() string {
	s, _ = s.withDefaults()
	h := sha256.New()
	h.Write(seq2seqScript)
	fmt.Fprintf(h, "%s|%s|%s|%v|%v|%d", s.Family, s.Preset, s.Layout, s.Quantize, s.References, s.Seed)
	return "s2s-" + s.Family + "-" + s.Preset + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// GenerateSeq2Seq writes the model into dir (created if needed).
func GenerateSeq2Seq(ctx context.Context, spec Seq2SeqSpec, dir string) error {
	spec, err := spec.withDefaults()
	if err != nil {
		return err
	}
	if err := Check(ctx, spec.Python); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "masx-s2s-")
	if err != nil {
		return fmt.Errorf("generating seq2seq test model: %w", err)
	}
	defer os.RemoveAll(tmp)
	scriptPath := filepath.Join(tmp, "gen_seq2seq_models.py")
	if err := os.WriteFile(scriptPath, seq2seqScript, 0o644); err != nil {
		return fmt.Errorf("generating seq2seq test model: %w", err)
	}
	args := []string{scriptPath, "--family", spec.Family, "--preset", spec.Preset, "--layout", spec.Layout,
		"--seed", strconv.Itoa(spec.Seed), "--out", dir}
	if spec.Quantize {
		args = append(args, "--quantize")
	}
	if spec.References {
		args = append(args, "--references")
	}
	if out, err := exec.CommandContext(ctx, spec.Python, args...).CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("generating %s seq2seq test model: %w", spec.Family, ctx.Err())
		}
		return fmt.Errorf("generating %s seq2seq test model into %s: %v: %s", spec.Family, dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// EnsureSeq2Seq returns the folder of the model spec describes under
// <cacheDir>/testmodels, generating it first when it is not there (safe
// for concurrent processes, as [Ensure]).
func EnsureSeq2Seq(ctx context.Context, cacheDir string, spec Seq2SeqSpec) (string, error) {
	if _, err := spec.withDefaults(); err != nil {
		return "", err
	}
	return ensure(cacheDir, spec.Name(), "config.json", func(dir string) error {
		return GenerateSeq2Seq(ctx, spec, dir)
	})
}
