package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

var (
	// ErrInvalidRepoID marks a repository id that is not "<org>/<name>" of
	// safe characters. Nothing is requested or written for it.
	ErrInvalidRepoID = errors.New("invalid repository id")
	// ErrIncomplete marks a model folder that lacks a required file.
	ErrIncomplete = errors.New("incomplete model folder")
	// ErrNotInstalled marks a repository id with no folder under the
	// models directory.
	ErrNotInstalled = errors.New("model not installed")
)

// Paths of the files of a model folder, relative to it: the layout of
// Hugging Face ONNX exports (optimum, sentence-transformers' onnx/).
const (
	FileModel           = "onnx/model.onnx"
	FileModelFP16       = "onnx/model_fp16.onnx"
	FileTokenizer       = "tokenizer.json"
	FileConfig          = "config.json"
	FileTokenizerConfig = "tokenizer_config.json"
	// FileSentenceConfig and FilePoolingConfig are sentence-transformers'
	// settings: max_seq_length, and the pooling the model was trained with.
	FileSentenceConfig = "sentence_bert_config.json"
	FilePoolingConfig  = "1_Pooling/config.json"

	// pullRecord is what Pull writes last: where the files came from.
	pullRecord = ".masx-pull.json"
	partSuffix = ".part"
)

// File is one file of the layout.
type File struct {
	Path     string // relative, slash-separated
	Required bool
}

// Layout lists the files masx pulls and opens, required ones first.
func Layout() []File {
	return []File{
		{FileModel, true},
		{FileTokenizer, true},
		{FileModelFP16, false},
		{FileConfig, false},
		{FileTokenizerConfig, false},
		{FileSentenceConfig, false},
		{FilePoolingConfig, false},
	}
}

// repoPart is one side of "<org>/<name>": what the Hub accepts, minus
// anything that could mean something to a file system.
var repoPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)

// ValidateRepoID checks that id is "<org>/<name>" where each part starts
// with a letter or digit and holds only letters, digits, '.', '_' and '-',
// without "..", at most 96 characters. This keeps hostile ids (absolute
// paths, "../..", backslashes, NUL bytes, URL syntax) away from both the file
// system and the URL.
func ValidateRepoID(id string) error {
	org, name, ok := strings.Cut(id, "/")
	if !ok || strings.Contains(name, "/") {
		return fmt.Errorf("%w %q: want <org>/<name>, e.g. sentence-transformers/all-MiniLM-L6-v2", ErrInvalidRepoID, id)
	}
	for _, p := range []string{org, name} {
		if !repoPart.MatchString(p) || strings.Contains(p, "..") {
			return fmt.Errorf("%w %q: %q must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (no \"..\", at most 96)",
				ErrInvalidRepoID, id, p)
		}
	}
	return nil
}

// Dir is where repoID is stored under modelsDir: <modelsDir>/<org>/<name>.
func Dir(modelsDir, repoID string) (string, error) {
	if err := ValidateRepoID(repoID); err != nil {
		return "", err
	}
	if modelsDir == "" {
		return "", errors.New("models directory is empty")
	}
	org, name, _ := strings.Cut(repoID, "/")
	return filepath.Join(modelsDir, org, name), nil
}

// Model is an opened model folder. Paths are absolute; optional files that
// are absent have empty paths.
type Model struct {
	Dir    string
	RepoID string // "<org>/<name>" when the folder is under a models directory or was pulled

	ModelPath           string
	FP16Path            string
	TokenizerPath       string
	ConfigPath          string
	TokenizerConfigPath string

	// MaxLength is the longest input the model is meant for, in tokens:
	// sentence-transformers' max_seq_length when present, else the smaller
	// of tokenizer_config's model_max_length and config's
	// max_position_embeddings; 0 when none is known.
	MaxLength int
	// Pooling is the sentence-transformers pooling ("mean", "cls", "max",
	// "lasttoken"); empty when the folder does not say.
	Pooling string
}

// HasFP16 reports whether an fp16 variant is present.
func (m *Model) HasFP16() bool { return m.FP16Path != "" }

