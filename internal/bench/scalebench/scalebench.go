// Package scalebench is `masx bench scale`: the throughput of the embedded
// default (SQLite, River and the workers in one process) against 1, 2, 4 …
// `masx worker` processes sharing a PostgreSQL database, at the same total
// job concurrency, on one generated local news site.
package scalebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/internal/bench/benchrun"
)

// pollInterval is how often a run's end is looked for.
const pollInterval = 100 * time.Millisecond

// Config says what to measure.
type Config struct {
	// DBURL is the PostgreSQL database the worker processes share; runs
	// are added to it and left there. Required.
	DBURL string
	// Workers are the worker process counts to try; each divides
	// Concurrency (see ParseWorkerCounts).
	Workers []int
	// Concurrency is the total number of flashpoint jobs worked at once,
	// split evenly over the worker processes.
	Concurrency int
	// Site is the generated site.
	Site demo.SyntheticOptions
	// Bin is the masx binary the worker processes run.
	Bin string
	// WorkerStartup bounds how long a worker may take to be ready.
	WorkerStartup time.Duration
	// Open builds the embedded run's machinery and the client that queues
	// the PostgreSQL runs. Required.
	Open benchrun.Open
	// Logf reports progress; nil means silence.
	Logf func(format string, args ...any)
}

// Report is `masx bench scale --json`.
type Report struct {
	Articles    int      `json:"articles"`
	Flashpoints int      `json:"flashpoints"`
	Concurrency int      `json:"total_concurrency"`
	Latency     string   `json:"site_latency"`
	CPUs        int      `json:"cpus"`
	Results     []Result `json:"results"`
}

// Result is one configuration's run.
type Result struct {
	Mode           string  `json:"mode"` // embedded (SQLite, in-process) or postgres
	Workers        int     `json:"workers"`
	PerWorker      int     `json:"concurrency_per_worker"`
	Seconds        float64 `json:"seconds"`
	ArticlesPerSec float64 `json:"articles_per_sec"`
	VsEmbedded     float64 `json:"vs_embedded"`
	VsOneWorker    float64 `json:"vs_one_worker,omitempty"`
	State          string  `json:"state"`
}

// ParseWorkerCounts reads a list of worker process counts such as
// "1,2,4"; each must divide total, so that every configuration has the
// same total concurrency.
func ParseWorkerCounts(list string, total int) ([]int, error) {
	if total < 1 {
		return nil, fmt.Errorf("--concurrency %d: want ≥ 1", total)
	}
	var out []int
	for f := range strings.SplitSeq(list, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			return nil, fmt.Errorf("--workers %q: want positive whole numbers separated by commas, such as 1,2,4", list)
		}
		if total%w != 0 {
			return nil, fmt.Errorf("--workers %d does not divide --concurrency %d: every configuration must have the same total concurrency", w, total)
		}
		out = append(out, w)
	}
	return out, nil
}

// Run serves the site and runs its flashpoints as a fresh run, once
// embedded and once per worker count on PostgreSQL. Each time is from
// queueing the run to its end; workers are started and ready before.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Open == nil {
		return Report{}, errors.New("scalebench: Config.Open is nil")
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
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
	works := benchrun.Works(site.Flashpoints(srv.URL))
	o := site.Options()
	rep := Report{Articles: o.Articles, Flashpoints: o.Flashpoints, Concurrency: cfg.Concurrency, Latency: o.Latency.String(), CPUs: runtime.NumCPU()}
	cfg.Logf("bench scale: %d articles, %d flashpoints, total concurrency %d, %d CPUs", rep.Articles, rep.Flashpoints, cfg.Concurrency, rep.CPUs)

	emb, err := runEmbedded(ctx, cfg, works)
	if err != nil {
		return rep, fmt.Errorf("embedded run: %w", err)
	}
	rep.Results = append(rep.Results, emb)
	cfg.Logf("  embedded: %.1fs", emb.Seconds)
	for _, w := range cfg.Workers {
		r, err := runPostgres(ctx, cfg, works, w)
		if err != nil {
			return rep, fmt.Errorf("%d postgres worker(s): %w", w, err)
		}
		rep.Results = append(rep.Results, r)
		cfg.Logf("  postgres, %d worker(s): %.1fs", w, r.Seconds)
	}
	rep.compare()
	return rep, nil
}

