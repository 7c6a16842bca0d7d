package embed_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/nlp/embed"
)

// stFolder copies the tiny generated WordPiece model into a new folder
// laid out as a sentence-transformers repository, with files (relative
// path → content) added.
func stFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	tiny := onnxtest.Tiny(t)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "onnx"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(tiny, "onnx", "model.onnx"), filepath.Join(dir, "onnx", "model.onnx")))
	for _, f := range []string{"tokenizer.json", "config.json", "sentence_bert_config.json"} {
		b, err := os.ReadFile(filepath.Join(tiny, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

const (
	modTransformer = `{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}`
	modNormalize   = `{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}`
)

func poolingModule(path string) string {
	return `{"idx": 1, "name": "1", "path": "` + path + `", "type": "sentence_transformers.models.Pooling"}`
}

func poolingConfig(mode string) string {
	return `{"word_embedding_dimension": 32, "pooling_mode_cls_token": ` + boolJSON(mode == "cls") +
		`, "pooling_mode_mean_tokens": ` + boolJSON(mode == "mean") + `, "pooling_mode_max_tokens": ` + boolJSON(mode == "max") +
		`, "pooling_mode_mean_sqrt_len_tokens": false}`
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// modules.json decides where the Pooling config is and whether vectors are
// normalised, as sentence-transformers loads a folder.
func TestModulesJSONPoolingAndNormalize(t *testing.T) {
	ids := []embed.Tokens{{IDs: []int64{101, 7592, 1010, 2088, 999, 102}}}
	infer := func(dir string) (embed.Config, []float32) {
		enc, err := embed.NewEncoder(envConfig(t, dir))
		require.NoError(t, err)
		m, err := enc.Load(context.Background(), cpu)
		require.NoError(t, err)
		defer m.Close()
		out, err := m.Infer(context.Background(), ids)
		require.NoError(t, err)
		return enc.Config(), out[0]
	}
	// The reference: the same model told cls pooling outright.
	ref, err := embed.NewEncoder(func() embed.Config { c := envConfig(t, onnxtest.Tiny(t)); c.Pooling = embed.PoolCLS; return c }())
	require.NoError(t, err)
	rm, err := ref.Load(context.Background(), cpu)
	require.NoError(t, err)
	defer rm.Close()
	want, err := rm.Infer(context.Background(), ids)
	require.NoError(t, err)

	// Pooling in a folder of another name, with Normalize: cls, unit.
	cfg, got := infer(stFolder(t, map[string]string{
		"modules.json":            "[" + modTransformer + "," + poolingModule("pool") + "," + modNormalize + "]",
		"pool/config.json":        poolingConfig("cls"),
		"1_Pooling/config.json":   poolingConfig("max"), // not listed: ignored
		"2_Normalize/placeholder": "",
	}))
	require.Equal(t, embed.PoolCLS, cfg.Pooling)
	require.Equal(t, embed.NormalizeOn, cfg.Normalize)
	assertClose(t, "cls via modules.json", got, want[0], 1e-6)

	// Without Normalize: the same direction, not unit length.
	cfg, raw := infer(stFolder(t, map[string]string{
		"modules.json":          "[" + modTransformer + "," + poolingModule("1_Pooling") + "]",
		"1_Pooling/config.json": poolingConfig("cls"),
	}))
	require.Equal(t, embed.NormalizeOff, cfg.Normalize)
	n := norm(raw)
	require.Greater(t, math.Abs(n-1), 1e-3, "|v| = %v: want the raw pooled vector", n)
	for k := range raw {
		require.InDelta(t, want[0][k], float64(raw[k])/n, 1e-5)
	}

	// No modules.json: 1_Pooling/config.json, normalised (the old rule).
	cfg, got = infer(stFolder(t, map[string]string{"1_Pooling/config.json": poolingConfig("max")}))
	require.Equal(t, embed.PoolMax, cfg.Pooling)
	require.Equal(t, embed.NormalizeOn, cfg.Normalize)
	require.InDelta(t, 1, norm(got), 1e-5)
}

// A folder asking for what masx does not run is refused by name.
func TestModulesJSONRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"dense layer": {map[string]string{"modules.json": "[" + modTransformer + "," + poolingModule("1_Pooling") +
			`, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]`}, "Dense module (2_Dense)"},
		"escaping path": {map[string]string{"modules.json": "[" + poolingModule("../../etc") + "]"}, "leaves the model folder"},
		"lasttoken":     {map[string]string{"1_Pooling/config.json": `{"pooling_mode_lasttoken": true}`}, "lasttoken pooling"},
		"two modes":     {map[string]string{"1_Pooling/config.json": `{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}`}, "cls + mean"},
		"bad json":      {map[string]string{"modules.json": "[{"}, "modules.json"},
		"unknown prompt": {map[string]string{"config_sentence_transformers.json": `{"prompts": {"query": "query: "}, "default_prompt_name": "document"}`},
			`prompt "document" is not in`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := embed.NewEncoder(embed.Config{Dir: stFolder(t, tc.files)})
			require.ErrorIs(t, err, onnx.ErrInvalidModel)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := embed.NewEncoder(embed.Config{Dir: onnxtest.Tiny(t), Normalize: "sometimes"})
	require.ErrorContains(t, err, "Config.Normalize")
}

// e5's prompts: the prefix goes before every text, from the folder's
// default prompt, a named prompt or the Config.
func TestPromptPrefix(t *testing.T) {
	dir := stFolder(t, map[string]string{"config_sentence_transformers.json": `{"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"}`})
	plain, err := embed.NewEncoder(embed.Config{Dir: onnxtest.Tiny(t)})
	require.NoError(t, err)
	for _, tc := range []struct {
		cfg    embed.Config
		prefix string
	}{
		{embed.Config{Dir: dir}, "query: "},
		{embed.Config{Dir: dir, PromptName: "passage"}, "passage: "},
		{embed.Config{Dir: dir, Prefix: "topic: "}, "topic: "},
		{embed.Config{Dir: onnxtest.Tiny(t)}, ""},
	} {
		enc, err := embed.NewEncoder(tc.cfg)
		require.NoError(t, err)
		require.Equal(t, tc.prefix, enc.Config().Prefix)
		require.Equal(t, plain.Tokenize(tc.prefix+"Troops crossed the border").IDs, enc.Tokenize("Troops crossed the border").IDs)
	}
	_, err = embed.NewEncoder(embed.Config{Dir: dir, PromptName: "document"})
	require.ErrorContains(t, err, `"passage", "query"`)
}
