package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// RunReport says what a run did.
type RunReport struct {
	RunID       string
	State       news.RunState
	Flashpoints []FlashpointReport
	Articles    int
	ByStatus    map[news.Status]int
	Clusters    int
	Duration    time.Duration
	// Errors holds each flashpoint that failed, by id.
	Errors map[string]error
}

// Source yields the flashpoints of a run one at a time; yield blocks while
// FlashpointConcurrency flashpoints are in flight, so a streaming source
// reads its input only as fast as the pipeline processes it. A source stops
// when yield returns an error and returns that error.
type Source func(yield func(Work) error) error

// Slice is a Source over flashpoints already in memory.
func Slice(ws []Work) Source {
	return func(yield func(Work) error) error {
		for _, w := range ws {
			if err := yield(w); err != nil {
				return err
			}
		}
		return nil
	}
}

// Run processes the flashpoints src yields as run run.ID: it records the
// run (or resumes it when the id exists, skipping finished articles),
// processes up to FlashpointConcurrency flashpoints at once, and records
// how the run ended.
//
// Run returns an error only when the run itself failed (the store or the
// source failed, a flashpoint could not be processed) or ctx ended; failed
// articles are results, not errors.
func (p *Pipeline) Run(ctx context.Context, run news.Run, src Source) (RunReport, error) {
	start := time.Now()
	rep := RunReport{RunID: run.ID, ByStatus: map[news.Status]int{}, Errors: map[string]error{}}
	run.State = news.RunRunning
	if run.StartedAt.IsZero() {
		run.StartedAt = time.Now().UTC()
	}
	if err := p.deps.Store.CreateRun(ctx, run); errors.Is(err, store.ErrExists) {
		if _, err := p.deps.Store.ResumeRun(ctx, run.ID, news.RunRunning); err != nil {
			return rep, fmt.Errorf("resuming run %s: %w", run.ID, err)
		}
	} else if err != nil {
		return rep, fmt.Errorf("recording run %s: %w", run.ID, err)
	}

	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, p.cfg.FlashpointConcurrency)
	)
	record := func(fr FlashpointReport, id string, err error) {
		mu.Lock()
		defer mu.Unlock()
		rep.Flashpoints = append(rep.Flashpoints, fr)
		rep.Articles += fr.Articles
		if err != nil && ctx.Err() == nil {
			p.log.Error("flashpoint failed", "run", run.ID, "flashpoint", id, "err", err)
			rep.Errors[id] = err
		}
	}
	srcErr := src(func(w Work) error {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := p.deps.Store.UpsertFlashpoints(uctx, run.ID, []news.Flashpoint{w.Flashpoint}); err != nil {
			return fmt.Errorf("recording flashpoint %s: %w", w.Flashpoint.ID, err)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			// Not started: its articles still end with a status.
			fr, err := p.ProcessFlashpoint(ctx, run.ID, w)
			record(fr, w.Flashpoint.ID, err)
			return nil
		}
		wg.Go(func() {
			defer func() { <-sem }()
			fr, err := p.ProcessFlashpoint(ctx, run.ID, w)
			record(fr, w.Flashpoint.ID, err)
		})
		return nil
	})
	wg.Wait()
	sort.Slice(rep.Flashpoints, func(i, j int) bool { return rep.Flashpoints[i].FlashpointID < rep.Flashpoints[j].FlashpointID })
	for _, fr := range rep.Flashpoints {
		rep.Clusters += fr.Clusters
	}
	rep.Duration = time.Since(start)

	state, msg := news.RunCompleted, ""
	switch {
	case ctx.Err() != nil:
		state, msg = news.RunCancelled, ctx.Err().Error()
	case srcErr != nil:
		state, msg = news.RunFailed, fmt.Sprintf("reading input: %v", srcErr)
	case len(rep.Errors) > 0:
		state = news.RunFailed
		ids := make([]string, 0, len(rep.Errors))
		for id := range rep.Errors {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		msg = fmt.Sprintf("%d flashpoint(s) failed; %s: %v", len(ids), ids[0], rep.Errors[ids[0]])
	}
	rep.State = state
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if counts, err := p.deps.Store.CountByStatus(fctx, run.ID); err == nil {
		rep.ByStatus = counts
	}
	if err := p.deps.Store.FinishRun(fctx, run.ID, state, msg); err != nil {
		return rep, fmt.Errorf("recording the end of run %s: %w", run.ID, err)
	}
	switch {
	case state == news.RunCancelled:
		return rep, ctx.Err()
	case srcErr != nil:
		return rep, srcErr
	case state == news.RunFailed:
		return rep, errors.New(msg)
	}
	return rep, nil
}