// compare fills in the rates and the ratios to the embedded run and to
// one PostgreSQL worker.
func (rep *Report) compare() {
	var emb, one float64
	for i := range rep.Results {
		r := &rep.Results[i]
		r.ArticlesPerSec = float64(rep.Articles) / r.Seconds
		switch {
		case r.Mode == "embedded":
			emb = r.Seconds
		case r.Workers == 1:
			one = r.Seconds
		}
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		r.VsEmbedded = emb / r.Seconds
		if r.Mode == "postgres" && one > 0 {
			r.VsOneWorker = one / r.Seconds
		}
	}
}

// runEmbedded times one run the way `masx run` does by default: SQLite
// and River in this process.
func runEmbedded(ctx context.Context, cfg Config, works []pipeline.Work) (Result, error) {
	res := Result{Mode: "embedded", Workers: 1, PerWorker: cfg.Concurrency}
	dir, err := os.MkdirTemp("", "masx-bench-scale-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	env, err := cfg.Open(ctx, benchrun.EnvOptions{DBURL: "sqlite://" + filepath.Join(dir, "masx.db"), Method: crawl.MethodHTTP,
		Workers: cfg.Concurrency, HostConcurrency: 4 * cfg.Concurrency})
	if err != nil {
		return res, err
	}
	defer env.Close()
	r, err := benchrun.Run(ctx, env, works, "bench scale", pollInterval)
	res.Seconds, res.State = r.Elapsed.Seconds(), string(r.State)
	return res, err
}

// runPostgres starts n worker processes, waits until each is ready, then
// times one run queued from this process.
func runPostgres(ctx context.Context, cfg Config, works []pipeline.Work, n int) (Result, error) {
	per := cfg.Concurrency / n
	res := Result{Mode: "postgres", Workers: n, PerWorker: per}
	procs := make([]*worker, 0, n)
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for range n {
		p, err := startWorker(ctx, cfg.Bin, cfg.DBURL, per)
		if err != nil {
			return res, err
		}
		procs = append(procs, p)
	}
	timer := time.NewTimer(cfg.WorkerStartup)
	defer timer.Stop()
	for _, p := range procs {
		if err := p.waitReady(ctx, timer.C); err != nil {
			return res, fmt.Errorf("%w (waited up to %s)", err, cfg.WorkerStartup)
		}
	}
	env, err := cfg.Open(ctx, benchrun.EnvOptions{DBURL: cfg.DBURL})
	if err != nil {
		return res, err
	}
	defer env.Close()
	r, err := benchrun.Run(ctx, env, works, "bench scale", pollInterval)
	res.Seconds, res.State = r.Elapsed.Seconds(), string(r.State)
	return res, err
}

// WriteText prints the results as a table.
func (rep Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "mode\tworkers × concurrency\tseconds\tarticles/s\tvs embedded\tvs 1 worker\n")
	for _, r := range rep.Results {
		vs1 := "-"
		if r.VsOneWorker > 0 {
			vs1 = fmt.Sprintf("%.2f×", r.VsOneWorker)
		}
		fmt.Fprintf(tw, "%s\t%d × %d\t%.1f\t%.1f\t%.2f×\t%s\n", r.Mode, r.Workers, r.PerWorker, r.Seconds, r.ArticlesPerSec, r.VsEmbedded, vs1)
	}
	fmt.Fprintf(tw, "(%d articles, %d flashpoints, site latency %s, %d CPUs)\n", rep.Articles, rep.Flashpoints, rep.Latency, rep.CPUs)
	return tw.Flush()
}
