package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// MASXClusterWriter is implemented by stores that keep the original's
// daily cluster tables (*postgres.Store).
type MASXClusterWriter interface {
	WriteMASXClusters(ctx context.Context, date time.Time, flashpointID string, cs []news.Cluster) error
}

// Permanent marks err as one a retry cannot fix; the job is cancelled at
// once and its flashpoint recorded failed. Bad input (input.ErrInput) and
// store validation errors (store.ErrInvalid, store.ErrNotFound) count as
// permanent without being marked.
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe) || errors.Is(err, input.ErrInput) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound)
}

type flashpointWorker struct {
	river.WorkerDefaults[FlashpointArgs]
	j *Jobs
}

func (w *flashpointWorker) Timeout(*river.Job[FlashpointArgs]) time.Duration {
	return w.j.cfg.JobTimeout
}

func (w *flashpointWorker) Work(ctx context.Context, job *river.Job[FlashpointArgs]) error {
	j, a := w.j, job.Args
	log := j.log.With("run", a.RunID, "flashpoint", a.FlashpointID, "job", job.ID, "attempt", job.Attempt)
	start := time.Now()
	j.metrics.running.Inc()
	defer j.metrics.running.Dec()
	outcome, err := w.work(ctx, job, log)
	j.metrics.observe(outcome, time.Since(start))
	return err
}

// work returns the outcome label for metrics and River's verdict.
func (w *flashpointWorker) work(ctx context.Context, job *river.Job[FlashpointArgs], log *slog.Logger) (string, error) {
	j, a := w.j, job.Args
	st := j.deps.Store
	run, err := st.GetRun(ctx, a.RunID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "cancelled", river.JobCancel(fmt.Errorf("run %s is not stored: %w", a.RunID, err))
	case err != nil:
		return "retried", fmt.Errorf("reading run %s: %w", a.RunID, err)
	case run.Attempt != a.Attempt || run.State.Finished():
		log.Info("job superseded", "run_attempt", run.Attempt, "run_state", run.State)
		return "superseded", nil
	}
	work, err := a.work()
	if err != nil {
		return "retried", err
	}

	rep, err := j.deps.Pipeline.ProcessFlashpoint(ctx, a.RunID, work)
	if err == nil && a.MASXDate != "" {
		err = j.writeMASX(ctx, a)
	}
	// The job's context may be over (timeout, shutdown); the verdict is
	// recorded regardless.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	finish := func(state news.RunState, msg string) error {
		r, ferr := st.FinishFlashpoint(fctx, a.RunID, a.FlashpointID, state, msg)
		if ferr != nil {
			return fmt.Errorf("recording flashpoint %s of run %s: %w", a.FlashpointID, a.RunID, ferr)
		}
		if r.State.Finished() {
			log.Info("run finished", "state", r.State)
		}
		return nil
	}

	switch {
	case err == nil:
		if ferr := finish(news.RunCompleted, ""); errors.Is(ferr, store.ErrNoSpace) {
			return "failed", w.failNoSpace(fctx, job, log, ferr)
		} else if ferr != nil {
			// Processing again is cheap: stored articles are skipped.
			return "retried", ferr
		}
		log.Info("flashpoint done", "articles", rep.Articles, "clusters", rep.Clusters, "took", rep.Duration.Round(time.Millisecond))
		return "completed", nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		msg := fmt.Sprintf("job timed out after %s; in-flight articles stored as cancelled", j.cfg.JobTimeout)
		log.Warn("flashpoint job timed out", "timeout", j.cfg.JobTimeout)
		return "timed_out", river.JobCancel(errors.Join(errors.New(msg), finish(news.RunFailed, msg)))
	case ctx.Err() != nil:
		// Shutdown: River retries the job; the next attempt continues.
		return "retried", fmt.Errorf("flashpoint %s interrupted: %w", a.FlashpointID, err)
	case errors.Is(err, store.ErrNoSpace):
		return "failed", w.failNoSpace(fctx, job, log, err)
	case permanent(err):
		log.Error("flashpoint failed permanently", "err", err)
		return "failed", river.JobCancel(errors.Join(err, finish(news.RunFailed, err.Error())))
	case job.Attempt >= job.MaxAttempts:
		log.Error("flashpoint failed, no attempts left", "err", err)
		return "failed", errors.Join(err, finish(news.RunFailed, fmt.Sprintf("after %d attempts: %v", job.Attempt, err)))
	default:
		log.Warn("flashpoint failed, will retry", "err", err)
		return "retried", err
	}
}

