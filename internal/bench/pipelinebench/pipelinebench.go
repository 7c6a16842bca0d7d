// Package pipelinebench is `masx bench pipeline`: the whole pipeline over a
// generated local news site (etl/demo's synthetic site), run as River jobs
// on a fresh SQLite database like any `masx run`, reporting articles per
// second, each stage's share of the time, CPU time and peak RSS. With a
// neural model it runs the site twice, TF-IDF first, and compares.
package pipelinebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/internal/bench/benchrun"
	"github.com/masx-ai/masx/internal/bench/procstat"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// pollInterval is how often a run's end is looked for; it bounds what the
// wait adds to the measured time.
const pollInterval = 20 * time.Millisecond

// Config says what to measure.
type Config struct {
	// Site is the generated site (articles, flashpoints, latency).
	Site demo.SyntheticOptions
	// Method is how pages are got; empty means auto.
	Method crawl.Method
	// Workers is how many flashpoint jobs run at once, as
	// MASX_FLASHPOINT_CONCURRENCY sets for `masx run`. Required: ≥ 1.
	Workers int
	// DataDir holds the databases, one fresh file per run. Empty means a
	// temporary folder, removed at the end.
	DataDir string
	// Open builds the ETL machinery of each run. Required.
	Open benchrun.Open
	// Warnf reports what makes a figure less exact; nil means silence.
	Warnf func(format string, args ...any)
}

// Report is one run; its JSON is `masx bench pipeline --json`.
type Report struct {
	Articles       int                `json:"articles"`
	Flashpoints    int                `json:"flashpoints"`
	Method         string             `json:"method"`
	Vectors        string             `json:"vectors"`
	Seconds        float64            `json:"seconds"`
	CPUSeconds     float64            `json:"cpu_seconds"`
	ArticlesPerSec float64            `json:"articles_per_sec"`
	ByStatus       map[string]int     `json:"articles_by_status"`
	Clusters       int                `json:"clusters"`
	StageShare     map[string]float64 `json:"stage_share"`
	PeakRSSMB      float64            `json:"peak_rss_mb"`
	CPUs           int                `json:"cpus"`
}

// Pair is `masx bench pipeline --embed-model DIR --json`: the TF-IDF
// default and the neural model over the same site, one after the other in
// this process.
type Pair struct {
	TFIDF  Report `json:"tfidf"`
	Neural Report `json:"neural"`
	// NeuralVsTFIDF is the neural run's articles/s over the TF-IDF run's.
	NeuralVsTFIDF float64 `json:"neural_vs_tfidf"`
	// EmbedCPUMsPerArticle is what neural vectors cost each kept article
	// in process CPU time, over the TF-IDF run: (CPU_neural − CPU_tfidf) /
	// ok articles.
	EmbedCPUMsPerArticle float64 `json:"embed_cpu_ms_per_article"`
}

// Run measures the site once with the configured vectors.
func Run(ctx context.Context, cfg Config) (Report, error) {
	return run(ctx, cfg, benchrun.EnvOptions{})
}

// Compare measures the site with TF-IDF vectors, then with the neural
// model (a folder or an installed repo id). The peak RSS is reset in
// between, so each run's peak is its own.
func Compare(ctx context.Context, cfg Config, model string) (Pair, error) {
	var pair Pair
	for i, o := range []benchrun.EnvOptions{{TFIDF: true}, {EmbedModel: model}} {
		// The first run's heap goes back to the OS and the kernel's
		// high-water mark starts again.
		debug.FreeOSMemory()
		if !procstat.ResetPeakRSS() && cfg.Warnf != nil {
			cfg.Warnf("bench pipeline: cannot reset the peak RSS; the neural run's peak includes the TF-IDF run's")
		}
		r, err := run(ctx, cfg, o)
		if err != nil {
			return pair, err
		}
		if i == 0 {
			pair.TFIDF = r
		} else {
			pair.Neural = r
		}
	}
	if pair.TFIDF.ArticlesPerSec > 0 {
		pair.NeuralVsTFIDF = pair.Neural.ArticlesPerSec / pair.TFIDF.ArticlesPerSec
	}
	if ok := pair.Neural.ByStatus[string(news.StatusOK)]; ok > 0 {
		pair.EmbedCPUMsPerArticle = 1000 * (pair.Neural.CPUSeconds - pair.TFIDF.CPUSeconds) / float64(ok)
	}
	return pair, nil
}