// Open checks a model folder: onnx/model.onnx and tokenizer.json must exist;
// the other files of Layout are used when present. Errors name the path.
func Open(dir string) (*Model, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("opening model %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("opening model %s: %w", abs, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("opening model %s: not a directory", abs)
	}
	m := &Model{Dir: abs}
	if rec, err := readPullRecord(abs); err == nil {
		m.RepoID = rec.RepoID
	}
	present := func(rel string) (string, error) {
		p := filepath.Join(abs, filepath.FromSlash(rel))
		st, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		if !st.Mode().IsRegular() {
			return "", fmt.Errorf("%s is not a regular file", p)
		}
		return p, nil
	}
	for _, f := range Layout() {
		p, err := present(f.Path)
		if err != nil {
			if f.Required {
				return nil, fmt.Errorf("opening model %s: %w: %s is missing (pull it with 'masx models pull <org>/<name>' or export the model to ONNX)",
					abs, ErrIncomplete, filepath.Join(abs, filepath.FromSlash(f.Path)))
			}
			continue
		}
		switch f.Path {
		case FileModel:
			m.ModelPath = p
		case FileModelFP16:
			m.FP16Path = p
		case FileTokenizer:
			m.TokenizerPath = p
		case FileConfig:
			m.ConfigPath = p
		case FileTokenizerConfig:
			m.TokenizerConfigPath = p
		}
	}
	m.MaxLength = maxLength(abs)
	m.Pooling = pooling(abs)
	return m, nil
}

// readJSON decodes a small JSON file; errors are ignored by callers that
// only want optional facts.
func readJSON(path string, v any) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() > maxJSONFile {
		return fmt.Errorf("%s: larger than %d bytes", path, maxJSONFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// maxJSONFile bounds the small JSON files of a model folder read here.
const maxJSONFile = 4 << 20

// saneLength turns a JSON number into a length, dropping the huge
// placeholders transformers writes for "no limit" (1e30).
func saneLength(v *float64) int {
	if v == nil || *v <= 0 || *v > 1<<20 || math.IsNaN(*v) {
		return 0
	}
	return int(*v)
}

func maxLength(dir string) int {
	var st struct {
		MaxSeqLength *float64 `json:"max_seq_length"`
	}
	if readJSON(filepath.Join(dir, FileSentenceConfig), &st) == nil {
		if n := saneLength(st.MaxSeqLength); n > 0 {
			return n
		}
	}
	var tc struct {
		ModelMaxLength *float64 `json:"model_max_length"`
	}
	var cfg struct {
		MaxPositions *float64 `json:"max_position_embeddings"`
	}
	_ = readJSON(filepath.Join(dir, FileTokenizerConfig), &tc)
	_ = readJSON(filepath.Join(dir, FileConfig), &cfg)
	a, b := saneLength(tc.ModelMaxLength), saneLength(cfg.MaxPositions)
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

func pooling(dir string) string {
	var pc struct {
		Mean      bool `json:"pooling_mode_mean_tokens"`
		CLS       bool `json:"pooling_mode_cls_token"`
		Max       bool `json:"pooling_mode_max_tokens"`
		LastToken bool `json:"pooling_mode_lasttoken"`
	}
	if readJSON(filepath.Join(dir, filepath.FromSlash(FilePoolingConfig)), &pc) != nil {
		return ""
	}
	switch {
	case pc.Mean:
		return "mean"
	case pc.CLS:
		return "cls"
	case pc.Max:
		return "max"
	case pc.LastToken:
		return "lasttoken"
	}
	return ""
}

// Installed describes a model folder under a models directory.
type Installed struct {
	RepoID   string   `json:"repo_id"`
	Path     string   `json:"path"`
	HasFP16  bool     `json:"has_fp16"`
	Files    []string `json:"files"`              // layout files present
	Size     int64    `json:"size"`               // bytes of every file in the folder
	Revision string   `json:"revision,omitempty"` // as pulled
	Commit   string   `json:"commit,omitempty"`   // as pulled
	Partial  bool     `json:"partial,omitempty"`  // an interrupted download left .part files
	Error    string   `json:"error,omitempty"`    // why Open refuses it, if it does
}

// List returns the models under modelsDir (<modelsDir>/<org>/<name>),
// sorted by repository id. A missing modelsDir is an empty list. Folders
// Open refuses (a pull in progress or interrupted) are listed with Error.
func List(modelsDir string) ([]Installed, error) {
	orgs, err := os.ReadDir(modelsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing models in %s: %w", modelsDir, err)
	}
	var out []Installed
	for _, org := range orgs {
		if !org.IsDir() || strings.HasPrefix(org.Name(), ".") {
			continue
		}
		names, err := os.ReadDir(filepath.Join(modelsDir, org.Name()))
		if err != nil {
			return nil, fmt.Errorf("listing models in %s: %w", modelsDir, err)
		}
		for _, name := range names {
			id := org.Name() + "/" + name.Name()
			if !name.IsDir() || ValidateRepoID(id) != nil {
				continue
			}
			out = append(out, describe(filepath.Join(modelsDir, org.Name(), name.Name()), id))
		}
	}
	slices.SortFunc(out, func(a, b Installed) int { return strings.Compare(a.RepoID, b.RepoID) })
	return out, nil
}

func describe(dir, id string) Installed {
	in := Installed{RepoID: id, Path: dir, Files: []string{}}
	if abs, err := filepath.Abs(dir); err == nil {
		in.Path = abs
	}
	for _, f := range Layout() {
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path))); err == nil && st.Mode().IsRegular() {
			in.Files = append(in.Files, f.Path)
			if f.Path == FileModelFP16 {
				in.HasFP16 = true
			}
		}
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if strings.HasSuffix(p, partSuffix) {
			in.Partial = true
		}
		if info, err := d.Info(); err == nil {
			in.Size += info.Size()
		}
		return nil
	})
	if rec, err := readPullRecord(dir); err == nil {
		in.Revision, in.Commit = rec.Revision, rec.Commit
	}
	if _, err := Open(dir); err != nil {
		in.Error = err.Error()
	}
	return in
}

