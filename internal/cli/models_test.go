package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/model/hub/hubtest"
)

func fakeModelRepo() map[string]map[string][]byte {
	return map[string]map[string][]byte{
		"acme/tiny": {
			"onnx/model.onnx":       bytes.Repeat([]byte("onnx"), 2048),
			"onnx/model_fp16.onnx":  bytes.Repeat([]byte("half"), 1024),
			"tokenizer.json":        []byte(`{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0}}}`),
			"config.json":           []byte(`{"max_position_embeddings":512}`),
			"tokenizer_config.json": []byte(`{"model_max_length":512}`),
		},
		"acme/not-onnx": {"pytorch_model.bin": []byte("weights")},
	}
}

func TestModelsPullAndList(t *testing.T) {
	srv := hubtest.New(fakeModelRepo())
	defer srv.Close()
	t.Setenv("HF_TOKEN", "hf_test")
	models := t.TempDir()
	flags := []string{"--hf-endpoint", srv.URL, "--models-dir", models}

	code, out, errOut := runCLI(t, append([]string{"models", "pull", "acme/tiny"}, flags...)...)
	if code != ExitOK {
		t.Fatalf("pull: exit %d: %s", code, errOut)
	}
	dir := filepath.Join(models, "acme", "tiny")
	if !strings.Contains(out, "acme/tiny@main") || !strings.Contains(out, dir) {
		t.Errorf("pull output %q; want the repo and its folder", out)
	}
	if !strings.Contains(errOut, "downloaded onnx/model.onnx") {
		t.Errorf("pull progress %q; want a line per file", errOut)
	}
	for _, f := range []string{"onnx/model.onnx", "onnx/model_fp16.onnx", "tokenizer.json", "config.json", "tokenizer_config.json"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("%s not pulled: %v", f, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Authorization != "Bearer hf_test" {
			t.Errorf("request %s sent Authorization %q; want HF_TOKEN", r.Path, r.Authorization)
		}
	}

	code, out, _ = runCLI(t, append([]string{"models", "pull", "acme/tiny", "--json"}, flags...)...)
	var res hub.PullResult
	if code != ExitOK || json.Unmarshal([]byte(out), &res) != nil || len(res.Files) != 5 || res.Files[0].Action != "present" {
		t.Errorf("second pull --json: exit %d, %s", code, out)
	}

	code, out, _ = runCLI(t, append([]string{"models", "list", "--json"}, flags...)...)
	var list []hub.Installed
	if code != ExitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].RepoID != "acme/tiny" || !list[0].HasFP16 || list[0].Commit != hubtest.Commit {
		t.Errorf("list --json: exit %d, %s", code, out)
	}
	code, out, _ = runCLI(t, append([]string{"models", "list"}, flags...)...)
	if code != ExitOK || !strings.Contains(out, "acme/tiny") || !strings.Contains(out, "yes") || !strings.Contains(out, "ok") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
}

func TestModelsErrors(t *testing.T) {
	t.Parallel()
	srv := hubtest.New(fakeModelRepo())
	defer srv.Close()
	models := t.TempDir()
	flags := []string{"--hf-endpoint", srv.URL, "--models-dir", models}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"404", []string{"models", "pull", "acme/absent"}, ExitUsage, "repository not found"},
		{"not an onnx export", []string{"models", "pull", "acme/not-onnx"}, ExitUsage, "onnx/model.onnx"},
		{"hostile id", []string{"models", "pull", "../../etc"}, ExitUsage, "<org>/<name>"},
		{"bad revision", []string{"models", "pull", "acme/tiny", "--revision", "../x"}, ExitUsage, "revision"},
		{"no id", []string{"models", "pull"}, ExitUsage, "one repository id"},
		{"no subcommand", []string{"models"}, ExitUsage, "pull or list"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, append(c.args, flags...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", c.name, code, errOut, c.code, c.want)
		}
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "etc") || strings.Contains(r.Path, "../") {
			t.Errorf("a hostile id reached the server: %s", r.Path)
		}
	}
	code, out, _ := runCLI(t, append([]string{"models", "list"}, flags...)...)
	if code != ExitOK || !strings.Contains(out, "no models") {
		t.Errorf("list of an empty dir: exit %d, %q", code, out)
	}
}
