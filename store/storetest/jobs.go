package storetest

// Run tracking for job mode: one job per flashpoint, possibly on several
// workers, and a run that finishes when its last flashpoint does.

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// jobRun creates run id in state with flashpoints fp-1 … fp-n.
func jobRun(t *testing.T, s store.Store, id string, state news.RunState, n int) {
	t.Helper()
	require.NoError(t, s.CreateRun(t.Context(), news.Run{ID: id, State: state, Flashpoints: n}))
	fps := make([]news.Flashpoint, n)
	for i := range fps {
		fps[i] = news.Flashpoint{ID: fmt.Sprintf("fp-%d", i+1), Title: fmt.Sprint("flashpoint ", i+1)}
	}
	require.NoError(t, s.UpsertFlashpoints(t.Context(), id, fps))
}

// finish calls FinishFlashpoint and checks that the run it returns is the
// run as stored.
func finish(t *testing.T, s store.Store, run, fp string, state news.RunState, errMsg string) news.Run {
	t.Helper()
	r, err := s.FinishFlashpoint(t.Context(), run, fp, state, errMsg)
	require.NoError(t, err)
	got, err := s.GetRun(t.Context(), run)
	require.NoError(t, err)
	require.Equal(t, got, r, "FinishFlashpoint returns the run as stored")
	return r
}

func requireUnfinished(t *testing.T, r news.Run, state news.RunState) {
	t.Helper()
	require.Equal(t, state, r.State)
	require.True(t, r.FinishedAt.IsZero(), "run %s has finished time %v; want none", r.State, r.FinishedAt)
	require.Empty(t, r.Error)
}

func requireFinished(t *testing.T, r news.Run, state news.RunState, errMsg string) {
	t.Helper()
	require.Equal(t, state, r.State)
	require.Equal(t, errMsg, r.Error)
	require.False(t, r.FinishedAt.IsZero(), "finished run has no finished time")
	require.False(t, r.FinishedAt.Before(r.StartedAt))
}

func states(t *testing.T, s store.Store, run string) map[string]news.FlashpointState {
	t.Helper()
	fs, err := s.FlashpointStates(t.Context(), run)
	require.NoError(t, err)
	m := make(map[string]news.FlashpointState, len(fs))
	for _, f := range fs {
		m[f.ID] = f
	}
	return m
}

func testQueuedRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "q", State: news.RunQueued, Attempt: 9, FinishedAt: time.Now()}))
	r, err := s.GetRun(ctx, "q")
	require.NoError(t, err)
	requireUnfinished(t, r, news.RunQueued)
	require.Equal(t, 1, r.Attempt, "Attempt given to CreateRun is ignored")
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "r", State: news.RunRunning}))
	r, err = s.GetRun(ctx, "r")
	require.NoError(t, err)
	requireUnfinished(t, r, news.RunRunning)
	require.Equal(t, 1, r.Attempt)
	latest, err := s.LatestRun(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, latest.Attempt, "LatestRun reads Attempt")
	runs, err := s.Runs(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []int{1, 1}, []int{runs[0].Attempt, runs[1].Attempt}, "Runs reads Attempt")
}

func testResumeAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	jobRun(t, s, "r", news.RunRunning, 1)
	require.NoError(t, s.FinishRun(ctx, "r", news.RunFailed, "worker lost"))

	r, err := s.ResumeRun(ctx, "r", news.RunQueued)
	require.NoError(t, err)
	requireUnfinished(t, r, news.RunQueued)
	require.Equal(t, 2, r.Attempt)
	got, err := s.GetRun(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, r, got, "ResumeRun returns the run as stored")

	r, err = s.ResumeRun(ctx, "r", news.RunRunning)
	require.NoError(t, err)
	requireUnfinished(t, r, news.RunRunning)
	require.Equal(t, 3, r.Attempt, "each resume counts, finished or not")

	for _, st := range []news.RunState{"", news.RunCompleted, news.RunFailed, news.RunCancelled, "paused"} {
		_, err := s.ResumeRun(ctx, "r", st)
		require.ErrorIs(t, err, store.ErrInvalid, "resume as %q", st)
		if st != "" {
			require.ErrorContains(t, err, string(st), "error names the state")
		}
	}
	_, err = s.ResumeRun(ctx, "missing", news.RunQueued)
	require.ErrorIs(t, err, store.ErrNotFound)
	got, err = s.GetRun(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, r, got, "rejected resumes changed nothing")
}

