package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl"
)

// workerOptions are `masx worker`'s inputs once its flags are parsed.
type workerOptions struct {
	App    *App
	DB     string
	Method string
	// Queues are River queues worked besides the default one.
	Queues []string
	// Concurrency is how many jobs run at once; ConcurrencySet says
	// --concurrency was given, else MASX_FLASHPOINT_CONCURRENCY applies.
	Concurrency    int
	ConcurrencySet bool
}

// newCmdWorker builds `masx worker`. runF runs the parsed options; nil
// means workerRun.
func newCmdWorker(app *App, runF func(context.Context, *workerOptions) error) *cobra.Command {
	opts := &workerOptions{App: app}
	cmd := &cobra.Command{
		Use:   "worker --db postgres://…",
		Short: "Work queued flashpoint jobs until SIGTERM (scale-out)",
		Long: `Takes flashpoint jobs from the database's River queue and runs the
pipeline on them, with one inference runtime, executor pair and browser
pool for the whole process, so model batches form across its jobs. Start
any number of workers, on any machines that reach the same PostgreSQL
database; runs are queued by 'masx run --detach', 'masx run' or
'masx serve'.

SIGTERM or Ctrl-C stops taking jobs and lets in-flight ones finish for up
to MASX_WORKER_GRACE; the rest are cancelled (their articles stored as
cancelled) and retried by another worker. A worker killed with SIGKILL
leaves its jobs running in the table; River hands them to another worker
after MASX_JOB_RESCUE_AFTER, and articles already stored are not
processed again.

Exit codes: 0 stopped cleanly, 1 failure, 2 usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.ConcurrencySet = cmd.Flags().Changed("concurrency")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return workerRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.DB, "db", "", "database URL (postgres://… to share work; default MASX_DB_URL or sqlite://<data dir>/masx.db)")
	cmd.Flags().StringSliceVar(&opts.Queues, "queues", nil, "extra River queues to work besides 'flashpoints'")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", 0, "flashpoint jobs at once (default MASX_FLASHPOINT_CONCURRENCY)")
	cmd.Flags().StringVar(&opts.Method, "method", "auto", "how pages are got: auto (HTTP, then the browser), http or browser")
	return cmd
}

// workerRun works jobs until ctx ends, then drains: in-flight jobs get
// MASX_WORKER_GRACE to finish.
func workerRun(ctx context.Context, opts *workerOptions) error {
	app := opts.App
	concurrency := opts.Concurrency
	if concurrency < 0 {
		return Usagef("--concurrency %d: want ≥ 1", concurrency)
	}
	if !opts.ConcurrencySet {
		concurrency = app.Settings.FlashpointConcurrency
	}
	if concurrency == 0 {
		return Usagef("--concurrency 0: a worker needs at least 1")
	}
	m, err := crawl.ParseMethod(opts.Method)
	if err != nil {
		return AsUsage(err)
	}
	env, err := newJobsEnv(ctx, app, jobsOptions{envOptions: envOptions{DBURL: opts.DB, Method: m}, Workers: concurrency, Queues: opts.Queues})
	if err != nil {
		return err
	}
	defer closeEnv(env, app)
	if err := env.Jobs.Start(ctx); err != nil {
		return err
	}
	cfg := env.Jobs.Config()
	fmt.Fprintf(app.Stderr, "masx worker: %d job(s) at once from queue(s) %v of %s (job timeout %s, rescue after %s); SIGTERM stops\n",
		concurrency, append([]string{cfg.Queue}, cfg.Queues...), redactURL(opts.DB, app), cfg.JobTimeout, cfg.RescueAfter)
	// Readiness, for programs that start workers (masx bench scale): one
	// line, "ready", on stdout once jobs are being taken.
	fmt.Fprintln(app.Stdout, "ready")
	<-ctx.Done()
	fmt.Fprintf(app.Stderr, "masx worker: stopping; in-flight jobs get %s to finish\n", app.Settings.WorkerGrace)
	start := time.Now()
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), app.Settings.WorkerGrace)
	defer cancel()
	if err := env.Jobs.Stop(gctx); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "masx worker: stopped in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
