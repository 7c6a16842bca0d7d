package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/internal/bench/scalebench"
	"github.com/masx-ai/masx/store/open"
)

// benchScaleOptions are `masx bench scale`'s inputs.
type benchScaleOptions struct {
	*App
	DB                    string
	Workers               []int
	Articles, Flashpoints int
	Concurrency           int
	Latency               time.Duration
	WorkerStartup         time.Duration
	JSON                  bool
}

func newBenchScaleCmd(app *App, runF func(context.Context, *benchScaleOptions) error) *cobra.Command {
	opts := &benchScaleOptions{App: app}
	var workers string
	cmd := &cobra.Command{
		Use:   "scale --db postgres://…",
		Short: "Throughput with 1, 2 and 4 masx worker processes on PostgreSQL against the embedded default",
		Long: `Serves a generated news site on loopback and runs the same flashpoints
several times, each as a fresh run, with the same total job concurrency:

  embedded   masx run's default: SQLite, River and --concurrency workers in one process
  postgres   N 'masx worker' processes (this binary) on the --db database,
             each with concurrency total/N; this process only queues and waits

Each time is from queueing the run to its end (workers are started and
ready before: each prints "ready" on its standard output). Articles/s are
reported with the ratio to the embedded run and to one PostgreSQL worker.
The site's latency makes the work partly I/O-bound, as real news sites are;
with it at 0 the ratio is bounded by the CPU count, which is printed. The
database must be writable: runs are added to it and left there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(workers); err != nil {
				return err
			}
			return runOr(cmd.Context(), opts, runF, benchScaleRun)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.DB, "db", "", "PostgreSQL URL the workers share (default MASX_DB_URL when it is postgres)")
	f.StringVar(&workers, "workers", "1,2,4", "worker process counts to try; each must divide --concurrency")
	f.IntVar(&opts.Articles, "articles", 400, "articles on the generated site")
	f.IntVar(&opts.Flashpoints, "flashpoints", 16, "flashpoints the articles are split into (the jobs)")
	f.IntVar(&opts.Concurrency, "concurrency", 4, "total flashpoint jobs at once, split over the workers")
	f.DurationVar(&opts.Latency, "latency", 100*time.Millisecond, "delay every response of the generated site")
	f.DurationVar(&opts.WorkerStartup, "worker-startup", 2*time.Minute, "how long a worker may take to start")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// check validates the flags before the embedded run, which takes a while,
// and fills in the database and the worker counts.
func (opts *benchScaleOptions) check(workers string) error {
	if opts.DB == "" && strings.HasPrefix(opts.Settings.DBURL, "postgres") {
		opts.DB = opts.Settings.DBURL
	}
	if opts.DB == "" {
		return Usagef("bench scale needs --db postgres://… (or MASX_DB_URL): a PostgreSQL database the workers share")
	}
	if t, err := open.Parse(opts.DB); err != nil {
		return AsUsage(err)
	} else if t.Kind != open.Postgres {
		return Usagef("--db %s: want a postgres:// URL (the workers share it)", open.Redact(opts.DB))
	}
	counts, err := scalebench.ParseWorkerCounts(workers, opts.Concurrency)
	if err != nil {
		return AsUsage(err)
	}
	opts.Workers = counts
	if opts.Articles < 1 || opts.Flashpoints < 1 || opts.Flashpoints > opts.Articles {
		return Usagef("--articles %d --flashpoints %d: want 1 ≤ flashpoints ≤ articles", opts.Articles, opts.Flashpoints)
	}
	return nil
}

func benchScaleRun(ctx context.Context, opts *benchScaleOptions) error {
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the masx binary for the workers: %w", err)
	}
	rep, err := scalebench.Run(ctx, scalebench.Config{
		DBURL:         opts.DB,
		Workers:       opts.Workers,
		Concurrency:   opts.Concurrency,
		Site:          demo.SyntheticOptions{Articles: opts.Articles, Flashpoints: opts.Flashpoints, Latency: opts.Latency},
		Bin:           bin,
		WorkerStartup: opts.WorkerStartup,
		Open:          benchOpener(opts.App),
		Logf:          func(f string, a ...any) { fmt.Fprintf(opts.Stderr, f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	return rep.WriteText(opts.Stdout)
}
