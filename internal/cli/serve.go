package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/api/dashboard"
	"github.com/masx-ai/masx/crawl"
)

// serveOptions are `masx serve`'s inputs once its flags are parsed.
type serveOptions struct {
	App      *App
	DB       string
	Method   string
	Insecure bool
	// Workers is how many jobs this process works (0: API only);
	// WorkersSet says --workers was given, else
	// MASX_FLASHPOINT_CONCURRENCY applies.
	Workers    int
	WorkersSet bool
	DrainDelay time.Duration
}

// newCmdServe builds `masx serve`. runF runs the parsed options; nil means
// serveRun.
func newCmdServe(app *App, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{App: app}
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
  GET  /                             the dashboard: runs, flashpoints, clusters, a
                                     map and timeline of the articles, a submit form

Runs become one durable job per flashpoint in the database. This process
works --workers of them at once (default MASX_FLASHPOINT_CONCURRENCY);
--workers 0 only serves the API and leaves the jobs to 'masx worker'
processes on the same database.

With MASX_API_KEY set, every route but /healthz and /readyz needs it as
X-API-Key or Authorization: Bearer; the dashboard asks for it once in a
login form and keeps a signed session cookie. Without a key, serve listens on
loopback only, unless --insecure says a proxy in front authenticates.

SIGTERM or Ctrl-C drains: /readyz and new submissions answer 503, in-flight
requests finish, jobs get MASX_WORKER_GRACE to finish (the rest are retried
later, here or elsewhere), then the runtime and the store close.

Exit codes: 0 clean shutdown, 1 failure, 2 usage (a non-loopback address
without a key or --insecure, a bad flag).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.WorkersSet = cmd.Flags().Changed("workers")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DB, "db", "", "database URL (sqlite://path or postgres://…); default MASX_DB_URL or sqlite://<data dir>/masx.db")
	fl.BoolVar(&opts.Insecure, "insecure", false, "allow serving without MASX_API_KEY on a non-loopback address (a proxy in front authenticates)")
	fl.IntVar(&opts.Workers, "workers", 0, "flashpoint jobs worked at once in this process (default MASX_FLASHPOINT_CONCURRENCY); 0: API only")
	fl.StringVar(&opts.Method, "method", "auto", "how workers get pages: auto (HTTP, then the browser), http or browser")
	fl.DurationVar(&opts.DrainDelay, "drain-delay", 0, "on shutdown, how long /readyz answers 503 before the listener closes, so a load balancer notices first")
	return cmd
}

// serveRun serves the API until ctx ends, then drains the server, the
// jobs (MASX_WORKER_GRACE), the runtime and the store, in that order.
func serveRun(ctx context.Context, opts *serveOptions) error {
	app := opts.App
	workers := opts.Workers
	if !opts.WorkersSet {
		workers = app.Settings.FlashpointConcurrency
	}
	if workers < 0 {
		return Usagef("--workers %d: want ≥ 0 (0 serves the API only)", workers)
	}
	if opts.DrainDelay < 0 {
		return Usagef("--drain-delay %s: want ≥ 0", opts.DrainDelay)
	}
	method, err := crawl.ParseMethod(opts.Method)
	if err != nil {
		return AsUsage(err)
	}
	cfg := api.Config{
		Addr: app.Settings.Listen, APIKey: app.Settings.APIKey, Insecure: opts.Insecure,
		DrainDelay: opts.DrainDelay, Logger: app.Logger,
	}
	// Checked before the runtime, browser and store exist: refusing to
	// expose an open API must cost nothing.
	if err := cfg.Validate(); err != nil {
		return AsUsage(err)
	}
	env, err := newJobsEnv(ctx, app, jobsOptions{
		envOptions: envOptions{DBURL: opts.DB, Method: method, Logger: app.Logger},
		Workers:    workers,
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
	if workers > 0 {
		if err := env.Jobs.Start(ctx); err != nil {
			return err
		}
	}
	srv, err := startAPI(ctx, cfg, env)
	if err != nil {
		return err
	}
	auth := "API key required"
	if cfg.APIKey == "" {
		auth = "no API key"
	}
	fmt.Fprintf(app.Stdout, "masx serve: listening on http://%s (%s; workers: %d)\n", srv.Addr(), auth, workers)

	select {
	case <-ctx.Done():
		app.Logger.Info("masx serve: draining", "cause", context.Cause(ctx))
	case <-srv.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.DrainDelay+api.DefaultRequestTimeout+10*time.Second)
	defer cancel()
	if err := srv.Stop(sctx); err != nil {
		return fmt.Errorf("masx serve: %w", err)
	}
	return nil
}

// startAPI serves the API over env's store and jobs; it is ready while
// env's inference runtime runs.
func startAPI(ctx context.Context, cfg api.Config, env *etlEnv) (*api.Server, error) {
	srv, err := api.New(cfg, api.Deps{
		Store: env.Store, Jobs: env.Jobs, Gatherer: env.Registry,
		Ready: func(context.Context) error {
			if !env.Runtime.IsStarted() {
				return errors.New("the inference runtime is not running")
			}
			return nil
		},
		// The dashboard at /, behind the same Guard as the API.
		UI: func(s *api.Server) (http.Handler, error) {
			return dashboard.New(dashboard.Config{MaxUploadBytes: cfg.MaxBodyBytes}, dashboard.Deps{Store: env.Store, Server: s, Logger: cfg.Logger})
		},
	})
	if err != nil {
		return nil, err
	}
	return srv, srv.Start(ctx)
}
