package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl"
)

func newWorkerCmd(app *App) *cobra.Command {
	var (
		db, method  string
		queues      []string
		concurrency int
	)
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
			ctx := cmd.Context()
			if concurrency < 0 {
				return Usagef("--concurrency %d: want ≥ 1", concurrency)
			}
			if !cmd.Flags().Changed("concurrency") {
				concurrency = app.Settings.FlashpointConcurrency
			}
			if concurrency == 0 {
				return Usagef("--concurrency 0: a worker needs at least 1")
			}
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			env, err := newJobsEnv(ctx, app, jobsOptions{envOptions: envOptions{DBURL: db, Method: m}, Workers: concurrency, Queues: queues})
			if err != nil {
				return err
			}
			defer closeEnv(env, app)
			if err := env.Jobs.Start(ctx); err != nil {
				return err
			}
			cfg := env.Jobs.Config()
			fmt.Fprintf(app.Stderr, "masx worker: %d job(s) at once from queue(s) %v of %s (job timeout %s, rescue after %s); SIGTERM stops\n",
				concurrency, append([]string{cfg.Queue}, cfg.Queues...), redactURL(db, app), cfg.JobTimeout, cfg.RescueAfter)

			// Readiness, for programs that start workers (masx bench scale):
			// one line, "ready", on stdout once jobs are being taken.
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
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "database URL (postgres://… to share work; default MASX_DB_URL or sqlite://<data dir>/masx.db)")
	cmd.Flags().StringSliceVar(&queues, "queues", nil, "extra River queues to work besides 'flashpoints'")
	cmd.Flags().IntVar(&concurrency, "concurrency", 0, "flashpoint jobs at once (default MASX_FLASHPOINT_CONCURRENCY)")
	cmd.Flags().StringVar(&method, "method", "auto", "how pages are got: auto (HTTP, then the browser), http or browser")
	return cmd
}