func testFlashpointStates(t *testing.T, s store.Store) {
	ctx := t.Context()
	jobRun(t, s, "r", news.RunRunning, 3)
	fs, err := s.FlashpointStates(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, []news.FlashpointState{
		{ID: "fp-1", State: news.RunRunning}, {ID: "fp-2", State: news.RunRunning}, {ID: "fp-3", State: news.RunRunning},
	}, fs, "new flashpoints are unfinished, in stored order")

	before := time.Now().Add(-time.Millisecond)
	finish(t, s, "r", "fp-1", news.RunCompleted, "")
	finish(t, s, "r", "fp-2", news.RunFailed, "summarize: model gone \x00\xff")
	finish(t, s, "r", "fp-3", news.RunCancelled, "")
	done := states(t, s, "r")
	require.Equal(t, news.RunCompleted, done["fp-1"].State)
	require.Equal(t, news.RunFailed, done["fp-2"].State)
	require.Equal(t, "summarize: model gone \uFFFD", done["fp-2"].Error, "errors are cleaned like all text")
	require.Equal(t, news.RunCancelled, done["fp-3"].State)
	for id, f := range done {
		require.True(t, f.FinishedAt.After(before) && !f.FinishedAt.After(time.Now()), "%s finished at %v; want now", id, f.FinishedAt)
		require.Equal(t, time.UTC, f.FinishedAt.Location())
	}

	// A resumed attempt stores its flashpoints again: completed ones stay
	// completed, the others are unfinished again, and new ones are added.
	_, err = s.ResumeRun(ctx, "r", news.RunQueued)
	require.NoError(t, err)
	require.NoError(t, s.UpsertFlashpoints(ctx, "r", []news.Flashpoint{
		{ID: "fp-3", Title: "again"}, {ID: "fp-1", Title: "again"}, {ID: "fp-2", Title: "again"}, {ID: "fp-4"},
	}))
	fs, err = s.FlashpointStates(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, []news.FlashpointState{
		done["fp-1"], {ID: "fp-2", State: news.RunRunning}, {ID: "fp-3", State: news.RunRunning}, {ID: "fp-4", State: news.RunRunning},
	}, fs, "completed kept with its finished time; failed and cancelled reset with error and time cleared")
	fps, err := s.Flashpoints(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, "again", fps[0].Title, "a completed flashpoint's fields still update")

	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "empty"}))
	fs, err = s.FlashpointStates(ctx, "empty")
	require.NoError(t, err)
	require.Empty(t, fs)
	_, err = s.FlashpointStates(ctx, "missing")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorContains(t, err, `"missing"`, "error names the run")
}

