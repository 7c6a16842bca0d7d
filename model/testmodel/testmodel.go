// Package testmodel generates the BERT-shaped ONNX encoders that masx tests
// and benchmarks run, since no real model weights can be downloaded where
// masx is built.
//
// The generator is gen_test_models.py (scripts/gen-test-models.py links to
// it), run with Debian's /usr/bin/python3 and its onnx and numpy packages
// (python3-onnx, python3-numpy). It writes a Hugging Face-shaped folder
// (onnx/model.onnx, optional onnx/model_fp16.onnx, tokenizer.json,
// config.json, sentence_bert_config.json, optional golden.json) with random weights from a fixed
// seed. Both the script and the real all-MiniLM-L6-v2 tokenizer.json are
// embedded, so `masx bench embed` can build its model outside a checkout.
//
// Encoder-decoder (seq2seq) models in the Optimum layout come from a second
// script, gen_seq2seq_models.py ([Seq2SeqSpec], [EnsureSeq2Seq]), which also
// writes numpy references for greedy and beam search.
//
// Generating a model takes seconds (docs/performance.md), so [Ensure] caches
// each under <cache>/testmodels/<name>-<hash>, keyed by the script, the
// tokenizer and the spec, so a changed generator never serves a stale model.
package testmodel

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

//go:embed gen_test_models.py
var script []byte

//go:embed tokenizer.json
var tokenizerJSON []byte

// DefaultPython is Debian's interpreter, which has python3-onnx. A pyenv or
// virtualenv python3 earlier on PATH usually lacks onnx, so masx never
// looks the interpreter up on PATH.
const DefaultPython = "/usr/bin/python3"

// ErrNoGenerator means the Python interpreter or its onnx/numpy packages
// are missing.
var ErrNoGenerator = errors.New("cannot generate test models: need /usr/bin/python3 with python3-onnx and python3-numpy (scripts/setup.sh installs them)")

// Spec says which model to generate.
type Spec struct {
	// Preset is "tiny" (2 layers, hidden 32, 4 heads, vocabulary 30522) or
	// "minilm" (6 layers, hidden 384, 12 heads, intermediate 1536, the
	// shape of all-MiniLM-L6-v2). Required.
	Preset string
	// FP16 also writes onnx/model_fp16.onnx. Default false.
	FP16 bool
	// Golden also writes golden.json: the mean-pooled, L2-normalised
	// embeddings of a few fixed token id sequences, computed by evaluating
	// the graph with numpy, an oracle independent of ONNX Runtime.
	// Default false.
	Golden bool
	// Seed for the random weights. Zero means 42.
	Seed int
	// MaxSeqLength is written to sentence_bert_config.json. Zero means 256.
	MaxSeqLength int
	// Python is the interpreter. Empty means [DefaultPython].
	Python string
}

// Tiny is the unit-test model.
var Tiny = Spec{Preset: "tiny", Golden: true}

// MiniLM is the benchmark model, shaped like all-MiniLM-L6-v2.
var MiniLM = Spec{Preset: "minilm"}

func (s Spec) withDefaults() (Spec, error) {
	if s.Preset != "tiny" && s.Preset != "minilm" {
		return s, fmt.Errorf("testmodel: Spec.Preset = %q, want tiny or minilm", s.Preset)
	}
	if s.Seed == 0 {
		s.Seed = 42
	}
	if s.MaxSeqLength == 0 {
		s.MaxSeqLength = 256
	}
	if s.MaxSeqLength < 0 {
		return s, fmt.Errorf("testmodel: Spec.MaxSeqLength = %d, want ≥ 0", s.MaxSeqLength)
	}
	if s.Python == "" {
		s.Python = DefaultPython
	}
	return s, nil
}

// Name is the cache folder name: preset, fp16 flag and a hash of
// everything that shapes the files.
func (s Spec) Name() string {
	s, _ = s.withDefaults()
	h := sha256.New()
	h.Write(script)
	h.Write(tokenizerJSON)
	fmt.Fprintf(h, "%s|%v|%v|%d|%d", s.Preset, s.FP16, s.Golden, s.Seed, s.MaxSeqLength)
	name := s.Preset
	if s.FP16 {
		name += "-fp16"
	}
	return name + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// Check reports whether the generator can run, wrapping [ErrNoGenerator]
// when it cannot.
func Check(ctx context.Context, python string) error {
	if python == "" {
		python = DefaultPython
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import onnx, numpy").CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w (%s: %v: %s)", ErrNoGenerator, python, err, bytes.TrimSpace(out))
	}
	return nil
}

// Generate writes the model into dir (created if needed).
func Generate(ctx context.Context, spec Spec, dir string) error {
	spec, err := spec.withDefaults()
	if err != nil {
		return err
	}
	if err := Check(ctx, spec.Python); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("generating test model: %w", err)
	}
	tmp, err := os.MkdirTemp("", "masx-testmodel-")
	if err != nil {
		return fmt.Errorf("generating test model: %w", err)
	}
	defer os.RemoveAll(tmp)
	scriptPath := filepath.Join(tmp, "gen_test_models.py")
	tokPath := filepath.Join(tmp, "tokenizer.json")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		return fmt.Errorf("generating test model: %w", err)
	}
	if err := os.WriteFile(tokPath, tokenizerJSON, 0o644); err != nil {
		return fmt.Errorf("generating test model: %w", err)
	}
	args := []string{scriptPath, "--preset", spec.Preset, "--seed", strconv.Itoa(spec.Seed),
		"--max-seq-length", strconv.Itoa(spec.MaxSeqLength), "--tokenizer", tokPath, "--out", dir}
	if spec.FP16 {
		args = append(args, "--fp16")
	}
	if spec.Golden {
		args = append(args, "--golden")
	}
	cmd := exec.CommandContext(ctx, spec.Python, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("generating %s test model: %w", spec.Preset, ctx.Err())
		}
		return fmt.Errorf("generating %s test model into %s: %v: %s", spec.Preset, dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// Ensure returns the folder of the model spec describes under
// <cacheDir>/testmodels, generating it first when it is not there. Many
// processes may call it at once (go test runs packages in parallel): each
// generates into a private folder and renames it into place, so a reader
// never sees a half-written model.
func Ensure(ctx context.Context, cacheDir string, spec Spec) (string, error) {
	if _, err := spec.withDefaults(); err != nil {
		return "", err
	}
	return ensure(cacheDir, spec.Name(), filepath.Join("onnx", "model.onnx"), func(dir string) error {
		return Generate(ctx, spec, dir)
	})
}

// ensure returns <cacheDir>/testmodels/name, generating it with gen into a
// private folder renamed into place when marker (a file inside) is absent.
func ensure(cacheDir, name, marker string, gen func(dir string) error) (string, error) {
	root := filepath.Join(cacheDir, "testmodels")
	final := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(final, marker)); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("caching test model: %w", err)
	}
	tmp, err := os.MkdirTemp(root, ".tmp-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("caching test model: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left to remove
	if err := gen(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another process won the race; its copy is identical.
		if _, statErr := os.Stat(filepath.Join(final, marker)); statErr == nil {
			return final, nil
		}
		return "", fmt.Errorf("caching test model in %s: %w", final, err)
	}
	return final, nil
}
