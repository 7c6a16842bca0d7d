package testmodel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/masx-ai/masx/model/testmodel"
)

func requireGenerator(t *testing.T) {
	t.Helper()
	if err := testmodel.Check(context.Background(), ""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test model generator missing (CI=true): %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

func TestGenerateTiny(t *testing.T) {
	requireGenerator(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	if err := testmodel.Generate(ctx, testmodel.Spec{Preset: "tiny", Golden: true, MaxSeqLength: 64}, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"onnx/model.onnx", "tokenizer.json", "config.json", "sentence_bert_config.json", "golden.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "onnx", "model_fp16.onnx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("model_fp16.onnx written without FP16: %v", err)
	}
	var cfg struct {
		Hidden int `json:"hidden_size"`
		Layers int `json:"num_hidden_layers"`
		Vocab  int `json:"vocab_size"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(data, &cfg); err != nil || cfg.Hidden != 32 || cfg.Layers != 2 || cfg.Vocab != 30522 {
		t.Errorf("config.json = %s (%v); want hidden 32, 2 layers, vocab 30522", data, err)
	}
	var st struct {
		Max int `json:"max_seq_length"`
	}
	data, _ = os.ReadFile(filepath.Join(dir, "sentence_bert_config.json"))
	if err := json.Unmarshal(data, &st); err != nil || st.Max != 64 {
		t.Errorf("sentence_bert_config.json = %s; want max_seq_length 64", data)
	}
	if st, _ := os.Stat(filepath.Join(dir, "onnx", "model.onnx")); st == nil || st.Size() > 5<<20 {
		t.Errorf("tiny model.onnx is %v; want at most 5 MB", st)
	}

	// Same spec, same bytes.
	again := t.TempDir()
	if err := testmodel.Generate(ctx, testmodel.Spec{Preset: "tiny", Golden: true, MaxSeqLength: 64}, again); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "onnx", "model.onnx"))
	b, _ := os.ReadFile(filepath.Join(again, "onnx", "model.onnx"))
	if !bytes.Equal(a, b) {
		t.Errorf("two generations of one spec differ")
	}
}

func TestEnsureCaches(t *testing.T) {
	requireGenerator(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cache := t.TempDir()
	spec := testmodel.Spec{Preset: "tiny", Seed: 7}
	dir, err := testmodel.Ensure(ctx, cache, spec)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != filepath.Join(cache, "testmodels") || !strings.HasPrefix(filepath.Base(dir), "tiny-") {
		t.Errorf("Ensure put the model in %s", dir)
	}
	marker := filepath.Join(dir, "marker")
	os.WriteFile(marker, nil, 0o644)
	again, err := testmodel.Ensure(ctx, cache, spec)
	if err != nil || again != dir {
		t.Fatalf("second Ensure = %s, %v; want %s", again, err, dir)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("second Ensure regenerated the model: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "testmodels"))
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries; want 1 (no leftover temporary folders)", len(entries))
	}
	if other := (testmodel.Spec{Preset: "tiny", Seed: 8}).Name(); other == spec.Name() {
		t.Errorf("specs with different seeds share the cache name %s", other)
	}
}

func TestBadSpecAndPython(t *testing.T) {
	ctx := context.Background()
	if err := testmodel.Generate(ctx, testmodel.Spec{Preset: "huge"}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "huge") {
		t.Errorf("Generate(preset huge) = %v; want an error naming it", err)
	}
	missing := filepath.Join(t.TempDir(), "python3")
	err := testmodel.Generate(ctx, testmodel.Spec{Preset: "tiny", Python: missing}, t.TempDir())
	if !errors.Is(err, testmodel.ErrNoGenerator) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Generate(missing python) = %v; want ErrNoGenerator naming it", err)
	}
}

func TestGenerateCanceled(t *testing.T) {
	requireGenerator(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := testmodel.Generate(ctx, testmodel.Tiny, t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate(canceled) = %v; want context.Canceled", err)
	}
}