// Resolve finds a model by installed repository id or by folder:
//
//   - an explicit path (absolute, or starting with ./, ../ or ~/) is a folder;
//   - a repository id installed under modelsDir is that folder;
//   - an existing folder is that folder;
//   - a valid repository id that is not installed is ErrNotInstalled.
func Resolve(modelsDir, nameOrPath string) (*Model, error) {
	if nameOrPath == "" {
		return nil, fmt.Errorf("%w: empty model name (want <org>/<name> or a folder)", ErrInvalidRepoID)
	}
	if p, ok := explicitPath(nameOrPath); ok {
		return Open(p)
	}
	idErr := ValidateRepoID(nameOrPath)
	if idErr == nil && modelsDir != "" {
		dir, _ := Dir(modelsDir, nameOrPath)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			m, err := Open(dir)
			if err != nil {
				return nil, err
			}
			m.RepoID = nameOrPath
			return m, nil
		}
	}
	if st, err := os.Stat(nameOrPath); err == nil && st.IsDir() {
		return Open(nameOrPath)
	}
	if idErr == nil {
		return nil, fmt.Errorf("%w: %s is not in %s (run 'masx models pull %s')", ErrNotInstalled, nameOrPath, modelsDir, nameOrPath)
	}
	return nil, fmt.Errorf("resolving model %q: not an existing folder, and %w", nameOrPath, idErr)
}

func explicitPath(s string) (string, bool) {
	if filepath.IsAbs(s) || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || s == "." || s == ".." {
		return s, true
	}
	if strings.HasPrefix(s, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, s[2:]), true
		}
	}
	return "", false
}

// pullInfo is the record Pull leaves in the folder.
type pullInfo struct {
	RepoID   string `json:"repo_id"`
	Revision string `json:"revision"`
	Commit   string `json:"commit,omitempty"`
	Endpoint string `json:"endpoint"`
	PulledAt string `json:"pulled_at"`
}

func readPullRecord(dir string) (pullInfo, error) {
	var p pullInfo
	err := readJSON(filepath.Join(dir, pullRecord), &p)
	return p, err
}
