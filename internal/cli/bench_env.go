package cli

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/internal/bench/benchrun"
	"github.com/masx-ai/masx/store/open"
)

// benchOpener builds the ETL machinery the whole-pipeline benchmarks run
// on, from app's settings, exactly as `masx run` builds its own: with
// workers, newJobsEnv with loopback fetches allowed; without, an
// insert-only jobs client over the store (the work is done by `masx
// worker` processes).
func benchOpener(app *App) benchrun.Open {
	return func(ctx context.Context, o benchrun.EnvOptions) (*benchrun.Env, error) {
		if o.Workers == 0 {
			return openBenchClient(ctx, app, o.DBURL)
		}
		s := settingsForLoopback(app.Settings)
		s.HostConcurrency = max(s.HostConcurrency, o.HostConcurrency)
		switch {
		case o.TFIDF:
			s.EmbedModel = ""
		case o.EmbedModel != "":
			s.EmbedModel = o.EmbedModel
		}
		env, err := newJobsEnv(ctx, app, jobsOptions{envOptions: envOptions{DBURL: o.DBURL, Method: o.Method}, Workers: o.Workers, Settings: s})
		if err != nil {
			return nil, err
		}
		if err := env.Jobs.Start(ctx); err != nil {
			closeEnv(env, app)
			return nil, err
		}
		return &benchrun.Env{
			Jobs: env.Jobs, Store: env.Store, Progress: env.Progress,
			Vectors: env.Vectors.Name(), CPUs: env.Executors.CPU.Limit(),
			NewRunID: func() string { return runIDOr("") },
			Close:    func() { closeEnv(env, app) },
		}, nil
	}
}

// openBenchClient opens the store at db and an insert-only jobs client
// over it.
func openBenchClient(ctx context.Context, app *App, db string) (*benchrun.Env, error) {
	st, err := open.Open(ctx, db)
	if err != nil {
		return nil, AsUsage(err)
	}
	cfg := jobsConfig(app.Settings)
	cfg.Workers, cfg.Logger = 0, app.Logger
	j, err := newJobs(ctx, cfg, jobs.Deps{Store: st})
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("setting up jobs: %w", err)
	}
	return &benchrun.Env{
		Jobs: j, Store: st,
		NewRunID: func() string { return runIDOr("") },
		Close: func() {
			_ = j.Stop(context.WithoutCancel(ctx))
			_ = st.Close()
		},
	}, nil
}