// run serves a generated site and runs it through jobs with the vectors o
// asks for, on a fresh SQLite database.
func run(ctx context.Context, cfg Config, o benchrun.EnvOptions) (Report, error) {
	switch {
	case cfg.Open == nil:
		return Report{}, errors.New("pipelinebench: Config.Open is nil")
	case cfg.Workers < 1:
		return Report{}, fmt.Errorf("pipelinebench: Config.Workers = %d: want ≥ 1", cfg.Workers)
	}
	site, err := demo.Synthetic(cfg.Site)
	if err != nil {
		return Report{}, err
	}
	srv, err := demo.Serve(ctx, site)
	if err != nil {
		return Report{}, err
	}
	defer srv.Close()
	dataDir := cfg.DataDir
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "masx-bench-"); err != nil {
			return Report{}, err
		}
		defer os.RemoveAll(dataDir)
	}
	o.DBURL = "sqlite://" + filepath.Join(dataDir, fmt.Sprintf("masx-%d.db", time.Now().UnixNano()))
	o.Method = cfg.Method
	o.Workers = cfg.Workers
	env, err := cfg.Open(ctx, o)
	if err != nil {
		return Report{}, err
	}
	defer env.Close()

	works := benchrun.Works(site.Flashpoints(srv.URL))
	cpu0 := procstat.CPU()
	res, err := benchrun.Run(ctx, env, works, "bench "+srv.URL, pollInterval)
	if err != nil {
		return Report{}, err
	}
	r := Report{Articles: site.Options().Articles, Flashpoints: len(works), Method: string(cfg.Method),
		Vectors: env.Vectors, Seconds: res.Elapsed.Seconds(), CPUSeconds: (procstat.CPU() - cpu0).Seconds(),
		PeakRSSMB: procstat.PeakRSSMB(), CPUs: env.CPUs}
	r.ArticlesPerSec = float64(r.Articles) / r.Seconds
	if err := r.readResults(ctx, env.Store, res.RunID); err != nil {
		return r, err
	}
	r.StageShare = map[string]float64{}
	var total float64
	st := env.Progress.Snapshot().StageTime
	for _, d := range st {
		total += d.Seconds()
	}
	for k, d := range st {
		if total > 0 {
			r.StageShare[k] = d.Seconds() / total
		}
	}
	return r, nil
}

// readResults fills in the articles by status and the clusters of run id.
func (r *Report) readResults(ctx context.Context, st store.Store, id string) error {
	counts, err := st.CountByStatus(ctx, id)
	if err != nil {
		return fmt.Errorf("reading run %s: %w", id, err)
	}
	r.ByStatus = map[string]int{}
	for s, c := range counts {
		r.ByStatus[string(s)] = c
	}
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: id})
	if err != nil {
		return fmt.Errorf("reading run %s: %w", id, err)
	}
	r.Clusters = len(cs)
	return nil
}

// WriteText prints the report: one summary line, then the stages by
// falling share.
func (r Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%d articles in %d flashpoints (%s, %s vectors): %.1fs, %.1f articles/s, %.1f CPU-s, %d clusters, peak RSS %.0f MB\n",
		r.Articles, r.Flashpoints, r.Method, r.Vectors, r.Seconds, r.ArticlesPerSec, r.CPUSeconds, r.Clusters, r.PeakRSSMB)
	keys := make([]string, 0, len(r.StageShare))
	for k := range r.StageShare {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return r.StageShare[keys[i]] > r.StageShare[keys[j]] })
	for _, k := range keys {
		if _, err := fmt.Fprintf(w, "  %-16s %5.1f%%\n", k, 100*r.StageShare[k]); err != nil {
			return err
		}
	}
	return nil
}

// WriteText prints both reports and the comparison.
func (p Pair) WriteText(w io.Writer) error {
	for _, r := range []Report{p.TFIDF, p.Neural} {
		if err := r.WriteText(w); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "neural vs TF-IDF: %.2f× the articles/s; neural vectors cost %.1f ms of CPU per article\n",
		p.NeuralVsTFIDF, p.EmbedCPUMsPerArticle)
	return err
}

// WriteJSON prints v (a Report or a Pair) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
