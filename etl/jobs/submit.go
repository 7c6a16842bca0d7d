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
// A new run is refused with ErrQueueFull when QueueMax flashpoints are
// already unfinished. When src fails or ctx ends mid-way, the run is
// recorded failed or cancelled and the error returned; jobs already queued
// see that and end without work.
func (j *Jobs) Submit(ctx context.Context, run news.Run, src pipeline.Source, opts SubmitOptions) (Submission, error) {
	sub := Submission{}
	if run.ID == "" {
		return sub, fmt.Errorf("jobs: Submit: %w: run ID is empty", store.ErrInvalid)
	}
	if opts.MASXDate != "" {
		if _, err := ParseMASXDate(opts.MASXDate); err != nil {
			return sub, err
		}
	}
	j.mu.Lock()
	stopped := j.stopped
	j.mu.Unlock()
	if stopped {
		return sub, ErrClosed
	}
	st := j.deps.Store
	n, err := st.UnfinishedFlashpoints(ctx)
	if err != nil {
		return sub, fmt.Errorf("jobs: counting queued flashpoints: %w", err)
	}
	if n >= j.cfg.QueueMax {
		j.metrics.rejected.Inc()
		return sub, fmt.Errorf("jobs: %w: %d flashpoints unfinished, limit %d", ErrQueueFull, n, j.cfg.QueueMax)
	}

	run.State = news.RunQueued
	if run.StartedAt.IsZero() {
		run.StartedAt = time.Now().UTC()
	}
	done := map[string]bool{}
	err = st.CreateRun(ctx, run)
	switch {
	case errors.Is(err, store.ErrExists):
		resumed, err := st.ResumeRun(ctx, run.ID, news.RunQueued)
		if err != nil {
			return sub, fmt.Errorf("jobs: resuming run %s: %w", run.ID, err)
		}
		run = resumed
		states, err := st.FlashpointStates(ctx, run.ID)
		if err != nil {
			return sub, fmt.Errorf("jobs: reading run %s: %w", run.ID, err)
		}
		for _, s := range states {
			done[s.ID] = s.State == news.RunCompleted
		}
	case err != nil:
		return sub, fmt.Errorf("jobs: recording run %s: %w", run.ID, err)
	default:
		if run, err = st.GetRun(ctx, run.ID); err != nil {
			return sub, fmt.Errorf("jobs: reading run %s: %w", run.ID, err)
		}
	}
	sub.Run = run

	var (
		fps    []news.Flashpoint
		params []river.InsertManyParams
	)
	flush := func() error {
		if len(fps) == 0 {
			return nil
		}
		if err := st.UpsertFlashpoints(ctx, run.ID, fps); err != nil {
			return fmt.Errorf("recording flashpoints: %w", err)
		}
		if len(params) > 0 {
			res, err := j.client.InsertMany(ctx, params)
			if err != nil {
				return fmt.Errorf("queueing %d jobs: %w", len(params), err)
			}
			for _, r := range res {
				if !r.UniqueSkippedAsDuplicate {
					sub.Queued++
				}
			}
			j.metrics.inserted.Add(float64(len(params)))
		}
		fps, params = fps[:0], params[:0]
		return nil
	}
	srcErr := src(func(w pipeline.Work) error {
		sub.Flashpoints++
		fp := w.Flashpoint
		fp.Feeds = nil
		fps = append(fps, fp)
		if done[w.Flashpoint.ID] {
			sub.Done++
		} else {
			params = append(params, river.InsertManyParams{
				Args:       FlashpointArgs{RunID: run.ID, FlashpointID: w.Flashpoint.ID, Attempt: run.Attempt, Work: w, MASXDate: opts.MASXDate},
				InsertOpts: &river.InsertOpts{Queue: j.cfg.Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}},
			})
		}
		if len(fps) >= insertBatch {
			return flush()
		}
		return nil
	})
	if srcErr == nil {
		srcErr = flush()
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if srcErr != nil || ctx.Err() != nil {
		state, msg := news.RunFailed, fmt.Sprintf("submitting: %v", srcErr)
		if ctx.Err() != nil {
			state, msg = news.RunCancelled, "submission interrupted: "+ctx.Err().Error()
		}
		if err := st.FinishRun(fctx, run.ID, state, msg); err != nil {
			srcErr = errors.Join(srcErr, err)
		}
		sub.Run.State = state
		return sub, fmt.Errorf("jobs: run %s: %w", run.ID, errors.Join(srcErr, ctx.Err()))
	}
	if sub.Run, err = st.SettleRun(fctx, run.ID); err != nil {
		return sub, fmt.Errorf("jobs: starting run %s: %w", run.ID, err)
	}
	j.log.Info("run submitted", "run", run.ID, "attempt", run.Attempt, "flashpoints", sub.Flashpoints, "queued", sub.Queued, "already_done", sub.Done)
	return sub, nil
}

// Finished reports whether a run state is final.
func Finished(s news.RunState) bool {
	return s == news.RunCompleted || s == news.RunFailed || s == news.RunCancelled
}

// Wait polls the store until run runID is finished or ctx ends, calling
// progress (when not nil) after each poll. Any process can wait for any
// run: it needs only the store.
func Wait(ctx context.Context, st store.Store, runID string, every time.Duration, progress func(news.Run)) (news.Run, error) {
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r, err := st.GetRun(ctx, runID)
		if err != nil {
			return r, fmt.Errorf("jobs: waiting for run %s: %w", runID, err)
		}
		if progress != nil {
			progress(r)
		}
		if Finished(r.State) {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-t.C:
		}
	}
}

// Status is a run as seen from any machine.
type Status struct {
	Run news.Run `json:"run"`
	// Articles counts the run's stored articles by status.
	Articles map[news.Status]int `json:"articles"`
	// Flashpoints counts flashpoints by state (running means unfinished).
	Flashpoints map[news.RunState]int `json:"flashpoints"`
	// Failed lists flashpoints that did not complete, with the reason.
	Failed []news.FlashpointState `json:"failed,omitempty"`
	// Progress is finished flashpoints / all flashpoints (0..1).
	Progress float64 `json:"progress"`
	// Elapsed is the run's wall time so far, or in all when finished.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// RunStatus reads a run's status from the store; a missing run gives
// store.ErrNotFound.
func RunStatus(ctx context.Context, st store.Store, runID string) (Status, error) {
	var s Status
	r, err := st.GetRun(ctx, runID)
	if err != nil {
		return s, err
	}
	s.Run = r
	if s.Articles, err = st.CountByStatus(ctx, runID); err != nil {
		return s, err
	}
	fs, err := st.FlashpointStates(ctx, runID)
	if err != nil {
		return s, err
	}
	s.Flashpoints = map[news.RunState]int{}
	finished := 0
	for _, f := range fs {
		s.Flashpoints[f.State]++
		if Finished(f.State) {
			finished++
		}
		if f.State == news.RunFailed || f.State == news.RunCancelled {
			s.Failed = append(s.Failed, f)
		}
	}
	switch {
	case len(fs) > 0:
		s.Progress = float64(finished) / float64(len(fs))
	case Finished(r.State):
		s.Progress = 1
	}
	end := time.Now()
	if !r.FinishedAt.IsZero() {
		end = r.FinishedAt
	}
	s.Elapsed = end.Sub(r.StartedAt)
	return s, nil
}
