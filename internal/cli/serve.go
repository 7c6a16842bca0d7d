package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/crawl"
)

type serveFlags struct {
	db, method string
	insecure   bool
	workers    int
	drainDelay time.Duration
}

func newServeCmd(app *App) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API: submit runs as jobs, read their status and clusters",
		Long: `Serves the HTTP API on MASX_LISTEN (--listen, default 127.0.0.1:8080):

  POST /v1/runs                      {"run_id"?, "date"?, "flashpoint_ids"?, "input"?} → 202
  GET  /v1/runs/{id}                 status: state, articles by status, progress
  GET  /v1/runs/{id}/clusters        the run's clusters
  GET  /v1/flashpoints/{id}/clusters?run=RUN
  POST /services/run?date=YYYY-MM-DD a run over that day's MASX tables
  GET  /healthz, /readyz, /metrics

Runs become one durable job per flashpoint in the database. This process
works --workers of them at once (default MASX_FLASHPOINT_CONCURRENCY);
--workers 0 only serves the API and leaves the jobs to 'masx worker'
processes on the same database.

With MASX_API_KEY set, every route but /healthz and /readyz needs it as
X-API-Key or Authorization: Bearer. Without a key, serve listens on
loopback only, unless --insecure says a proxy in front authenticates.

SIGTERM or Ctrl-C drains: /readyz and new submissions answer 503, in-flight
requests finish, jobs get MASX_WORKER_GRACE to finish (the rest are retried
later, here or elsewhere), then the runtime and the store close.

Exit codes: 0 clean shutdown, 1 failure, 2 usage (a non-loopback address
without a key or --insecure, a bad flag).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("workers") {
				f.workers = app.Settings.FlashpointConcurrency
			}
			return serve(cmd.Context(), app, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "database URL (sqlite://path or postgres://…); default MASX_DB_URL or sqlite://<data dir>/masx.db")
	fl.BoolVar(&f.insecure, "insecure", false, "allow serving without MASX_API_KEY on a non-loopback address (a proxy in front authenticates)")
	fl.IntVar(&f.workers, "workers", 0, "flashpoint jobs worked at once in this process (default MASX_FLASHPOINT_CONCURRENCY); 0: API only")
	fl.StringVar(&f.method, "method", "auto", "how workers get pages: auto (HTTP, then the browser), http or browser")
	fl.DurationVar(&f.drainDelay, "drain-delay", 0, "on shutdown, how long /readyz answers 503 before the listener closes, so a load balancer notices first")
	return cmd
}

func serve(ctx context.Context, app *App, f serveFlags) error {
	if f.workers < 0 {
		return Usagef("--workers %d: want ≥ 0 (0 serves the API only)", f.workers)
	}
	if f.drainDelay < 0 {
		return Usagef("--drain-delay %s: want ≥ 0", f.drainDelay)
	}
	method, err := crawl.ParseMethod(f.method)
	if err != nil {
		return AsUsage(err)
	}
	cfg := api.Config{
		Addr: app.Settings.Listen, APIKey: app.Settings.APIKey, Insecure: f.insecure,
		DrainDelay: f.drainDelay, Logger: app.Logger,
	}
	// Checked before the runtime, browser and store exist: refusing to
	// expose an open API must cost nothing.
	if err := cfg.Validate(); err != nil {
		return AsUsage(err)
	}
	env, err := newJobsEnv(ctx, app, jobsOptions{
		envOptions: envOptions{DBURL: f.db, Method: method, Logger: app.Logger},
		Workers:    f.workers,
	})
	if err != nil {
		return err
	}
	// Runs after the server has drained: workers get MASX_WORKER_GRACE,
	// then the runtime and the store close.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), app.Settings.WorkerGrace+30*time.Second)
		defer cancel()
		if err := env.Close(cctx); err != nil {
			app.Logger.Warn("masx serve: shutting down", "err", err)
		}
	}()
	if f.workers > 0 {
		if err := env.Jobs.Start(ctx); err != nil {
			return err
		}
	}
	srv, err := api.New(cfg, api.Deps{
		Store: env.Store, Jobs: env.Jobs, Gatherer: env.Registry,
		Ready: func(context.Context) error {
			if !env.Runtime.IsStarted() {
				return errors.New("the inference runtime is not running")
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	auth := "API key required"
	if cfg.APIKey == "" {
		auth = "no API key"
	}
	fmt.Fprintf(app.Stdout, "masx serve: listening on http://%s (%s; workers: %d)\n", srv.Addr(), auth, f.workers)

	select {
	case <-ctx.Done():
		app.Logger.Info("masx serve: draining", "cause", context.Cause(ctx))
	case <-srv.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.drainDelay+api.DefaultRequestTimeout+10*time.Second)
	defer cancel()
	if err := srv.Stop(sctx); err != nil {
		return fmt.Errorf("masx serve: %w", err)
	}
	return nil
}
