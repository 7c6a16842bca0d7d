package testmodel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/model/testmodel"
)

func requireGenerator(t *testing.T) {
	t.Helper()
	if err := testmodel.Check(context.Background(), ""); err != nil {
		if os.Getenv("CI") == "true" {
			require.FailNow(t, "test model generator missing (CI=true)", "%v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

func TestGenerateTiny(t *testing.T) {
	requireGenerator(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	require.NoError(t, testmodel.Generate(ctx, testmodel.Spec{Preset: "tiny", Golden: true, MaxSeqLength: 64}, dir))
	for _, f := range []string{"onnx/model.onnx", "tokenizer.json", "config.json", "sentence_bert_config.json", "golden.json"} {
		require.FileExists(t, filepath.Join(dir, f))
	}
	_, err := os.Stat(filepath.Join(dir, "onnx", "model_fp16.onnx"))
	require.ErrorIs(t, err, os.ErrNotExist, "model_fp16.onnx written without FP16")
	var cfg struct {
		Hidden int `json:"hidden_size"`
		Layers int `json:"num_hidden_layers"`
		Vocab  int `json:"vocab_size"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	require.NoError(t, json.Unmarshal(data, &cfg), "config.json = %s", data)
	require.Equal(t, 32, cfg.Hidden, "config.json hidden_size")
	require.Equal(t, 2, cfg.Layers, "config.json num_hidden_layers")
	require.Equal(t, 30522, cfg.Vocab, "config.json vocab_size")
	var st struct {
		Max int `json:"max_seq_length"`
	}
	data, _ = os.ReadFile(filepath.Join(dir, "sentence_bert_config.json"))
	require.NoError(t, json.Unmarshal(data, &st), "sentence_bert_config.json = %s", data)
	require.Equal(t, 64, st.Max, "sentence_bert_config.json max_seq_length")
	fi, err := os.Stat(filepath.Join(dir, "onnx", "model.onnx"))
	require.NoError(t, err)
	require.LessOrEqual(t, fi.Size(), int64(5<<20), "tiny model.onnx: want at most 5 MB")

	// Same spec, same bytes.
	again := t.TempDir()
	require.NoError(t, testmodel.Generate(ctx, testmodel.Spec{Preset: "tiny", Golden: true, MaxSeqLength: 64}, again))
	a, _ := os.ReadFile(filepath.Join(dir, "onnx", "model.onnx"))
	b, _ := os.ReadFile(filepath.Join(again, "onnx", "model.onnx"))
	require.True(t, bytes.Equal(a, b), "two generations of one spec differ")
}

func TestEnsureCaches(t *testing.T) {
	requireGenerator(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cache := t.TempDir()
	spec := testmodel.Spec{Preset: "tiny", Seed: 7}
	dir, err := testmodel.Ensure(ctx, cache, spec)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(cache, "testmodels"), filepath.Dir(dir), "Ensure put the model in %s", dir)
	require.True(t, strings.HasPrefix(filepath.Base(dir), "tiny-"), "Ensure put the model in %s", dir)
	marker := filepath.Join(dir, "marker")
	os.WriteFile(marker, nil, 0o644)
	again, err := testmodel.Ensure(ctx, cache, spec)
	require.NoError(t, err, "second Ensure")
	require.Equal(t, dir, again, "second Ensure")
	require.FileExists(t, marker, "second Ensure regenerated the model")
	entries, _ := os.ReadDir(filepath.Join(cache, "testmodels"))
	require.Len(t, entries, 1, "cache entries: want no leftover temporary folders")
	require.NotEqual(t, spec.Name(), (testmodel.Spec{Preset: "tiny", Seed: 8}).Name(), "specs with different seeds share the cache name")
}

func TestBadSpecAndPython(t *testing.T) {
	ctx := context.Background()
	require.ErrorContains(t, testmodel.Generate(ctx, testmodel.Spec{Preset: "huge"}, t.TempDir()), "huge", "Generate(preset huge)")
	missing := filepath.Join(t.TempDir(), "python3")
	err := testmodel.Generate(ctx, testmodel.Spec{Preset: "tiny", Python: missing}, t.TempDir())
	require.ErrorIs(t, err, testmodel.ErrNoGenerator, "Generate(missing python)")
	require.ErrorContains(t, err, missing, "Generate(missing python) names it")
}

func TestGenerateCanceled(t *testing.T) {
	requireGenerator(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, testmodel.Generate(ctx, testmodel.Tiny, t.TempDir()), context.Canceled, "Generate(canceled)")
}
