package hub

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeModel writes a model folder with the given files (relative path →
// content).
func writeModel(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestValidateRepoID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"sentence-transformers/all-MiniLM-L6-v2", "facebook/nllb-200-distilled-600M",
		"Helsinki-NLP/opus-mt-de-en", "a/b", "org_1/model.v2"} {
		if err := ValidateRepoID(id); err != nil {
			t.Errorf("ValidateRepoID(%q) = %v; want ok", id, err)
		}
	}
	for _, id := range []string{"", "gpt2", "/", "a/", "/b", "a/b/c", "../b", "a/..", "a/.b", "a/b..c", ".a/b",
		"a/b ", "a /b", `a\b/c`, "a/b\x00", "ä/b", "a/b:c", "C:/x"} {
		err := ValidateRepoID(id)
		if !errors.Is(err, ErrInvalidRepoID) || !strings.Contains(err.Error(), "<org>/<name>") && !strings.Contains(err.Error(), "letters") {
			t.Errorf("ValidateRepoID(%q) = %v; want ErrInvalidRepoID explaining the rule", id, err)
		}
	}
	if d, err := Dir("/models", "acme/x"); err != nil || d != filepath.Join("/models", "acme", "x") {
		t.Errorf("Dir = %q, %v", d, err)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeModel(t, dir, map[string]string{FileModel: "onnx", FileConfig: `{"max_position_embeddings":512}`})
	_, err := Open(dir)
	wantPath := filepath.Join(dir, "tokenizer.json")
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), wantPath) {
		t.Errorf("Open without tokenizer.json = %v; want ErrIncomplete naming %s", err, wantPath)
	}
	writeModel(t, dir, map[string]string{FileTokenizer: "{}", FileTokenizerConfig: `{"model_max_length":128}`})
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.HasFP16() || m.ConfigPath == "" || m.TokenizerConfigPath == "" || m.MaxLength != 128 || m.Pooling != "" {
		t.Errorf("Open = %+v; want no fp16, both configs, MaxLength min(128, 512), no pooling", m)
	}
	if _, err := Open(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v; want not-exist", err)
	}
	if _, err := Open(filepath.Join(dir, FileConfig)); err == nil {
		t.Error("Open(a file) accepted")
	}
}

func TestListAndResolve(t *testing.T) {
	t.Parallel()
	models := t.TempDir()
	full := map[string]string{FileModel: "onnx", FileModelFP16: "fp16", FileTokenizer: "{}"}
	writeModel(t, filepath.Join(models, "acme", "good"), full)
	writeModel(t, filepath.Join(models, "acme", "half"), map[string]string{FileTokenizer: "{}", FileModel + partSuffix: "12"})
	writeModel(t, filepath.Join(models, ".tmp", "junk"), full) // hidden: skipped
	writeModel(t, filepath.Join(models, "stray-file"), nil)
	if err := os.WriteFile(filepath.Join(models, "acme", "not-a-dir"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	list, err := List(models)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].RepoID != "acme/good" || list[1].RepoID != "acme/half" {
		t.Fatalf("List = %+v; want acme/good and acme/half", list)
	}
	if g := list[0]; !g.HasFP16 || g.Error != "" || g.Partial || g.Size != int64(len("onnx")+len("fp16")+len("{}")) {
		t.Errorf("acme/good = %+v", g)
	}
	if h := list[1]; !h.Partial || !strings.Contains(h.Error, "model.onnx") || h.HasFP16 {
		t.Errorf("acme/half = %+v; want partial with an error naming model.onnx", h)
	}
	if l, err := List(filepath.Join(models, "none")); err != nil || l != nil {
		t.Errorf("List(missing dir) = %v, %v; want empty", l, err)
	}

	if m, err := Resolve(models, "acme/good"); err != nil || m.RepoID != "acme/good" || !m.HasFP16() {
		t.Errorf("Resolve(installed id) = %+v, %v", m, err)
	}
	if _, err := Resolve(models, "acme/absent"); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "masx models pull acme/absent") {
		t.Errorf("Resolve(absent id) = %v; want ErrNotInstalled with the pull hint", err)
	}
	if _, err := Resolve(models, "acme/half"); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Resolve(incomplete) = %v; want ErrIncomplete", err)
	}
	if m, err := Resolve(models, filepath.Join(models, "acme", "good")); err != nil || m.ModelPath == "" {
		t.Errorf("Resolve(absolute folder) = %+v, %v", m, err)
	}
	if _, err := Resolve(models, "./definitely/not/here"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Resolve(explicit missing path) = %v; want not-exist", err)
	}
	if _, err := Resolve(models, "../../etc"); err == nil {
		t.Error("Resolve(../../etc) accepted")
	}
	if _, err := Resolve(models, "no slash here"); !errors.Is(err, ErrInvalidRepoID) {
		t.Errorf("Resolve(garbage) = %v; want ErrInvalidRepoID", err)
	}
	if _, err := Resolve(models, ""); !errors.Is(err, ErrInvalidRepoID) {
		t.Errorf("Resolve(\"\") = %v; want ErrInvalidRepoID", err)
	}
}
