// Package jobs runs the ETL as durable jobs on River: one job per flashpoint
// of a run, stored in the same database as the results.
//
//	Submit ──▶ run (queued) + flashpoints + one River job each (unique per run, flashpoint, attempt)
//	worker ──▶ pipeline.ProcessFlashpoint ──▶ store.FinishFlashpoint ──▶ last one finishes the run
//
// River's tables live in the store's own database, reached through the
// Driver the composition root builds from the store it opened: the
// embedded default puts River on the SQLite database (riversqlite) with its
// workers in the same process; scale-out puts it on PostgreSQL
// (riverpgxv5), where any number of `masx worker` processes share the queue.
// This package imports neither store driver.
//
// Because a run is finished by the worker that finishes its last
// flashpoint, inside the same transaction, progress and completion are
// visible from every machine through the store alone.
//
// Failures are sorted the way an operator would: transient ones (database
// unavailable, a full inference queue) are retried with River's backoff;
// permanent ones (bad input) cancel the job at once; a job past
// MASX_JOB_TIMEOUT is cancelled, its in-flight articles stored as
// cancelled. A worker killed with SIGKILL leaves its jobs running in the
// table until River's rescuer (RescueAfter) hands them to another worker;
// the store's idempotent keys make the second attempt skip what the first
// already stored. A job River gives up on with nobody left to record it
// (its worker died on the last attempt) is found by the workers' periodic
// Sweep, so its run still finishes.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/store"
)

// Defaults.
const (
	QueueDefault       = "flashpoints"
	JobTimeoutDefault  = 2 * time.Hour
	MaxAttemptsDefault = 5
	QueueMaxDefault    = 10000
	// rescueMargin is added to the job timeout to get the default rescue
	// time: a job still running that long after its deadline cannot be
	// alive, because its context ended at the deadline.
	rescueMargin = 5 * time.Minute
)

// Sentinel errors.
var (
	// ErrQueueFull: Submit refused a run because its flashpoints do not
	// fit under QueueMax with those already unfinished. Nothing of the
	// run stays queued. The API answers 429.
	ErrQueueFull = errors.New("job queue full")
	// ErrClosed: the Jobs was used after Stop.
	ErrClosed = errors.New("jobs stopped")
	// ErrNoWorkers: Wait or Start was called on an insert-only Jobs.
	ErrNoWorkers = errors.New("no workers in this process")
)

// Config tunes Jobs. Zero fields take the documented defaults.
type Config struct {
	// Queue is the River queue jobs are inserted into and, when Workers >
	// 0, worked from. Default "flashpoints".
	Queue string
	// Queues are extra queues this process works (masx worker --queues);
	// Queue is always included when Workers > 0.
	Queues []string
	// Workers is how many jobs this process works at once. 0 makes an
	// insert-only client (masx run --detach, masx serve without workers).
	Workers int
	// JobTimeout cancels a job that runs longer (MASX_JOB_TIMEOUT).
	// Default 2h.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River counts
	// it abandoned and retries it (MASX_JOB_RESCUE_AFTER). It must exceed
	// JobTimeout. Default JobTimeout + 5m.
	RescueAfter time.Duration
	// MaxAttempts bounds retries of a job (MASX_JOB_MAX_ATTEMPTS).
	// Default 5.
	MaxAttempts int
	// QueueMax is how many flashpoints may be unfinished over all runs
	// (MASX_JOB_QUEUE_MAX): Submit admits a run only whole and only if its
	// flashpoints fit with every other live run's, else refuses it with
	// ErrQueueFull. The bound is exact under concurrent submissions from
	// any number of processes (see Submit). Default 10000.
	QueueMax int
	// PollInterval is how often workers look for new jobs. On a database
	// that cannot notify them (DriverOptions.PollOnly: SQLite), it is the
	// only way they learn of one. Default 500ms there, River's default
	// (1s) elsewhere.
	PollInterval time.Duration
	// SweepInterval is how often a process with workers looks for
	// flashpoints whose job River discarded unrecorded (see Sweep).
	// Default 1m.
	SweepInterval time.Duration
	// Logger receives job events; River's own chatter is logged at warn.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Workers < 0 || c.MaxAttempts < 0 || c.QueueMax < 0 || c.JobTimeout < 0 || c.RescueAfter < 0 {
		return c, fmt.Errorf("jobs: Config has a negative value (Workers=%d MaxAttempts=%d QueueMax=%d JobTimeout=%s RescueAfter=%s): want ≥ 0",
			c.Workers, c.MaxAttempts, c.QueueMax, c.JobTimeout, c.RescueAfter)
	}
	if c.Queue == "" {
		c.Queue = QueueDefault
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = JobTimeoutDefault
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = c.JobTimeout + rescueMargin
	}
	if c.RescueAfter <= c.JobTimeout {
		return c, fmt.Errorf("jobs: RescueAfter %s must exceed JobTimeout %s, or jobs still working would be handed to a second worker", c.RescueAfter, c.JobTimeout)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = MaxAttemptsDefault
	}
	if c.QueueMax == 0 {
		c.QueueMax = QueueMaxDefault
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = SweepIntervalDefault
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Deps are what Jobs works with.
type Deps struct {
	// Store holds runs and results. Its database also holds River's
	// tables, reached through the Driver given to New. Required.
	Store store.Store
	// Pipeline processes flashpoints; required when Workers > 0.
	Pipeline *pipeline.Pipeline
	// Registerer receives the job metrics; optional.
	Registerer prometheus.Registerer
}

// riverClient is what Jobs uses of *river.Client[TTx]; it hides the
// driver's transaction type so one Jobs serves SQLite and PostgreSQL.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobDeleteMany(ctx context.Context, params *river.JobDeleteManyParams) (*river.JobDeleteManyResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// Jobs submits runs as flashpoint jobs and, with Workers > 0, works them.
type Jobs struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	client  riverClient
	metrics *metrics

	mu      sync.Mutex
	started bool
	stopped bool
	// faults holds, per run, a failure a worker of this process could
	// not record in the store (a full disk), for WaitOrCancel.
	faults    map[string]error
	stopSweep chan struct{}
	sweepDone sync.WaitGroup
}

