package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// insertBatch is how many flashpoints are recorded and queued per
// transaction pair while a source streams.
const insertBatch = 64

// SubmitOptions adjusts Submit.
type SubmitOptions struct {
	// MASXDate (YYYY-MM-DD), when set, makes every job also write its
	// clusters to news_clusters_YYYYMMDD.
	MASXDate string
}

// Submission says what Submit queued.
type Submission struct {
	Run news.Run
	// Flashpoints is how many the source yielded; Queued how many got a
	// new job; Done how many were already completed by an earlier attempt.
	Flashpoints, Queued, Done int
}

// Submit records run (or resumes it when its ID is stored) and queues one
// job per flashpoint src yields. The run stays queued, so it cannot finish,
// until every job is in; then it is running, and finished by the worker
// that finishes its last flashpoint (or at once when nothing is left).
//
// The queue bound is exact: a run is admitted only whole, and only if its
// unfinished flashpoints fit under QueueMax with every other live run's.
// Each batch of flashpoints is counted and stored in one transaction that
// every submitter, in every process, takes in turn
// (store.Store.AdmitFlashpoints), so concurrent submissions cannot
// overshoot. A run that does not fit is refused with ErrQueueFull: nothing
// of it stays queued (its jobs are deleted, a new run is withdrawn from
// the store, a resumed one recorded failed), and what it had taken of the
// queue is free again. When the queue is already full the run is refused
// before anything is recorded. A resumed run's flashpoints that its
// earlier attempt left unfinished count again from the moment it is
// resumed, before its first batch is admitted.
//
// When src fails or ctx ends mid-way, the run is recorded failed or
// cancelled and the error returned; jobs already queued see that and end
// without work.
func (j *Jobs) Submit(ctx context.Context, run news.Run, src pipeline.Source, opts SubmitOptions) (Submission, error) {
	if err := j.admit(ctx, run.ID, opts); err != nil {
		return Submission{}, err
	}
	run, done, created, err := j.openRun(ctx, run)
	if err != nil {
		return Submission{}, err
	}
	// A new attempt starts with no failure left unrecorded.
	j.mu.Lock()
	delete(j.faults, run.ID)
	j.mu.Unlock()
	sub := Submission{Run: run}
	ids, srcErr := j.enqueue(ctx, &sub, src, done, opts.MASXDate)
	// The outcome is recorded even when ctx has ended.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if errors.Is(srcErr, ErrQueueFull) {
		return Submission{}, j.refuse(fctx, &sub, created, ids, srcErr)
	}
	if srcErr != nil || ctx.Err() != nil {
		return sub, j.abandon(ctx, fctx, &sub, srcErr)
	}
	if sub.Run, err = j.deps.Store.SettleRun(fctx, run.ID); err != nil {
		return sub, fmt.Errorf("jobs: starting run %s: %w", run.ID, err)
	}
	j.log.Info("run submitted", "run", run.ID, "attempt", run.Attempt, "flashpoints", sub.Flashpoints, "queued", sub.Queued, "already_done", sub.Done)
	return sub, nil
}

// admit checks a submission before anything is recorded: its run ID and
// date, that this Jobs is not stopped, and that the queue is not full
// already. The last check is a cheap early answer, not the bound: that is
// kept by AdmitFlashpoints as the flashpoints are stored.
func (j *Jobs) admit(ctx context.Context, runID string, opts SubmitOptions) error {
	if runID == "" {
		return fmt.Errorf("jobs: Submit: %w: run ID is empty", store.ErrInvalid)
	}
	if opts.MASXDate != "" {
		if _, err := ParseMASXDate(opts.MASXDate); err != nil {
			return err
		}
	}
	j.mu.Lock()
	stopped := j.stopped
	j.mu.Unlock()
	if stopped {
		return ErrClosed
	}
	n, err := j.deps.Store.UnfinishedFlashpoints(ctx)
	if err != nil {
		return fmt.Errorf("jobs: counting queued flashpoints: %w", err)
	}
	if n >= j.cfg.QueueMax {
		j.metrics.rejected.Inc()
		return fmt.Errorf("jobs: %w: %d flashpoints unfinished, limit %d", ErrQueueFull, n, j.cfg.QueueMax)
	}
	return nil
}

// openRun records run as queued or, when its ID is stored, resumes it as
// a new attempt; done holds the flashpoints an earlier attempt completed,
// and created says the run is new.
func (j *Jobs) openRun(ctx context.Context, run news.Run) (_ news.Run, done map[string]bool, created bool, _ error) {
	st := j.deps.Store
	run.State = news.RunQueued
	if run.StartedAt.IsZero() {
		run.StartedAt = time.Now().UTC()
	}
	done = map[string]bool{}
	err := st.CreateRun(ctx, run)
	switch {
	case errors.Is(err, store.ErrExists):
		resumed, err := st.ResumeRun(ctx, run.ID, news.RunQueued)
		if err != nil {
			return run, nil, false, fmt.Errorf("jobs: resuming run %s: %w", run.ID, err)
		}
		states, err := st.FlashpointStates(ctx, run.ID)
		if err != nil {
			return run, nil, false, fmt.Errorf("jobs: reading run %s: %w", run.ID, err)
		}
		for _, s := range states {
			done[s.ID] = s.State == news.RunCompleted
		}
		return resumed, done, false, nil
	case err != nil:
		return run, nil, false, fmt.Errorf("jobs: recording run %s: %w", run.ID, err)
	}
	if run, err = st.GetRun(ctx, run.ID); err != nil {
		return run, nil, true, fmt.Errorf("jobs: reading run %s: %w", run.ID, err)
	}
	return run, done, true, nil
}

