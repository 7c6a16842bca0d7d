package hub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeModel writes a model folder with the given files (relative path →
// content).
func writeModel(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func TestValidateRepoID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"sentence-transformers/all-MiniLM-L6-v2", "facebook/nllb-200-distilled-600M",
		"Helsinki-NLP/opus-mt-de-en", "a/b", "org_1/model.v2"} {
		require.NoError(t, ValidateRepoID(id), "ValidateRepoID(%q)", id)
	}
	for _, id := range []string{"", "gpt2", "/", "a/", "/b", "a/b/c", "../b", "a/..", "a/.b", "a/b..c", ".a/b",
		"a/b ", "a /b", `a\b/c`, "a/b\x00", "ä/b", "a/b:c", "C:/x"} {
		err := ValidateRepoID(id)
		require.ErrorIs(t, err, ErrInvalidRepoID, "ValidateRepoID(%q)", id)
		require.True(t, strings.Contains(err.Error(), "<org>/<name>") || strings.Contains(err.Error(), "letters"),
			"ValidateRepoID(%q) = %v; want an error explaining the rule", id, err)
	}
	d, err := Dir("/models", "acme/x")
	require.NoError(t, err, "Dir")
	require.Equal(t, filepath.Join("/models", "acme", "x"), d, "Dir")
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeModel(t, dir, map[string]string{FileModel: "onnx", FileConfig: `{"max_position_embeddings":512}`})
	_, err := Open(dir)
	wantPath := filepath.Join(dir, "tokenizer.json")
	require.ErrorIs(t, err, ErrIncomplete, "Open without tokenizer.json")
	require.ErrorContains(t, err, wantPath, "Open without tokenizer.json names it")
	writeModel(t, dir, map[string]string{FileTokenizer: "{}", FileTokenizerConfig: `{"model_max_length":128}`})
	m, err := Open(dir)
	require.NoError(t, err)
	require.False(t, m.HasFP16(), "Open = %+v; want no fp16", m)
	require.NotEmpty(t, m.ConfigPath, "Open = %+v; want both configs", m)
	require.NotEmpty(t, m.TokenizerConfigPath, "Open = %+v; want both configs", m)
	require.Equal(t, 128, m.MaxLength, "MaxLength: want min(128, 512)")
	require.Empty(t, m.Pooling, "Open: want no pooling")
	_, err = Open(filepath.Join(dir, "nope"))
	require.ErrorIs(t, err, os.ErrNotExist, "Open(missing)")
	_, err = Open(filepath.Join(dir, FileConfig))
	require.Error(t, err, "Open(a file) accepted")
}

func TestListAndResolve(t *testing.T) {
	t.Parallel()
	models := t.TempDir()
	full := map[string]string{FileModel: "onnx", FileModelFP16: "fp16", FileTokenizer: "{}"}
	writeModel(t, filepath.Join(models, "acme", "good"), full)
	writeModel(t, filepath.Join(models, "acme", "half"), map[string]string{FileTokenizer: "{}", FileModel + partSuffix: "12"})
	writeModel(t, filepath.Join(models, ".tmp", "junk"), full) // hidden: skipped
	writeModel(t, filepath.Join(models, "stray-file"), nil)
	require.NoError(t, os.WriteFile(filepath.Join(models, "acme", "not-a-dir"), nil, 0o644))

	list, err := List(models)
	require.NoError(t, err)
	require.Len(t, list, 2, "List = %+v; want acme/good and acme/half", list)
	require.Equal(t, "acme/good", list[0].RepoID, "List[0]")
	require.Equal(t, "acme/half", list[1].RepoID, "List[1]")
	g := list[0]
	require.True(t, g.HasFP16, "acme/good = %+v", g)
	require.Empty(t, g.Error, "acme/good = %+v", g)
	require.False(t, g.Partial, "acme/good = %+v", g)
	require.Equal(t, int64(len("onnx")+len("fp16")+len("{}")), g.Size, "acme/good size")
	h := list[1]
	require.True(t, h.Partial, "acme/half = %+v; want partial", h)
	require.Contains(t, h.Error, "model.onnx", "acme/half: want an error naming model.onnx")
	require.False(t, h.HasFP16, "acme/half = %+v", h)
	l, err := List(filepath.Join(models, "none"))
	require.NoError(t, err, "List(missing dir)")
	require.Nil(t, l, "List(missing dir): want empty")

	m, err := Resolve(models, "acme/good")
	require.NoError(t, err, "Resolve(installed id)")
	require.Equal(t, "acme/good", m.RepoID, "Resolve(installed id)")
	require.True(t, m.HasFP16(), "Resolve(installed id) = %+v", m)
	_, err = Resolve(models, "acme/absent")
	require.ErrorIs(t, err, ErrNotInstalled, "Resolve(absent id)")
	require.ErrorContains(t, err, "masx models pull acme/absent", "Resolve(absent id): want the pull hint")
	_, err = Resolve(models, "acme/half")
	require.ErrorIs(t, err, ErrIncomplete, "Resolve(incomplete)")
	m, err = Resolve(models, filepath.Join(models, "acme", "good"))
	require.NoError(t, err, "Resolve(absolute folder)")
	require.NotEmpty(t, m.ModelPath, "Resolve(absolute folder) = %+v", m)
	_, err = Resolve(models, "./definitely/not/here")
	require.ErrorIs(t, err, os.ErrNotExist, "Resolve(explicit missing path)")
	_, err = Resolve(models, "../../etc")
	require.Error(t, err, "Resolve(../../etc) accepted")
	_, err = Resolve(models, "no slash here")
	require.ErrorIs(t, err, ErrInvalidRepoID, "Resolve(garbage)")
	_, err = Resolve(models, "")
	require.ErrorIs(t, err, ErrInvalidRepoID, `Resolve("")`)
}