func testFinishFlashpoint(t *testing.T, s store.Store) {
	jobRun(t, s, "ok", news.RunRunning, 3)
	requireUnfinished(t, finish(t, s, "ok", "fp-2", news.RunCompleted, ""), news.RunRunning)
	requireUnfinished(t, finish(t, s, "ok", "fp-1", news.RunCompleted, ""), news.RunRunning)
	// Finishing a flashpoint twice (a redelivered job) is harmless.
	requireUnfinished(t, finish(t, s, "ok", "fp-1", news.RunCompleted, ""), news.RunRunning)
	r := finish(t, s, "ok", "fp-3", news.RunCompleted, "")
	requireFinished(t, r, news.RunCompleted, "")
	fs := states(t, s, "ok")
	require.Equal(t, fs["fp-3"].FinishedAt, r.FinishedAt, "run finished in the same transaction as its last flashpoint")

	// A finished run stays as it is, whatever its flashpoints do next.
	again := finish(t, s, "ok", "fp-2", news.RunFailed, "late")
	require.Equal(t, r, again, "a finished run is not finished again")
	require.Equal(t, news.RunFailed, states(t, s, "ok")["fp-2"].State, "the flashpoint itself is still recorded")

	// Failure: the message counts the flashpoints that did not complete and
	// names the first of them in stored order, not in finishing order.
	jobRun(t, s, "bad", news.RunRunning, 4)
	requireUnfinished(t, finish(t, s, "bad", "fp-4", news.RunFailed, "fetch: all feeds blocked"), news.RunRunning)
	requireUnfinished(t, finish(t, s, "bad", "fp-1", news.RunCompleted, ""), news.RunRunning)
	requireUnfinished(t, finish(t, s, "bad", "fp-2", news.RunFailed, "cluster: out of memory"), news.RunRunning)
	r = finish(t, s, "bad", "fp-3", news.RunCompleted, "")
	requireFinished(t, r, news.RunFailed, "2 of 4 flashpoint(s) did not complete; fp-2: cluster: out of memory")

	// Cancelled without an error: still not completed.
	jobRun(t, s, "stop", news.RunRunning, 2)
	finish(t, s, "stop", "fp-1", news.RunCompleted, "")
	r = finish(t, s, "stop", "fp-2", news.RunCancelled, "")
	require.Equal(t, news.RunFailed, r.State, "a cancelled flashpoint fails the run")
	require.Contains(t, r.Error, "1 of 2 flashpoint(s) did not complete; fp-2")

	// FinishRun's verdict is kept: finishing the last flashpoint of a run
	// that was already finished another way changes nothing.
	jobRun(t, s, "ended", news.RunRunning, 1)
	require.NoError(t, s.FinishRun(t.Context(), "ended", news.RunCancelled, "operator stopped it"))
	r = finish(t, s, "ended", "fp-1", news.RunCompleted, "")
	requireFinished(t, r, news.RunCancelled, "operator stopped it")
}

func testFinishWhileQueued(t *testing.T, s store.Store) {
	jobRun(t, s, "q", news.RunQueued, 2)
	requireUnfinished(t, finish(t, s, "q", "fp-1", news.RunCompleted, ""), news.RunQueued)
	r := finish(t, s, "q", "fp-2", news.RunCompleted, "")
	requireUnfinished(t, r, news.RunQueued)
	require.Equal(t, 1, r.Attempt)
	require.Empty(t, states(t, s, "q")["fp-3"].State, "no fp-3 yet")

	// Submission goes on after the first jobs finished.
	require.NoError(t, s.UpsertFlashpoints(t.Context(), "q", []news.Flashpoint{{ID: "fp-3"}}))
	r, err := s.SettleRun(t.Context(), "q")
	require.NoError(t, err)
	requireUnfinished(t, r, news.RunRunning)
	r = finish(t, s, "q", "fp-3", news.RunCompleted, "")
	requireFinished(t, r, news.RunCompleted, "")
}

func testSettleRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	settle := func(id string) news.Run {
		t.Helper()
		r, err := s.SettleRun(ctx, id)
		require.NoError(t, err)
		got, err := s.GetRun(ctx, id)
		require.NoError(t, err)
		require.Equal(t, got, r, "SettleRun returns the run as stored")
		return r
	}

	// Nothing was submitted: the run completes at once.
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "none", State: news.RunQueued}))
	requireFinished(t, settle("none"), news.RunCompleted, "")

	// Work left: queued becomes running and nothing else.
	jobRun(t, s, "left", news.RunQueued, 2)
	finish(t, s, "left", "fp-1", news.RunFailed, "boom")
	requireUnfinished(t, settle("left"), news.RunRunning)
	requireUnfinished(t, settle("left"), news.RunRunning) // settling again is harmless
	requireFinished(t, finish(t, s, "left", "fp-2", news.RunCompleted, ""), news.RunFailed,
		"1 of 2 flashpoint(s) did not complete; fp-1: boom")

	// Every job finished before submission was over: settling finishes it.
	jobRun(t, s, "fast", news.RunQueued, 2)
	finish(t, s, "fast", "fp-1", news.RunCompleted, "")
	finish(t, s, "fast", "fp-2", news.RunCompleted, "")
	r := settle("fast")
	requireFinished(t, r, news.RunCompleted, "")

	// A finished run is returned unchanged.
	require.Equal(t, r, settle("fast"))
	jobRun(t, s, "ended", news.RunQueued, 1)
	require.NoError(t, s.FinishRun(ctx, "ended", news.RunCancelled, "stopped"))
	ended, err := s.GetRun(ctx, "ended")
	require.NoError(t, err)
	require.Equal(t, ended, settle("ended"))

	// A running run (the in-process path, or one resumed running) with
	// nothing left finishes too.
	jobRun(t, s, "running", news.RunRunning, 1)
	requireUnfinished(t, settle("running"), news.RunRunning)
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "running-empty"}))
	requireFinished(t, settle("running-empty"), news.RunCompleted, "")

	_, err = s.SettleRun(ctx, "missing")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorContains(t, err, `"missing"`)
	_, err = s.SettleRun(ctx, "")
	require.ErrorIs(t, err, store.ErrInvalid)
}

