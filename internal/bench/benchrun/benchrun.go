// Package benchrun runs generated flashpoints the way `masx run` does, as
// River jobs in a database, for the benchmarks that measure the whole
// pipeline (`masx bench pipeline`, `masx bench scale`).
//
// The benchmarks do not build the ETL machinery themselves: the
// composition root (internal/cli) does, from the settings, and hands it
// over as an [Env] through an [Open] function. So a benchmark measures
// exactly what the commands run, and this tree holds one orchestrator:
// jobs.Submit, the job workers and pipeline.ProcessFlashpoint.
package benchrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// EnvOptions say what ETL machinery a benchmark needs.
type EnvOptions struct {
	// DBURL is the database the jobs and the results go to. Required.
	DBURL string
	// Method is how pages are got; empty means auto.
	Method crawl.Method
	// Workers is how many flashpoint jobs this process works at once,
	// started before Open returns. 0 asks for an insert-only client: no
	// pipeline, the jobs are worked by `masx worker` processes.
	Workers int
	// HostConcurrency, when above MASX_HOST_CONCURRENCY, raises it: every
	// page of a generated site is on one host.
	HostConcurrency int
	// TFIDF forces TF-IDF/LSA vectors. Otherwise EmbedModel, when set,
	// replaces MASX_EMBED_MODEL (a model folder or an installed repo id).
	TFIDF      bool
	EmbedModel string
}

// Env is one process's ETL machinery over one database, as the
// composition root built it.
type Env struct {
	Jobs  *jobs.Jobs
	Store store.Store
	// Progress counts what the pipeline does (stage times included); nil
	// for an insert-only client.
	Progress *pipeline.Progress
	// Vectors names the vectorizer; CPUs is the CPU pool's size (MAX_PROCS).
	Vectors string
	CPUs    int
	// NewRunID makes the id of a fresh run.
	NewRunID func() string
	// Close stops the workers (draining them) and releases everything.
	Close func()
}

// Open builds an Env; the composition root provides it.
type Open func(ctx context.Context, o EnvOptions) (*Env, error)

// Works makes one job's work of each flashpoint.
func Works(fps []news.Flashpoint) []pipeline.Work {
	ws := make([]pipeline.Work, len(fps))
	for i, fp := range fps {
		ws[i] = pipeline.Work{Flashpoint: fp}
	}
	return ws
}

// Result is one timed run.
type Result struct {
	RunID string
	State news.RunState
	// Elapsed runs from queueing the run to seeing it finished.
	Elapsed time.Duration
}

// Run queues works as a fresh run labelled input, waits until the run is
// finished, looking every poll, and says how long that took. A run that
// did not complete is an error, with the Result filled in.
func Run(ctx context.Context, env *Env, works []pipeline.Work, input string, poll time.Duration) (Result, error) {
	res := Result{RunID: env.NewRunID()}
	start := time.Now()
	if _, err := env.Jobs.Submit(ctx, news.Run{ID: res.RunID, Input: input}, pipeline.Slice(works), jobs.SubmitOptions{}); err != nil {
		return res, fmt.Errorf("queueing run %s: %w", res.RunID, err)
	}
	r, err := jobs.Wait(ctx, env.Store, res.RunID, poll, nil)
	res.Elapsed, res.State = time.Since(start), r.State
	if err != nil {
		return res, err
	}
	if r.State != news.RunCompleted {
		return res, errors.New("run " + res.RunID + " " + string(r.State) + ": " + r.Error)
	}
	return res, nil
}
