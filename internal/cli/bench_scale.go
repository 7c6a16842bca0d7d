package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/open"
)

// scaleBench is `masx bench scale --json`.
type scaleBench struct {
	Articles    int           `json:"articles"`
	Flashpoints int           `json:"flashpoints"`
	Concurrency int           `json:"total_concurrency"`
	Latency     string        `json:"site_latency"`
	CPUs        int           `json:"cpus"`
	Results     []scaleResult `json:"results"`
}

type scaleResult struct {
	Mode           string  `json:"mode"` // embedded (SQLite, in-process) or postgres
	Workers        int     `json:"workers"`
	PerWorker      int     `json:"concurrency_per_worker"`
	Seconds        float64 `json:"seconds"`
	ArticlesPerSec float64 `json:"articles_per_sec"`
	VsEmbedded     float64 `json:"vs_embedded"`
	VsOneWorker    float64 `json:"vs_one_worker,omitempty"`
	State          string  `json:"state"`
}

func newBenchScaleCmd(app *App) *cobra.Command {
	var (
		db, workersList   string
		n, fps, total     int
		latency           time.Duration
		asJSON            bool
		workerStartupWait time.Duration
	)
	cmd := &cobra.Command{
		Use:   "scale --db postgres://…",
		Short: "Throughput with 1, 2 and 4 masx worker processes on PostgreSQL against the embedded default",
		Long: `Serves a generated news site on loopback and runs the same flashpoints
several times, each as a fresh run, with the same total job concurrency:

  embedded   masx run's default: SQLite, River and --concurrency workers in one process
  postgres   N 'masx worker' processes (this binary) on the --db database,
             each with concurrency total/N; this process only queues and waits

Each time is from queueing the run to its end (workers are started and
ready before). Articles/s are reported with the ratio to the embedded run
and to one PostgreSQL worker. The site's latency makes the work partly
I/O-bound, as real news sites are; with it at 0 the ratio is bounded by the
CPU count, which is printed. The database must be writable: runs are added
to it and left there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if db == "" && strings.HasPrefix(app.Settings.DBURL, "postgres") {
				db = app.Settings.DBURL
			}
			if db == "" {
				return Usagef("bench scale needs --db postgres://… (or MASX_DB_URL): a PostgreSQL database the workers share")
			}
			// Checked before the embedded run, which takes a while.
			if t, err := open.Parse(db); err != nil {
				return AsUsage(err)
			} else if t.Kind != open.Postgres {
				return Usagef("--db %s: want a postgres:// URL (the workers share it)", open.Redact(db))
			}
			counts, err := parseWorkerCounts(workersList, total)
			if err != nil {
				return AsUsage(err)
			}
			if n < 1 || fps < 1 || fps > n {
				return Usagef("--articles %d --flashpoints %d: want 1 ≤ flashpoints ≤ articles", n, fps)
			}
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding the masx binary for the workers: %w", err)
			}
			site, err := demo.Synthetic(demo.SyntheticOptions{Articles: n, Flashpoints: fps, Latency: latency})
			if err != nil {
				return err
			}
			srv, err := demo.Serve(ctx, site)
			if err != nil {
				return err
			}
			defer srv.Close()
			var works []pipeline.Work
			for _, fp := range site.Flashpoints(srv.URL) {
				works = append(works, pipeline.Work{Flashpoint: fp})
			}
			s := settingsForLoopback(app.Settings)
			s.HostConcurrency = max(s.HostConcurrency, 4*total)

			rep := scaleBench{Articles: n, Flashpoints: fps, Concurrency: total, Latency: latency.String(), CPUs: runtime.NumCPU()}
			fmt.Fprintf(app.Stderr, "bench scale: %d articles, %d flashpoints, total concurrency %d, %d CPUs\n", n, fps, total, rep.CPUs)

			emb, err := benchEmbedded(ctx, app, s, works, total)
			if err != nil {
				return fmt.Errorf("embedded run: %w", err)
			}
			rep.Results = append(rep.Results, emb)
			fmt.Fprintf(app.Stderr, "  embedded: %.1fs\n", emb.Seconds)
			for _, w := range counts {
				r, err := benchPostgres(ctx, app, bin, db, works, w, total/w, workerStartupWait)
				if err != nil {
					return fmt.Errorf("%d postgres worker(s): %w", w, err)
				}
				rep.Results = append(rep.Results, r)
				fmt.Fprintf(app.Stderr, "  postgres, %d worker(s): %.1fs\n", w, r.Seconds)
			}
			var one float64
			for i := range rep.Results {
				r := &rep.Results[i]
				r.ArticlesPerSec = float64(n) / r.Seconds
				r.VsEmbedded = emb.Seconds / r.Seconds
				if r.Mode == "postgres" && r.Workers == 1 {
					one = r.Seconds
				}
			}
			for i := range rep.Results {
				if r := &rep.Results[i]; r.Mode == "postgres" && one > 0 {
					r.VsOneWorker = one / r.Seconds
				}
			}
			if asJSON {
				return writeJSON(app.Stdout, rep)
			}
			tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "mode\tworkers × concurrency\tseconds\tarticles/s\tvs embedded\tvs 1 worker\n")
			for _, r := range rep.Results {
				vs1 := "-"
				if r.VsOneWorker > 0 {
					vs1 = fmt.Sprintf("%.2f×", r.VsOneWorker)
				}
				fmt.Fprintf(tw, "%s\t%d × %d\t%.1f\t%.1f\t%.2f×\t%s\n", r.Mode, r.Workers, r.PerWorker, r.Seconds, r.ArticlesPerSec, r.VsEmbedded, vs1)
			}
			fmt.Fprintf(tw, "(%d articles, %d flashpoints, site latency %s, %d CPUs)\n", n, fps, latency, rep.CPUs)
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "PostgreSQL URL the workers share (default MASX_DB_URL when it is postgres)")
	cmd.Flags().StringVar(&workersList, "workers", "1,2,4", "worker process counts to try; each must divide --concurrency")
	cmd.Flags().IntVar(&n, "articles", 400, "articles on the generated site")
	cmd.Flags().IntVar(&fps, "flashpoints", 16, "flashpoints the articles are split into (the jobs)")
	cmd.Flags().IntVar(&total, "concurrency", 4, "total flashpoint jobs at once, split over the workers")
	cmd.Flags().DurationVar(&latency, "latency", 100*time.Millisecond, "delay every response of the generated site")
	cmd.Flags().DurationVar(&workerStartupWait, "worker-startup", 2*time.Minute, "how long a worker may take to start")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func parseWorkerCounts(list string, total int) ([]int, error) {
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

// benchEmbedded times one run the way `masx run` does by default: SQLite
// and River in this process.
func benchEmbedded(ctx context.Context, app *App, s *config.Settings, works []pipeline.Work, total int) (scaleResult, error) {
	dir, err := os.MkdirTemp("", "masx-bench-scale-")
	if err != nil {
		return scaleResult{}, err
	}
	defer os.RemoveAll(dir)
	env, err := newJobsEnv(ctx, app, jobsOptions{envOptions: envOptions{DBURL: "sqlite://" + filepath.Join(dir, "masx.db"), Method: "http"},
		Workers: total, Settings: s})
	if err != nil {
		return scaleResult{}, err
	}
	defer closeEnv(env, app)
	if err := env.Jobs.Start(ctx); err != nil {
		return scaleResult{}, err
	}
	secs, state, err := timeRun(ctx, env.Jobs, env.Store, works)
	return scaleResult{Mode: "embedded", Workers: 1, PerWorker: total, Seconds: secs, State: string(state)}, err
}

// benchPostgres starts n worker processes, waits until each is ready, then
// times one run queued from this process.
func benchPostgres(ctx context.Context, app *App, bin, db string, works []pipeline.Work, n, per int, startup time.Duration) (scaleResult, error) {
	res := scaleResult{Mode: "postgres", Workers: n, PerWorker: per}
	st, err := open.Open(ctx, db)
	if err != nil {
		return res, AsUsage(err)
	}
	defer st.Close()
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				_ = p.Process.Kill()
				<-done
			}
		}
	}()
	ready := make(chan error, n)
	for range n {
		c := exec.CommandContext(ctx, bin, "worker", "--db", db, "--concurrency", strconv.Itoa(per), "--method", "http")
		c.Env = append(os.Environ(), "MASX_ALLOW_PRIVATE=1", "MASX_HOST_DELAY_MS=0",
			"MASX_HOST_CONCURRENCY="+strconv.Itoa(4*per), "MASX_LOG_LEVEL=warn")
		c.Stdout = io.Discard
		stderr, err := c.StderrPipe()
		if err != nil {
			return res, err
		}
		if err := c.Start(); err != nil {
			return res, fmt.Errorf("starting a worker: %w", err)
		}
		procs = append(procs, c)
		go func() {
			sc := bufio.NewScanner(stderr)
			var last string
			signalled := false
			for sc.Scan() {
				last = sc.Text()
				if !signalled && strings.HasPrefix(last, "masx worker:") {
					ready <- nil
					signalled = true
				}
			}
			if !signalled {
				ready <- fmt.Errorf("worker exited before it was ready: %s", last)
			}
		}()
	}
	timer := time.NewTimer(startup)
	defer timer.Stop()
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				return res, err
			}
		case <-timer.C:
			return res, fmt.Errorf("workers not ready within %s", startup)
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	cfg := jobsConfig(app.Settings)
	cfg.Workers, cfg.Logger = 0, app.Logger
	j, err := newJobs(ctx, cfg, jobs.Deps{Store: st})
	if err != nil {
		return res, err
	}
	defer func() { _ = j.Stop(context.WithoutCancel(ctx)) }()
	secs, state, err := timeRun(ctx, j, st, works)
	res.Seconds, res.State = secs, string(state)
	return res, err
}

// timeRun queues works as a fresh run and waits for it to finish.
func timeRun(ctx context.Context, j *jobs.Jobs, st store.Store, works []pipeline.Work) (float64, news.RunState, error) {
	id := runIDOr("")
	start := time.Now()
	if _, err := j.Submit(ctx, news.Run{ID: id, Input: "bench scale"}, pipeline.Slice(works), jobs.SubmitOptions{}); err != nil {
		return 0, "", err
	}
	r, err := jobs.Wait(ctx, st, id, 100*time.Millisecond, nil)
	secs := time.Since(start).Seconds()
	if err != nil {
		return secs, r.State, err
	}
	if r.State != news.RunCompleted {
		return secs, r.State, errors.New("run " + id + " " + string(r.State) + ": " + r.Error)
	}
	return secs, r.State, nil
}