func testFinishRejects(t *testing.T, s store.Store) {
	ctx := t.Context()
	jobRun(t, s, "r", news.RunRunning, 1)
	for _, st := range []news.RunState{"", news.RunRunning, news.RunQueued, "done"} {
		_, err := s.FinishFlashpoint(ctx, "r", "fp-1", st, "")
		require.ErrorIs(t, err, store.ErrInvalid, "state %q", st)
		require.ErrorContains(t, err, `"fp-1"`, "error names the flashpoint")
	}
	_, err := s.FinishFlashpoint(ctx, "r", "", news.RunCompleted, "")
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = s.FinishFlashpoint(ctx, "", "fp-1", news.RunCompleted, "")
	require.ErrorIs(t, err, store.ErrInvalid)

	_, err = s.FinishFlashpoint(ctx, "missing", "fp-1", news.RunCompleted, "")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorContains(t, err, `"missing"`, "error names the run")
	_, err = s.FinishFlashpoint(ctx, "r", "fp-9", news.RunCompleted, "")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorContains(t, err, `"fp-9"`, "error names the flashpoint")

	require.Equal(t, news.RunRunning, states(t, s, "r")["fp-1"].State, "rejected calls wrote nothing")
	r, err := s.GetRun(ctx, "r")
	require.NoError(t, err)
	requireUnfinished(t, r, news.RunRunning)
}

// testFinishConcurrent has n workers finish a run's n flashpoints at the
// same moment, several times over. Exactly one of them must finish the run:
// a driver that lets each see the others' flashpoints as unfinished leaves
// it running; one that lets two see none left finishes it twice (two
// finished times among the runs returned).
func testFinishConcurrent(t *testing.T, s store.Store) {
	const n, rounds = 8, 4
	type variant struct {
		name      string
		failed    int  // flashpoint fp-<failed> fails; 0: none does
		finishRun bool // FinishRun(cancelled) races the finishers
	}
	for round := range rounds {
		for _, v := range []variant{{"completed", 0, false}, {"failed", 5, false}, {"finishrun", 0, true}} {
			run := fmt.Sprintf("%s-%d", v.name, round)
			jobRun(t, s, run, news.RunRunning, n)
			var (
				start = make(chan struct{})
				wg    sync.WaitGroup
				mu    sync.Mutex
				got   []news.Run
				errs  []error
			)
			for i := 1; i <= n; i++ {
				wg.Go(func() {
					<-start
					st, msg := news.RunCompleted, ""
					if i == v.failed {
						st, msg = news.RunFailed, "boom"
					}
					r, err := s.FinishFlashpoint(t.Context(), run, fmt.Sprint("fp-", i), st, msg)
					mu.Lock()
					defer mu.Unlock()
					got, errs = append(got, r), append(errs, err)
				})
			}
			if v.finishRun {
				wg.Go(func() {
					<-start
					err := s.FinishRun(t.Context(), run, news.RunCancelled, "operator stopped it")
					mu.Lock()
					defer mu.Unlock()
					errs = append(errs, err)
				})
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}

			final, err := s.GetRun(t.Context(), run)
			require.NoError(t, err)
			switch {
			case v.finishRun:
				// FinishRun keeps the last word: before the last flashpoint
				// it finishes the run, which the flashpoints then leave
				// alone; after, it overwrites the completion.
				requireFinished(t, final, news.RunCancelled, "operator stopped it")
				continue
			case v.failed > 0:
				requireFinished(t, final, news.RunFailed, fmt.Sprintf("1 of %d flashpoint(s) did not complete; fp-%d: boom", n, v.failed))
			default:
				requireFinished(t, final, news.RunCompleted, "")
			}
			finishedBy := 0
			for _, r := range got {
				if r.State == news.RunRunning {
					require.True(t, r.FinishedAt.IsZero())
					continue
				}
				finishedBy++
				require.Equal(t, final, r, "every call that saw the run finished saw the same finish")
			}
			require.Positive(t, finishedBy, "the last call returns the finished run")
			for id, f := range states(t, s, run) {
				require.NotEqual(t, news.RunRunning, f.State, "%s of %s unfinished", id, run)
			}
		}
	}
}

