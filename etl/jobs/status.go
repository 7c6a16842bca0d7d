package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

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
		if r.State.Finished() {
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
		if f.State.Finished() {
			finished++
		}
		if f.State == news.RunFailed || f.State == news.RunCancelled {
			s.Failed = append(s.Failed, f)
		}
	}
	switch {
	case len(fs) > 0:
		s.Progress = float64(finished) / float64(len(fs))
	case r.State.Finished():
		s.Progress = 1
	}
	end := time.Now()
	if !r.FinishedAt.IsZero() {
		end = r.FinishedAt
	}
	s.Elapsed = end.Sub(r.StartedAt)
	return s, nil
}
