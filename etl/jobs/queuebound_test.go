package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// flashpointWorks is n flashpoints of one feed each; nothing fetches
// them (the tests below queue jobs without workers).
func flashpointWorks(n int) []pipeline.Work {
	ws := make([]pipeline.Work, n)
	for i := range ws {
		id := fmt.Sprintf("fp-%03d", i)
		ws[i] = pipeline.Work{Flashpoint: news.Flashpoint{ID: id, Title: "flashpoint " + id,
			Feeds: []news.Feed{{URL: "https://news.example/" + id, Title: "article of " + id}}}}
	}
	return ws
}

// queuedJobs counts the jobs River holds, in any state.
func queuedJobs(t *testing.T, j *Jobs) int {
	t.Helper()
	res, err := j.client.JobList(context.Background(), river.NewJobListParams().First(10000))
	require.NoError(t, err)
	return len(res.Jobs)
}

func unfinished(t *testing.T, st store.Store) int {
	t.Helper()
	n, err := st.UnfinishedFlashpoints(context.Background())
	require.NoError(t, err)
	return n
}

func forEachStore(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, openPostgres(t)) })
}

// MASX_JOB_QUEUE_MAX holds exactly under concurrent submissions: of 200
// single-flashpoint runs submitted at once with room for 50, exactly 50
// are queued and the other 150 refused with ErrQueueFull and not stored.
// (The bound was checked before inserting, so 66–69 got in.)
func TestQueueBoundIsExactUnderConcurrentSubmits(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const runs, limit = 200, 50
		reg := prometheus.NewRegistry()
		j := newJobs(t, Config{QueueMax: limit}, Deps{Store: st, Registerer: reg})
		ctx := context.Background()
		works := flashpointWorks(1)
		var (
			wg                sync.WaitGroup
			mu                sync.Mutex
			accepted, refused []string
			start             = make(chan struct{})
		)
		for i := range runs {
			id := fmt.Sprintf("run-%03d", i)
			wg.Go(func() {
				<-start
				_, err := j.Submit(ctx, news.Run{ID: id}, pipeline.Slice(works), SubmitOptions{})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted = append(accepted, id)
				case errors.Is(err, ErrQueueFull):
					refused = append(refused, id)
				default:
					t.Errorf("%s: %v", id, err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, limit, len(accepted), "accepted")
		require.Equal(t, runs-limit, len(refused), "refused")
		require.Equal(t, limit, unfinished(t, st))
		require.Equal(t, limit, queuedJobs(t, j), "one job per accepted run, none of a refused one")
		for _, id := range refused {
			_, err := st.GetRun(ctx, id)
			require.ErrorIs(t, err, store.ErrNotFound, "refused run %s is not stored", id)
		}
		require.Equal(t, float64(runs-limit), testutil.ToFloat64(j.metrics.rejected))
	})
}

// A run's own flashpoints count against MASX_JOB_QUEUE_MAX: a run larger
// than the room left is refused whole, nothing of it stays queued, and the
// room it took while being submitted is free again. (One POST of 300
// flashpoints was accepted with a limit of 50.)
func TestQueueBoundCountsTheRunsOwnFlashpoints(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		j := newJobs(t, Config{QueueMax: 50}, Deps{Store: st})

		_, err := j.Submit(ctx, news.Run{ID: "big"}, pipeline.Slice(flashpointWorks(300)), SubmitOptions{})
		require.ErrorIs(t, err, ErrQueueFull)
		require.ErrorIs(t, err, store.ErrOverLimit)
		require.ErrorContains(t, err, "limit 50")
		require.Zero(t, queuedJobs(t, j), "nothing queued")
		require.Zero(t, unfinished(t, st))
		_, err = st.GetRun(ctx, "big")
		require.ErrorIs(t, err, store.ErrNotFound, "a refused run is not stored")

		// Refused after its first batches were queued: those jobs go too.
		j = newJobs(t, Config{QueueMax: insertBatch + 10}, Deps{Store: st})
		_, err = j.Submit(ctx, news.Run{ID: "big"}, pipeline.Slice(flashpointWorks(3*insertBatch)), SubmitOptions{})
		require.ErrorIs(t, err, ErrQueueFull)
		require.Zero(t, queuedJobs(t, j), "the jobs of the admitted first batch are deleted")
		require.Zero(t, unfinished(t, st))
		_, err = st.GetRun(ctx, "big")
		require.ErrorIs(t, err, store.ErrNotFound)

		// What fits is admitted, up to the last place.
		sub, err := j.Submit(ctx, news.Run{ID: "fits"}, pipeline.Slice(flashpointWorks(insertBatch+10)), SubmitOptions{})
		require.NoError(t, err)
		require.Equal(t, insertBatch+10, sub.Queued)
		_, err = j.Submit(ctx, news.Run{ID: "one-more"}, pipeline.Slice(flashpointWorks(1)), SubmitOptions{})
		require.ErrorIs(t, err, ErrQueueFull)

		// A resubmission that does not fit is recorded failed, not left
		// queued.
		require.NoError(t, st.FinishRun(ctx, "fits", news.RunCancelled, "operator"))
		sub, err = j.Submit(ctx, news.Run{ID: "small"}, pipeline.Slice(flashpointWorks(insertBatch)), SubmitOptions{})
		require.NoError(t, err)
		_, err = j.Submit(ctx, news.Run{ID: "fits"}, pipeline.Slice(flashpointWorks(insertBatch+10)), SubmitOptions{})
		require.ErrorIs(t, err, ErrQueueFull)
		r, err := st.GetRun(ctx, "fits")
		require.NoError(t, err)
		require.Equal(t, news.RunFailed, r.State)
		require.Contains(t, r.Error, "resubmission refused: job queue full")
		require.Equal(t, insertBatch, unfinished(t, st), "only the small run's flashpoints")
		require.Equal(t, sub.Queued+insertBatch+10, queuedJobs(t, j), "the refused resubmission's jobs are gone; the first attempt's stay (they end superseded)")
	})
}