func testUnfinished(t *testing.T, s store.Store) {
	ctx := t.Context()
	count := func() int {
		t.Helper()
		n, err := s.UnfinishedFlashpoints(ctx)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, 0, count(), "empty store")
	jobRun(t, s, "a", news.RunRunning, 3)
	jobRun(t, s, "b", news.RunRunning, 2)
	jobRun(t, s, "c", news.RunQueued, 2)
	jobRun(t, s, "d", news.RunRunning, 4)
	require.NoError(t, s.FinishRun(ctx, "d", news.RunFailed, "in-process run that left its flashpoints unfinished"))
	require.Equal(t, 3+2+2, count(), "queued and running runs count; finished ones do not")

	finish(t, s, "a", "fp-1", news.RunCompleted, "")
	require.Equal(t, 2+2+2, count())
	finish(t, s, "b", "fp-1", news.RunFailed, "x")
	finish(t, s, "b", "fp-2", news.RunCompleted, "")
	require.Equal(t, 2+0+2, count(), "a finished flashpoint no longer counts")
	require.NoError(t, s.FinishRun(ctx, "a", news.RunCancelled, ""))
	require.Equal(t, 2, count(), "a cancelled run's flashpoints no longer count")
	_, err := s.ResumeRun(ctx, "a", news.RunQueued)
	require.NoError(t, err)
	require.Equal(t, 2+2, count(), "a resumed run's unfinished flashpoints count again")
	_, err = s.ResumeRun(ctx, "b", news.RunQueued)
	require.NoError(t, err)
	require.NoError(t, s.UpsertFlashpoints(ctx, "b", []news.Flashpoint{{ID: "fp-1"}, {ID: "fp-2"}}))
	require.Equal(t, 2+1+2, count(), "a resumed run's failed flashpoint, stored again, counts; the completed one does not")
}

// testAdmitBound: AdmitFlashpoints counts the run's own flashpoints, old
// and new, with every other live run's, and refuses a batch that would go
// over its limit without writing any of it.
func testAdmitBound(t *testing.T, s store.Store) {
	ctx := t.Context()
	jobRun(t, s, "a", news.RunRunning, 3)
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "b", State: news.RunQueued}))
	two := []news.Flashpoint{{ID: "b-1"}, {ID: "b-2"}}
	require.NoError(t, s.AdmitFlashpoints(ctx, "b", two, 5), "3 + 2 fit a limit of 5")

	err := s.AdmitFlashpoints(ctx, "b", []news.Flashpoint{{ID: "b-3"}, {ID: "b-4"}}, 5)
	require.ErrorIs(t, err, store.ErrOverLimit)
	require.ErrorContains(t, err, "7 flashpoints would be unfinished, limit 5")
	require.Len(t, states(t, s, "b"), 2, "a refused batch writes nothing")
	require.ErrorIs(t, s.AdmitFlashpoints(ctx, "b", []news.Flashpoint{{ID: "b-3"}}, 5), store.ErrOverLimit,
		"the run's own earlier flashpoints count")

	require.NoError(t, s.AdmitFlashpoints(ctx, "b", two, 5), "storing the same flashpoints again adds nothing")
	finish(t, s, "a", "fp-1", news.RunCompleted, "")
	require.NoError(t, s.AdmitFlashpoints(ctx, "b", []news.Flashpoint{{ID: "b-3"}}, 5), "a finished flashpoint frees its place")
	require.NoError(t, s.AdmitFlashpoints(ctx, "b", []news.Flashpoint{{ID: "b-4"}, {ID: "b-5"}}, 0), "limit 0: no bound")
	n, err := s.UnfinishedFlashpoints(ctx)
	require.NoError(t, err)
	require.Equal(t, 2+5, n)

	require.ErrorIs(t, s.AdmitFlashpoints(ctx, "missing", two, 5), store.ErrNotFound)
	require.ErrorIs(t, s.AdmitFlashpoints(ctx, "b", []news.Flashpoint{{ID: ""}}, 5), store.ErrInvalid)
}