// noSpaceTries writes, noSpaceWait apart, are how hard failNoSpace tries
// to record a failure on a full disk: a few seconds in all, for space that
// frees itself (a rolled-back transaction, a checkpoint), before it gives
// up and leaves the failure to WaitOrCancel and Sweep.
const (
	noSpaceTries = 5
	noSpaceWait  = time.Second
)

// failNoSpace ends a job whose flashpoint could not be stored for lack of
// disk space, err being that failure: the flashpoint is recorded failed
// with an ENOSPC reason and, since every other flashpoint would fail the
// same way, so is its run (unless a newer attempt has taken it over), so
// the run ends now rather than after minutes of retries. It stays
// resumable: submitting it again redoes what did not complete. The job is
// cancelled, not retried. When not even that small write goes through,
// the failure is handed to this process's WaitOrCancel (masx run ends with
// it) and stays in the cancelled job's error, which Sweep records once
// there is space again.
func (w *flashpointWorker) failNoSpace(fctx context.Context, job *river.Job[FlashpointArgs], log *slog.Logger, err error) error {
	j, a := w.j, job.Args
	st := j.deps.Store
	reason := fmt.Sprintf("disk full: %v; free disk space, then resume the run (submit run %s again)", err, a.RunID)
	log.Error("flashpoint failed: no space left on device; failing the run", "err", err)
	record := func() error {
		r, err := st.FinishFlashpoint(fctx, a.RunID, a.FlashpointID, news.RunFailed, reason)
		if err != nil || r.State.Finished() || r.Attempt != a.Attempt {
			return err
		}
		return st.FinishRun(fctx, a.RunID, news.RunFailed, reason)
	}
	var rerr error
	for try := 1; ; try++ {
		rerr = record()
		if rerr == nil || !errors.Is(rerr, store.ErrNoSpace) || try == noSpaceTries {
			break
		}
		select {
		case <-fctx.Done():
		case <-time.After(noSpaceWait):
		}
	}
	if rerr != nil {
		log.Error("could not record the failure", "err", rerr)
		j.unrecordedFailure(a.RunID, fmt.Errorf("run %s: flashpoint %s failed: %s; recording that failed too: %w", a.RunID, a.FlashpointID, reason, rerr))
	}
	return river.JobCancel(errors.Join(errors.New(reason), rerr))
}

func (j *Jobs) writeMASX(ctx context.Context, a FlashpointArgs) error {
	w, ok := j.deps.Store.(MASXClusterWriter)
	if !ok {
		return Permanent(fmt.Errorf("masx_date %s: the store %T has no MASX tables (use PostgreSQL)", a.MASXDate, j.deps.Store))
	}
	date, err := ParseMASXDate(a.MASXDate)
	if err != nil {
		return Permanent(err)
	}
	cs, err := j.deps.Store.Clusters(ctx, store.ClusterQuery{RunID: a.RunID, FlashpointID: a.FlashpointID})
	if err != nil {
		return fmt.Errorf("reading clusters of flashpoint %s: %w", a.FlashpointID, err)
	}
	if err := w.WriteMASXClusters(ctx, date, a.FlashpointID, cs); err != nil {
		return fmt.Errorf("writing MASX clusters for %s: %w", a.MASXDate, err)
	}
	return nil
}
