package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// SweepIntervalDefault is how often workers look for flashpoints whose job
// River gave up on without the job recording it.
const SweepIntervalDefault = time.Minute

// sweepPage is how many jobs one JobList call of Sweep reads.
const sweepPage = 200

// Sweep records failed every flashpoint whose job River discarded or
// cancelled while the flashpoint was still unfinished in the store, and
// returns how many it recorded. That happens when a worker dies (SIGKILL,
// OOM, power) during a job's last attempt, so River's rescuer discards the
// job with no worker left to say so, or when an operator cancels a queued
// job with River's tools; without the sweep its run would never finish.
// Flashpoints of superseded attempts and finished runs are left alone.
// Workers sweep every SweepInterval on their own; Sweep is exported for
// operators and tests.
func (j *Jobs) Sweep(ctx context.Context) (int, error) {
	st := j.deps.Store
	swept := 0
	params := river.NewJobListParams().Kinds(KindFlashpoint).States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).First(sweepPage)
	for {
		res, err := j.client.JobList(ctx, params)
		if err != nil {
			return swept, fmt.Errorf("jobs: listing discarded and cancelled jobs: %w", err)
		}
		for _, row := range res.Jobs {
			var a FlashpointArgs
			if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
				j.log.Warn("jobs: sweep: unreadable job args", "job", row.ID, "err", err)
				continue
			}
			done, err := j.sweepOne(ctx, st, row, a)
			if err != nil {
				return swept, err
			}
			if done {
				swept++
			}
		}
		if len(res.Jobs) < sweepPage || res.LastCursor == nil {
			return swept, nil
		}
		params = params.After(res.LastCursor)
	}
}

func (j *Jobs) sweepOne(ctx context.Context, st store.Store, row *rivertype.JobRow, a FlashpointArgs) (bool, error) {
	run, err := st.GetRun(ctx, a.RunID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: sweep: reading run %s: %w", a.RunID, err)
	}
	if run.Attempt != a.Attempt || run.State.Finished() {
		return false, nil
	}
	states, err := st.FlashpointStates(ctx, a.RunID)
	if err != nil {
		return false, fmt.Errorf("jobs: sweep: reading run %s: %w", a.RunID, err)
	}
	for _, s := range states {
		if s.ID != a.FlashpointID || s.State.Finished() {
			continue
		}
		reason := fmt.Sprintf("job %d %s after %d attempt(s)", row.ID, row.State, row.Attempt)
		if n := len(row.Errors); n > 0 {
			reason += ": " + row.Errors[n-1].Error
		} else {
			reason += " (no error was recorded: its worker died, or it was cancelled from outside)"
		}
		if _, err := st.FinishFlashpoint(ctx, a.RunID, a.FlashpointID, news.RunFailed, reason); err != nil {
			return false, fmt.Errorf("jobs: sweep: recording flashpoint %s of run %s: %w", a.FlashpointID, a.RunID, err)
		}
		j.log.Warn("jobs: flashpoint recorded failed: its job was discarded", "run", a.RunID, "flashpoint", a.FlashpointID, "job", row.ID)
		// Counted, not timed: no job attempt ran here.
		j.metrics.outcomes.WithLabelValues("swept").Inc()
		return true, nil
	}
	return false, nil
}

// sweepLoop runs Sweep every interval until stop is closed.
func (j *Jobs) sweepLoop(stop <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			if _, err := j.Sweep(ctx); err != nil {
				j.log.Warn("jobs: sweep failed", "err", err)
			}
			cancel()
		}
	}
}