// testAdmitConcurrent: admissions racing from many goroutines (on
// PostgreSQL, many connections) admit exactly the limit between them.
func testAdmitConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const runs, limit = 60, 20
	for i := range runs {
		require.NoError(t, s.CreateRun(ctx, news.Run{ID: fmt.Sprint("r", i), State: news.RunQueued}))
	}
	var admitted sync.WaitGroup
	var mu sync.Mutex
	ok, over := 0, 0
	start := make(chan struct{})
	for i := range runs {
		admitted.Go(func() {
			<-start
			err := s.AdmitFlashpoints(ctx, fmt.Sprint("r", i), []news.Flashpoint{{ID: "fp"}}, limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrOverLimit):
				over++
			default:
				t.Errorf("run r%d: %v", i, err)
			}
		})
	}
	close(start)
	admitted.Wait()
	require.Equal(t, limit, ok, "admitted")
	require.Equal(t, runs-limit, over, "refused")
	n, err := s.UnfinishedFlashpoints(ctx)
	require.NoError(t, err)
	require.Equal(t, limit, n)
}

// testWithdraw: a run that never started goes, with everything under it;
// any other run stays.
func testWithdraw(t *testing.T, s store.Store) {
	ctx := t.Context()
	jobRun(t, s, "w", news.RunQueued, 2)
	require.NoError(t, s.PutArticles(ctx, []news.Article{{RunID: "w", Feed: news.Feed{FlashpointID: "fp-1", URL: "https://x.example/1"}, Status: news.StatusOK}}))
	require.NoError(t, s.ReplaceClusters(ctx, "w", "fp-1", []news.Cluster{{ClusterID: 0, Summary: "s", ArticleCount: 1}}))
	require.NoError(t, s.WithdrawRun(ctx, "w"))
	_, err := s.GetRun(ctx, "w")
	require.ErrorIs(t, err, store.ErrNotFound)
	fps, err := s.Flashpoints(ctx, "w")
	require.NoError(t, err)
	require.Empty(t, fps)
	as, err := s.Articles(ctx, store.ArticleQuery{RunID: "w"})
	require.NoError(t, err)
	require.Empty(t, as)
	cs, err := s.Clusters(ctx, store.ClusterQuery{RunID: "w"})
	require.NoError(t, err)
	require.Empty(t, cs)
	n, err := s.UnfinishedFlashpoints(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	jobRun(t, s, "w", news.RunQueued, 1) // the ID is free again

	jobRun(t, s, "running", news.RunRunning, 1)
	jobRun(t, s, "resumed", news.RunQueued, 1)
	_, err = s.ResumeRun(ctx, "resumed", news.RunQueued)
	require.NoError(t, err)
	for _, id := range []string{"running", "resumed"} {
		err := s.WithdrawRun(ctx, id)
		require.ErrorIs(t, err, store.ErrInvalid, id)
		require.ErrorContains(t, err, "never started", id)
		require.Len(t, states(t, s, id), 1, "%s is kept whole", id)
	}
	require.ErrorIs(t, s.WithdrawRun(ctx, "missing"), store.ErrNotFound)
	require.ErrorIs(t, s.WithdrawRun(ctx, ""), store.ErrInvalid)
}