// enqueue records the flashpoints src yields under sub.Run and queues a
// job for each one not in done, insertBatch flashpoints at a time, so a
// streamed source of any size is held in memory a batch at a time. It
// returns the IDs of the jobs it queued, for refuse.
func (j *Jobs) enqueue(ctx context.Context, sub *Submission, src pipeline.Source, done map[string]bool, masxDate string) ([]int64, error) {
	var (
		fps    []news.Flashpoint
		params []river.InsertManyParams
		ids    []int64
	)
	flush := func() error {
		var err error
		ids, err = j.insert(ctx, sub, fps, params, ids)
		fps, params = fps[:0], params[:0]
		return err
	}
	err := src(func(w pipeline.Work) error {
		sub.Flashpoints++
		fp := w.Flashpoint
		fp.Feeds = nil // the flashpoint's row; the job carries its feeds
		fps = append(fps, fp)
		if done[fp.ID] {
			sub.Done++
		} else {
			params = append(params, river.InsertManyParams{
				Args:       argsOf(sub.Run.ID, sub.Run.Attempt, w, masxDate),
				InsertOpts: &river.InsertOpts{Queue: j.cfg.Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}},
			})
		}
		if len(fps) >= insertBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return ids, err
	}
	return ids, flush()
}

// insert admits fps as flashpoints of sub.Run under the queue bound, then
// queues params and appends the new jobs' IDs to ids; jobs River already
// holds (same run, flashpoint and attempt) are not counted in sub.Queued.
// A batch over the bound is ErrQueueFull.
func (j *Jobs) insert(ctx context.Context, sub *Submission, fps []news.Flashpoint, params []river.InsertManyParams, ids []int64) ([]int64, error) {
	if len(fps) == 0 {
		return ids, nil
	}
	err := j.deps.Store.AdmitFlashpoints(ctx, sub.Run.ID, fps, j.cfg.QueueMax)
	if errors.Is(err, store.ErrOverLimit) {
		return ids, fmt.Errorf("%w: run %s does not fit: %w", ErrQueueFull, sub.Run.ID, err)
	}
	if err != nil {
		return ids, fmt.Errorf("recording flashpoints: %w", err)
	}
	if len(params) == 0 {
		return ids, nil
	}
	res, err := j.client.InsertMany(ctx, params)
	if err != nil {
		return ids, fmt.Errorf("queueing %d jobs: %w", len(params), err)
	}
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			sub.Queued++
			ids = append(ids, r.Job.ID)
		}
	}
	j.metrics.inserted.Add(float64(len(params)))
	return ids, nil
}

// refuse undoes a submission the queue had no room for, under fctx: a new
// run is withdrawn from the store (so a refused run is not stored, and its
// ID is free to submit again), a resumed one is recorded failed with the
// reason; then the jobs it queued are deleted. A job a worker took
// meanwhile finds its run gone or finished and ends without work.
func (j *Jobs) refuse(fctx context.Context, sub *Submission, created bool, ids []int64, why error) error {
	j.metrics.rejected.Inc()
	st, id := j.deps.Store, sub.Run.ID
	var errs []error
	switch {
	case created:
		err := st.WithdrawRun(fctx, id)
		if errors.Is(err, store.ErrInvalid) {
			// Another submission of the same ID resumed it meanwhile:
			// the run is now that submission's.
			j.log.Warn("jobs: refused run was resumed by another submission; left to it", "run", id, "err", err)
			err = nil
		}
		errs = append(errs, err)
	default:
		errs = append(errs, st.FinishRun(fctx, id, news.RunFailed, "resubmission refused: "+why.Error()))
	}
	for lo := 0; lo < len(ids); lo += insertBatch {
		chunk := ids[lo:min(lo+insertBatch, len(ids))]
		if _, err := j.client.JobDeleteMany(fctx, river.NewJobDeleteManyParams().IDs(chunk...).First(len(chunk))); err != nil {
			errs = append(errs, fmt.Errorf("deleting %d queued jobs: %w", len(chunk), err))
		}
	}
	j.log.Info("run refused: job queue full", "run", id, "attempt", sub.Run.Attempt, "flashpoints_seen", sub.Flashpoints, "jobs_deleted", len(ids), "err", why)
	return fmt.Errorf("jobs: %w", errors.Join(append([]error{why}, errs...)...))
}

// abandon records a submission that did not complete: failed when the
// source failed, cancelled when ctx ended. It writes under fctx, which
// outlives ctx. Jobs already queued see the finished run and end without
// work.
func (j *Jobs) abandon(ctx, fctx context.Context, sub *Submission, srcErr error) error {
	state, msg := news.RunFailed, fmt.Sprintf("submitting: %v", srcErr)
	if ctx.Err() != nil {
		state, msg = news.RunCancelled, "submission interrupted: "+ctx.Err().Error()
	}
	if err := j.deps.Store.FinishRun(fctx, sub.Run.ID, state, msg); err != nil {
		srcErr = errors.Join(srcErr, err)
	}
	sub.Run.State = state
	return fmt.Errorf("jobs: run %s: %w", sub.Run.ID, errors.Join(srcErr, ctx.Err()))
}
