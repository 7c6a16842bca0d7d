// Package tokenizebench measures model/tokenizer on every tokenizer family
// masx reads: texts/s and MB/s on one core, encoding 256-text batches of
// mixed news paragraphs (the tokenizer corpus's paragraphs in 34 languages,
// shuffled so each batch mixes them). `masx bench tokenize` prints the
// result; scripts/bench-tokenize-reference.sh times the Rust library on the
// same texts and files and prints the ratios.
//
// A family whose tokenizer.json is not there (the large npm files live in
// the cache that scripts/setup.sh fills) is reported as skipped, not
// measured. New families register in Families, one line each.
package tokenizebench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masx-ai/masx/internal/bench/procstat"
	"github.com/masx-ai/masx/model/tokenizer"
)

// Family is one tokenizer to measure.
type Family struct {
	// Name identifies the family in reports ("wordpiece-minilm").
	Name string
	// File is the tokenizer.json: "repo:" paths are relative to the
	// repository root, "cache:" paths to masx's cache folder.
	File string
}

// Families is the table of measured tokenizers, and the only place a new
// family is added. The reference script reads the same table from
// `masx bench tokenize --list`.
func Families() []Family {
	const td = "repo:model/tokenizer/testdata/"
	const npm = "cache:npm/tok/node_modules/@lenml/"
	return []Family{
		{Name: "wordpiece-minilm", File: td + "minilm_tokenizer.json"},
		{Name: "wordpiece-roberta-mpnet", File: td + "mpnet_shape_tokenizer.json"},
		{Name: "bpe-bytelevel-llama3", File: npm + "tokenizer-llama3/models/tokenizer.json"},
		{Name: "bpe-bytelevel-qwen3", File: npm + "tokenizer-qwen3/models/tokenizer.json"},
		{Name: "bpe-roberta-bart", File: "cache:npm/tok/derived/bart-llama3.tokenizer.json"},
		{Name: "bpe-spm-gemma3", File: npm + "tokenizer-gemma3/models/tokenizer.json"},
		{Name: "bpe-spm-nllb", File: td + "nllb_tokenizer.json"},
		{Name: "unigram-xlmr", File: td + "xlmr_tokenizer.json"},
		{Name: "unigram-marian", File: td + "marian_tokenizer.json"},
	}
}

// Defaults of Config.
const (
	// BatchSizeDefault is the texts per EncodeBatch call.
	BatchSizeDefault = 256
	// DurationDefault is how long each family is measured.
	DurationDefault = 2 * time.Second
	// MinRunesDefault is the length from which a corpus text counts as a
	// news paragraph.
	MinRunesDefault = 200
)

// Config configures a run. Zero fields take the defaults.
type Config struct {
	// RepoRoot is the repository root ("repo:" files and the corpus).
	RepoRoot string
	// CacheDir is masx's cache folder ("cache:" files).
	CacheDir string
	// Families to measure; empty means Families().
	Families []Family
	// Only, when set, keeps the families whose name contains it.
	Only      string
	BatchSize int
	Duration  time.Duration
	MinRunes  int
}

// Result is one family's measurement.
type Result struct {
	Family      string  `json:"family"`
	File        string  `json:"file"`
	Skipped     string  `json:"skipped,omitempty"`
	Texts       int     `json:"texts"`
	Bytes       int64   `json:"bytes"`
	Tokens      int64   `json:"tokens"`
	Seconds     float64 `json:"seconds"`
	TextsPerSec float64 `json:"texts_per_sec"`
	MBPerSec    float64 `json:"mb_per_sec"`
	TokensPerS  float64 `json:"tokens_per_sec"`
	AllocsText  float64 `json:"allocs_per_text"`
	LoadSeconds float64 `json:"load_seconds"`
	// CPUSeconds is the process CPU time of the measurement (all threads,
	// GC included); the per-CPU-second rates stay comparable on a busy
	// machine, where wall-clock rates do not.
	CPUSeconds     float64 `json:"cpu_seconds"`
	TextsPerCPUSec float64 `json:"texts_per_cpu_sec"`
	MBPerCPUSec    float64 `json:"mb_per_cpu_sec"`
}

// Report is a whole run.
type Report struct {
	Corpus     string   `json:"corpus"`
	Paragraphs int      `json:"paragraphs"`
	BatchSize  int      `json:"batch_size"`
	GoMaxProcs int      `json:"gomaxprocs"`
	LoadAvg    float64  `json:"load_avg"`
	Results    []Result `json:"results"`
}

// CorpusPath is the corpus inside the repository.
const CorpusPath = "model/tokenizer/testdata/corpus.jsonl"