// New migrates River's tables in drv's database and builds a client over
// it. drv reaches the same database as deps.Store (see NewDriver). Workers
// do not take jobs until Start.
func New(ctx context.Context, drv Driver, cfg Config, deps Deps) (*Jobs, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if deps.Store == nil {
		return nil, errors.New("jobs: Deps.Store is nil")
	}
	if c.Workers > 0 && deps.Pipeline == nil {
		return nil, fmt.Errorf("jobs: Workers = %d needs Deps.Pipeline", c.Workers)
	}
	if drv.newClient == nil {
		return nil, errors.New("jobs: the Driver is the zero value; build it with NewDriver")
	}
	j := &Jobs{cfg: c, deps: deps, log: c.Logger, metrics: newMetrics(deps.Store)}
	if deps.Registerer != nil {
		if err := j.metrics.register(deps.Registerer); err != nil {
			return nil, fmt.Errorf("jobs: registering metrics: %w", err)
		}
	}

	rc := &river.Config{
		ID:                   clientID(),
		JobTimeout:           c.JobTimeout,
		RescueStuckJobsAfter: c.RescueAfter,
		MaxAttempts:          c.MaxAttempts,
		Logger:               riverLogger(c.Logger),
		FetchPollInterval:    c.PollInterval,
	}
	if c.Workers > 0 {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &flashpointWorker{j: j}); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{c.Queue: {MaxWorkers: c.Workers}}
		for _, q := range c.Queues {
			rc.Queues[q] = river.QueueConfig{MaxWorkers: c.Workers}
		}
	}

	if err := drv.migrate(ctx); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if drv.pollOnly {
		rc.PollOnly = true
		if rc.FetchPollInterval == 0 {
			rc.FetchPollInterval = pollIntervalPollOnly
		}
	}
	if j.client, err = drv.newClient(rc); err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return j, nil
}

// clientID names this process in River's attempted_by column, so an
// operator can tell which worker (host and pid) holds or held a job.
func clientID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("masx-%s-pid%d-%s", host, os.Getpid(), time.Now().UTC().Format("20060102T150405.000000"))
}

// unrecordedFailure keeps err, the first failure of run runID that could
// not be written to the store, for WaitOrCancel.
func (j *Jobs) unrecordedFailure(runID string, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.faults == nil {
		j.faults = map[string]error{}
	}
	if j.faults[runID] == nil {
		j.faults[runID] = err
	}
}

// unrecorded returns run runID's unrecorded failure, or nil.
func (j *Jobs) unrecorded(runID string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.faults[runID]
}

// Config returns the effective configuration.
func (j *Jobs) Config() Config { return j.cfg }

// Start begins working jobs. It is an error on an insert-only Jobs.
func (j *Jobs) Start(ctx context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.stopped:
		return ErrClosed
	case j.cfg.Workers == 0:
		return fmt.Errorf("jobs: Start: %w (Workers = 0)", ErrNoWorkers)
	case j.started:
		return nil
	}
	// River's client outlives the caller's context: it is stopped by Stop.
	if err := j.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: starting workers: %w", err)
	}
	j.started = true
	j.stopSweep = make(chan struct{})
	j.sweepDone.Go(func() { j.sweepLoop(j.stopSweep, j.cfg.SweepInterval) })
	return nil
}

// Stop stops taking jobs and waits for in-flight ones until ctx ends;
// then it cancels them (their articles are stored as cancelled and River
// retries the jobs later, here or on another worker). Stop is idempotent.
func (j *Jobs) Stop(ctx context.Context) error {
	j.mu.Lock()
	started := j.started && !j.stopped
	j.stopped = true
	j.mu.Unlock()
	if !started {
		return nil
	}
	close(j.stopSweep)
	j.sweepDone.Wait()
	err := j.client.Stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("jobs: stopping: %w", err)
	}
	j.log.Warn("jobs: grace period over, cancelling in-flight jobs", "err", err)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := j.client.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("jobs: cancelling in-flight jobs: %w", err)
	}
	return nil
}
