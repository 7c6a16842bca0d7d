package jobs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
	"github.com/masx-ai/masx/store/storetest/smallfs"
)

// stored sums a run's articles in the store: what was committed.
func stored(t *testing.T, st store.Store, runID string) int64 {
	t.Helper()
	n, err := st.CountByStatus(context.Background(), runID)
	require.NoError(t, err)
	var sum int64
	for _, c := range n {
		sum += int64(c)
	}
	return sum
}

// A full disk fails the run, at once and saying ENOSPC, and the run
// resumes once there is room; progress counts only what was committed.
// The disk is real: SQLite on a 2 MiB tmpfs. (The run stayed running for
// over 10 minutes while River retried the job, its completer logging
// errors twice a second, and progress claimed stored=160 with 80 rows in
// the database.)
func TestFullDiskFailsTheRunWithENOSPCAndItResumes(t *testing.T) {
	smallfs.Run(t, 2<<20, func(t *testing.T, dir string) {
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(dir, "masx.db"), &sqlite.Config{Reserve: 256 << 10})
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		s := newSite(t, demo.SyntheticOptions{Articles: 200, Flashpoints: 2, Topics: 2, PageBytes: 4 << 10})
		prog := &pipeline.Progress{}
		j := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: newPipelineProgress(t, st, prog)})
		require.NoError(t, j.Start(ctx))
		_, err = j.Submit(ctx, news.Run{ID: "full"}, pipeline.Slice(s.works()), SubmitOptions{})
		require.NoError(t, err)

		// Bounded: the whole run, filling the disk included, well within
		// the first River retries' backoff (1 s, 16 s, 81 s, 256 s).
		wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		r, err := j.WaitOrCancel(wctx, "full", 50*time.Millisecond)
		require.NoError(t, err, "the run ends")
		require.Equal(t, news.RunFailed, r.State)
		require.Contains(t, r.Error, "no space left on device (ENOSPC)")
		require.Contains(t, r.Error, "resume the run")
		fs, err := st.FlashpointStates(ctx, "full")
		require.NoError(t, err)
		require.Contains(t, fs[0].Error+fs[1].Error, "no space left on device (ENOSPC)", "the flashpoint says why")

		// Once no job runs, nothing more is written: progress says what
		// the database holds.
		require.Eventually(t, func() bool { return testutil.ToFloat64(j.metrics.running) == 0 }, time.Minute, 10*time.Millisecond)
		committed := stored(t, st, "full")
		require.Less(t, committed, int64(200), "the disk filled before the end")
		require.Equal(t, committed, prog.Snapshot().Stored, "progress counts only committed articles")
		require.Zero(t, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("retried")), "a full disk is not retried")

		// Room again: submitting the run again resumes it, and it completes
		// without storing anything twice.
		smallfs.Grow(t, dir, 64<<20)
		sub, err := j.Submit(ctx, news.Run{ID: "full"}, pipeline.Slice(s.works()), SubmitOptions{})
		require.NoError(t, err)
		require.Equal(t, 2, sub.Run.Attempt)
		r = waitRun(t, st, "full")
		require.Equal(t, news.RunCompleted, r.State, r.Error)
		checkOnce(t, st, "full", s)
		require.Eventually(t, func() bool { return testutil.ToFloat64(j.metrics.running) == 0 }, time.Minute, 10*time.Millisecond)
		require.Equal(t, int64(200), prog.Snapshot().Stored)
	})
}

// diskFullStore is a test double for a disk so full that not even the
// small write recording a failure goes through, which a real filesystem
// does not give on demand (SQLite reuses the space a failed transaction
// took). While full is set, storing articles and finishing flashpoints
// and runs fail as the SQLite driver fails on a full disk; everything
// else reaches the real store.
type diskFullStore struct {
	store.Store
	full atomic.Bool
}

func (d *diskFullStore) fault() error {
	if d.full.Load() {
		return fmt.Errorf("%w: %w", store.ErrNoSpace, errors.New("database or disk is full (13)"))
	}
	return nil
}

func (d *diskFullStore) PutArticles(ctx context.Context, as []news.Article) error {
	if err := d.fault(); err != nil {
		return err
	}
	return d.Store.PutArticles(ctx, as)
}

func (d *diskFullStore) FinishFlashpoint(ctx context.Context, runID, fpID string, state news.RunState, msg string) (news.Run, error) {
	if err := d.fault(); err != nil {
		return news.Run{}, err
	}
	return d.Store.FinishFlashpoint(ctx, runID, fpID, state, msg)
}

func (d *diskFullStore) FinishRun(ctx context.Context, runID string, state news.RunState, msg string) error {
	if err := d.fault(); err != nil {
		return err
	}
	return d.Store.FinishRun(ctx, runID, state, msg)
}

// When the failure cannot even be recorded, the process waiting for the
// run (masx run) still ends, with the ENOSPC failure, instead of waiting
// for a run the store shows running; once there is room, Sweep records
// the flashpoint failed from its cancelled job, and the run ends failed.
func TestUnrecordableDiskFullStillEndsTheWait(t *testing.T) {
	ctx := context.Background()
	st := &diskFullStore{Store: openSQLite(t)}
	s := newSite(t, demo.SyntheticOptions{Articles: 4, Flashpoints: 1, Topics: 1})
	j := newJobs(t, Config{Workers: 1}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	_, err := j.Submit(ctx, news.Run{ID: "lost"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	st.full.Store(true)
	require.NoError(t, j.Start(ctx))

	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := j.WaitOrCancel(wctx, "lost", 50*time.Millisecond)
	require.ErrorIs(t, err, store.ErrNoSpace)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "recording that failed too")
	require.ErrorContains(t, err, "resume the run")
	require.Equal(t, news.RunRunning, r.State, "the store could not be told")

	st.full.Store(false)
	require.Eventually(t, func() bool {
		n, err := j.Sweep(ctx)
		require.NoError(t, err)
		return n == 1
	}, time.Minute, 50*time.Millisecond, "the cancelled job is swept")
	r, err = st.GetRun(ctx, "lost")
	require.NoError(t, err)
	require.Equal(t, news.RunFailed, r.State)
	require.Contains(t, r.Error, "no space left on device (ENOSPC)")
}