// Paragraphs reads the news paragraphs of the corpus in its order: the
// texts that are not hostile cases and have at least minRunes characters.
func Paragraphs(path string, minRunes int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize bench corpus: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []string
	for line := 1; sc.Scan(); line++ {
		var r struct {
			Lang string `json:"lang"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("tokenize bench corpus %s line %d: %w", path, line, err)
		}
		if r.Lang != "hostile" && utf8.RuneCountInString(r.Text) >= minRunes {
			out = append(out, r.Text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenize bench corpus %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tokenize bench corpus %s: no paragraphs of %d characters", path, minRunes)
	}
	return out, nil
}

// Batches shuffles texts with a fixed seed (so every run, and the
// reference script, sees the same mix) and cuts them into batches of size,
// the last one wrapping around to the start.
func Batches(texts []string, size int) [][]string {
	mixed := append([]string(nil), texts...)
	r := rand.New(rand.NewPCG(16, 16))
	r.Shuffle(len(mixed), func(i, j int) { mixed[i], mixed[j] = mixed[j], mixed[i] })
	var out [][]string
	for i := 0; i < len(mixed); i += size {
		b := make([]string, 0, size)
		for j := i; len(b) < size; j++ {
			b = append(b, mixed[j%len(mixed)])
		}
		out = append(out, b)
	}
	return out
}

// Resolve turns a family's File into a path.
func (c Config) Resolve(file string) string {
	if rel, ok := strings.CutPrefix(file, "repo:"); ok {
		return filepath.Join(c.RepoRoot, rel)
	}
	if rel, ok := strings.CutPrefix(file, "cache:"); ok {
		return filepath.Join(c.CacheDir, rel)
	}
	return file
}

func (c Config) withDefaults() Config {
	if c.Families == nil {
		c.Families = Families()
	}
	if c.BatchSize <= 0 {
		c.BatchSize = BatchSizeDefault
	}
	if c.Duration <= 0 {
		c.Duration = DurationDefault
	}
	if c.MinRunes <= 0 {
		c.MinRunes = MinRunesDefault
	}
	if c.RepoRoot == "" {
		c.RepoRoot = "."
	}
	return c
}

// Run measures each family in turn on one core (GOMAXPROCS 1 while it
// runs, as the reference runs with one Rayon thread).
func Run(ctx context.Context, c Config) (Report, error) {
	c = c.withDefaults()
	corpus := filepath.Join(c.RepoRoot, CorpusPath)
	texts, err := Paragraphs(corpus, c.MinRunes)
	if err != nil {
		return Report{}, err
	}
	batches := Batches(texts, c.BatchSize)
	rep := Report{Corpus: corpus, Paragraphs: len(texts), BatchSize: c.BatchSize, GoMaxProcs: 1, LoadAvg: procstat.LoadAvg()}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	for _, fam := range c.Families {
		if c.Only != "" && !strings.Contains(fam.Name, c.Only) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		r, err := measure(ctx, c, fam, batches)
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// measure loads one family and encodes batches until the duration is
// spent (whole batches, at least one pass over all of them).
func measure(ctx context.Context, c Config, fam Family, batches [][]string) (Result, error) {
	path := c.Resolve(fam.File)
	r := Result{Family: fam.Name, File: path}
	start := time.Now()
	tok, err := tokenizer.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		r.Skipped = "tokenizer.json not found (run scripts/setup.sh)"
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("tokenize bench %s: %w", fam.Name, err)
	}
	r.LoadSeconds = time.Since(start).Seconds()
	tok = tok.WithTruncation(0).WithoutPadding()
	// Warm the pools and caches, and leave the load's garbage behind.
	tok.EncodeBatch(batches[0], true)
	runtime.GC()
	debug.FreeOSMemory()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := procstat.CPU()
	start = time.Now()
	for pass := 0; ; pass++ {
		for _, b := range batches {
			for _, e := range tok.EncodeBatch(b, true) {
				r.Tokens += int64(e.Len())
			}
			for _, s := range b {
				r.Bytes += int64(len(s))
			}
			r.Texts += len(b)
		}
		if time.Since(start) >= c.Duration || ctx.Err() != nil {
			break
		}
	}
	r.Seconds = time.Since(start).Seconds()
	r.CPUSeconds = (procstat.CPU() - cpu0).Seconds()
	runtime.ReadMemStats(&m1)
	if r.CPUSeconds > 0 {
		r.TextsPerCPUSec = float64(r.Texts) / r.CPUSeconds
		r.MBPerCPUSec = float64(r.Bytes) / 1e6 / r.CPUSeconds
	}
	r.TextsPerSec = float64(r.Texts) / r.Seconds
	r.MBPerSec = float64(r.Bytes) / 1e6 / r.Seconds
	r.TokensPerS = float64(r.Tokens) / r.Seconds
	r.AllocsText = float64(m1.Mallocs-m0.Mallocs) / float64(r.Texts)
	return r, nil
}
