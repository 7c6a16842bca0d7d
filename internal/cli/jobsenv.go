package cli

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/config"

	"github.com/masx-ai/masx/etl/jobs"
)

// jobsOptions adjusts newJobsEnv.
type jobsOptions struct {
	envOptions
	// Workers is how many flashpoint jobs this process works at once; 0
	// makes an insert-only client (the process only submits and waits).
	Workers int
	// Queues are extra River queues to work (masx worker --queues).
	Queues []string
	// Settings overrides app.Settings (the demo allows loopback fetches).
	Settings *config.Settings
}

// newJobsEnv builds the ETL machinery and the River jobs over its store.
// The jobs are registered on env.Registry and stopped (draining for up to
// MASX_WORKER_GRACE) first when env closes, before the runtime and the
// store they use. Workers start with env.Jobs.Start.
func newJobsEnv(ctx context.Context, app *App, o jobsOptions) (*etlEnv, error) {
	s := o.Settings
	if s == nil {
		s = app.Settings
	}
	if o.Logger == nil {
		o.Logger = app.Logger
	}
	env, err := newETLEnv(ctx, s, o.envOptions)
	if err != nil {
		return nil, err
	}
	cfg := jobsConfig(s)
	cfg.Workers, cfg.Queues, cfg.Logger = o.Workers, o.Queues, app.Logger
	env.Jobs, err = newJobs(ctx, cfg, jobs.Deps{Store: env.Store, Pipeline: env.Pipeline, Registerer: env.Registry})
	if err != nil {
		_ = env.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("setting up jobs: %w", err)
	}
	env.closers = append(env.closers, func(ctx context.Context) error {
		gctx, cancel := context.WithTimeout(ctx, s.WorkerGrace)
		defer cancel()
		return env.Jobs.Stop(gctx)
	})
	return env, nil
}
