package jobs

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/vectorize"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/postgres/pgtest"
	"github.com/masx-ai/masx/store/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// site is a generated news site on loopback.
type site struct {
	syn *demo.SyntheticSite
	url string
}

func newSite(t *testing.T, o demo.SyntheticOptions) *site {
	t.Helper()
	syn, err := demo.Synthetic(o)
	require.NoError(t, err)
	srv := httptest.NewServer(syn)
	t.Cleanup(srv.Close)
	return &site{syn: syn, url: srv.URL}
}

func (s *site) works() []pipeline.Work {
	var ws []pipeline.Work
	for _, fp := range s.syn.Flashpoints(s.url) {
		ws = append(ws, pipeline.Work{Flashpoint: fp})
	}
	return ws
}

// newPipeline wires a real HTTP-only pipeline over st.
func newPipeline(t *testing.T, st store.Store) *pipeline.Pipeline {
	t.Helper()
	return newPipelineProgress(t, st, nil)
}

// newPipelineProgress is newPipeline counting in prog (nil: its own).
func newPipelineProgress(t *testing.T, st store.Store, prog *pipeline.Progress) *pipeline.Pipeline {
	t.Helper()
	ex, err := executor.New(executor.Config{MaxThreads: 8, MaxProcs: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ex.Shutdown(context.Background()) })
	f, err := fetch.New(fetch.Config{AllowPrivate: true, HostDelay: -1, Retries: -1, HostConcurrency: 8, Timeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(f.Close)
	client, err := crawl.New(crawl.Config{Fetcher: f, MinTextChars: 500, IO: ex.IO, CPU: ex.CPU})
	require.NoError(t, err)
	vec, err := vectorize.NewTFIDF(vectorize.Options{})
	require.NoError(t, err)
	p, err := pipeline.New(pipeline.Config{FetchWorkers: 4, Method: crawl.MethodHTTP, MinTextChars: 500},
		pipeline.Deps{Store: st, Getter: client, Vectorizer: vec, Executors: ex, Progress: prog})
	require.NoError(t, err)
	return p
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func openPostgres(t *testing.T) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.Database(t), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// driverOf builds River's driver over st's database, as the composition
// root (internal/cli) does.
func driverOf(t *testing.T, st store.Store) Driver {
	t.Helper()
	switch st := st.(type) {
	case *diskFullStore:
		return driverOf(t, st.Store)
	case *sqlite.Store:
		return NewDriver(riversqlite.New(st.WriterDB()), DriverOptions{PollOnly: true})
	case *postgres.Store:
		return NewDriver(riverpgxv5.New(st.Pool()), DriverOptions{Lock: st.WithAdvisoryLock})
	}
	t.Fatalf("no River driver for %T", st)
	return Driver{}
}

func newJobs(t *testing.T, cfg Config, deps Deps) *Jobs {
	t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	j, err := New(context.Background(), driverOf(t, deps.Store), cfg, deps)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, j.Stop(ctx))
	})
	return j
}

func waitRun(t *testing.T, st store.Store, id string) news.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := Wait(ctx, st, id, 50*time.Millisecond, nil)
	require.NoError(t, err)
	return r
}

// checkOnce asserts every input article is stored exactly once, processed.
func checkOnce(t *testing.T, st store.Store, runID string, s *site) {
	t.Helper()
	arts, err := st.Articles(context.Background(), store.ArticleQuery{RunID: runID, OmitText: true})
	require.NoError(t, err)
	require.Len(t, arts, s.syn.Options().Articles, "every article stored, once")
	seen := map[string]bool{}
	for _, a := range arts {
		require.False(t, seen[a.URL], "stored twice: %s", a.URL)
		seen[a.URL] = true
		require.Equal(t, news.StatusOK, a.Status, "%s: %s", a.URL, a.Error)
	}
}

func testRunCompletes(t *testing.T, st store.Store) {
	s := newSite(t, demo.SyntheticOptions{Articles: 24, Flashpoints: 4, Topics: 2})
	reg := prometheus.NewRegistry()
	j := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: newPipeline(t, st), Registerer: reg})
	ctx := context.Background()
	require.NoError(t, j.Start(ctx))

	sub, err := j.Submit(ctx, news.Run{ID: "run-a", Input: "synthetic"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	require.Equal(t, 4, sub.Flashpoints)
	require.Equal(t, 4, sub.Queued)
	require.Equal(t, 1, sub.Run.Attempt)

	r := waitRun(t, st, "run-a")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	checkOnce(t, st, "run-a", s)
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: "run-a"})
	require.NoError(t, err)
	require.NotEmpty(t, cs)
	stat, err := RunStatus(ctx, st, "run-a")
	require.NoError(t, err)
	require.Equal(t, map[news.RunState]int{news.RunCompleted: 4}, stat.Flashpoints)
	require.InDelta(t, 1.0, stat.Progress, 1e-9)
	require.Equal(t, 24, stat.Articles[news.StatusOK])
	require.Equal(t, 4.0, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("completed")))

	// Submitting the finished run again resumes it as attempt 2: every
	// flashpoint is already done, so nothing is queued and it completes.
	sub, err = j.Submit(ctx, news.Run{ID: "run-a"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, sub.Run.Attempt)
	require.Equal(t, 4, sub.Done)
	require.Zero(t, sub.Queued)
	require.Equal(t, news.RunCompleted, sub.Run.State)
	checkOnce(t, st, "run-a", s)
}

func TestRunCompletesSQLite(t *testing.T)   { testRunCompletes(t, openSQLite(t)) }
func TestRunCompletesPostgres(t *testing.T) { testRunCompletes(t, openPostgres(t)) }

// The unique key (run, flashpoint, attempt) keeps a job from being queued
// twice, whoever inserts it.
func TestJobIsNeverQueuedTwice(t *testing.T) {
	for name, st := range map[string]store.Store{"sqlite": openSQLite(t), "postgres": openPostgres(t)} {
		t.Run(name, func(t *testing.T) {
			s := newSite(t, demo.SyntheticOptions{Articles: 6, Flashpoints: 3, Topics: 1})
			j := newJobs(t, Config{}, Deps{Store: st}) // insert-only: nothing is worked
			ctx := context.Background()
			sub, err := j.Submit(ctx, news.Run{ID: "run-u"}, pipeline.Slice(s.works()), SubmitOptions{})
			require.NoError(t, err)
			require.Equal(t, 3, sub.Queued)
			require.Equal(t, news.RunRunning, sub.Run.State)

			w := s.works()[0]
			args := argsOf("run-u", 1, w, "")
			res, err := j.client.InsertMany(ctx, []river.InsertManyParams{{Args: args, InsertOpts: &river.InsertOpts{Queue: QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}}})
			require.NoError(t, err)
			require.True(t, res[0].UniqueSkippedAsDuplicate, "same run, flashpoint and attempt")
			require.Equal(t, int64(1), res[0].Job.ID, "the existing job (the first inserted) is returned")
		})
	}
}

func TestQueueFullRefusesNewRuns(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 6, Flashpoints: 3, Topics: 1})
	reg := prometheus.NewRegistry()
	j := newJobs(t, Config{QueueMax: 3}, Deps{Store: st, Registerer: reg})
	ctx := context.Background()
	_, err := j.Submit(ctx, news.Run{ID: "first"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	_, err = j.Submit(ctx, news.Run{ID: "second"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.ErrorIs(t, err, ErrQueueFull)
	require.ErrorContains(t, err, "3 flashpoints unfinished, limit 3")
	_, err = st.GetRun(ctx, "second")
	require.ErrorIs(t, err, store.ErrNotFound, "a refused run is not recorded")
	require.Equal(t, 1.0, testutil.ToFloat64(j.metrics.rejected))
	require.Equal(t, 3.0, testutil.ToFloat64(j.metrics.unfinished))
}

func TestBadInputIsRefused(t *testing.T) {
	st := openSQLite(t)
	j := newJobs(t, Config{}, Deps{Store: st})
	ctx := context.Background()
	_, err := j.Submit(ctx, news.Run{ID: "d"}, pipeline.Slice(nil), SubmitOptions{MASXDate: "2025-13-01"})
	require.ErrorContains(t, err, `date "2025-13-01": want YYYY-MM-DD`)
	_, err = j.Submit(ctx, news.Run{}, pipeline.Slice(nil), SubmitOptions{})
	require.ErrorIs(t, err, store.ErrInvalid)

	drv := driverOf(t, st)
	_, err = New(ctx, drv, Config{JobTimeout: time.Minute, RescueAfter: time.Second}, Deps{Store: st})
	require.ErrorContains(t, err, "RescueAfter 1s must exceed JobTimeout 1m0s")
	_, err = New(ctx, drv, Config{Workers: 1}, Deps{Store: st})
	require.ErrorContains(t, err, "needs Deps.Pipeline")
	_, err = New(ctx, drv, Config{Workers: -1}, Deps{Store: st})
	require.ErrorContains(t, err, "want ≥ 0")
	_, err = New(ctx, Driver{}, Config{}, Deps{Store: st})
	require.ErrorContains(t, err, "build it with NewDriver")

	// A run with no flashpoints completes at once.
	sub, err := j.Submit(ctx, news.Run{ID: "empty"}, pipeline.Slice(nil), SubmitOptions{})
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, sub.Run.State)
	require.ErrorIs(t, j.Start(ctx), ErrNoWorkers)
}

// A permanent failure (MASX tables asked of SQLite) cancels the job at
// once: no retry, the flashpoint and the run are recorded failed with the
// reason.
func TestPermanentFailureIsNotRetried(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 4, Flashpoints: 1, Topics: 1})
	j := newJobs(t, Config{Workers: 1}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	ctx := context.Background()
	require.NoError(t, j.Start(ctx))
	_, err := j.Submit(ctx, news.Run{ID: "p"}, pipeline.Slice(s.works()), SubmitOptions{MASXDate: "2025-06-01"})
	require.NoError(t, err)
	r := waitRun(t, st, "p")
	require.Equal(t, news.RunFailed, r.State)
	require.Contains(t, r.Error, "has no MASX tables")
	require.Equal(t, 1.0, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("failed")))
	require.Zero(t, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("retried")))
}

// A job past its timeout is cancelled cleanly: its articles end cancelled,
// the flashpoint and run failed with the reason, and it is not retried.
func TestJobTimeoutCancelsCleanly(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 4, Flashpoints: 1, Topics: 1, Latency: 5 * time.Second})
	j := newJobs(t, Config{Workers: 1, JobTimeout: 500 * time.Millisecond}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	ctx := context.Background()
	require.NoError(t, j.Start(ctx))
	_, err := j.Submit(ctx, news.Run{ID: "slow"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	r := waitRun(t, st, "slow")
	require.Equal(t, news.RunFailed, r.State)
	require.Contains(t, r.Error, "timed out after 500ms")
	arts, err := st.Articles(ctx, store.ArticleQuery{RunID: "slow"})
	require.NoError(t, err)
	require.Len(t, arts, 4)
	for _, a := range arts {
		require.Equal(t, news.StatusCancelled, a.Status, a.URL)
	}
	require.Equal(t, 1.0, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("timed_out")))
}

// Stop with a short grace cancels in-flight jobs; River keeps them, and
// the next process to work the queue finishes the run without storing any
// article twice.
func TestStopCancelsAndAnotherWorkerFinishes(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 12, Flashpoints: 2, Topics: 2, Latency: 300 * time.Millisecond})
	p := newPipeline(t, st)
	ctx := context.Background()
	j1, err := New(ctx, driverOf(t, st), Config{Workers: 2, PollInterval: 100 * time.Millisecond}, Deps{Store: st, Pipeline: p})
	require.NoError(t, err)
	require.NoError(t, j1.Start(ctx))
	_, err = j1.Submit(ctx, news.Run{ID: "r"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, _ := st.CountByStatus(ctx, "r")
		return n[news.StatusOK] > 0
	}, time.Minute, 20*time.Millisecond)
	grace, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	require.NoError(t, j1.Stop(grace))
	cancel()
	require.ErrorIs(t, j1.Start(ctx), ErrClosed)
	_, err = j1.Submit(ctx, news.Run{ID: "x"}, pipeline.Slice(nil), SubmitOptions{})
	require.ErrorIs(t, err, ErrClosed)
	r, err := st.GetRun(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, news.RunRunning, r.State, "the run is not over: its jobs wait for a worker")

	j2 := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: p})
	require.NoError(t, j2.Start(ctx))
	r = waitRun(t, st, "r")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	checkOnce(t, st, "r", s)
}

// Jobs of a superseded attempt end without work.
func TestSupersededJobsEndAtOnce(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 6, Flashpoints: 2, Topics: 1})
	ctx := context.Background()
	ins := newJobs(t, Config{}, Deps{Store: st})
	_, err := ins.Submit(ctx, news.Run{ID: "s"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	// Resubmitting makes attempt 2 with its own jobs; attempt 1's stay queued.
	sub, err := ins.Submit(ctx, news.Run{ID: "s"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, sub.Run.Attempt)
	require.Equal(t, 2, sub.Queued)

	j := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	require.NoError(t, j.Start(ctx))
	r := waitRun(t, st, "s")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("superseded")) == 2
	}, time.Minute, 20*time.Millisecond)
	require.Equal(t, 2.0, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("completed")))
	checkOnce(t, st, "s", s)
}

// MASX compatibility: with a date, each flashpoint's clusters also land in
// news_clusters_YYYYMMDD.
func TestMASXClustersWritten(t *testing.T) {
	st := openPostgres(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 12, Flashpoints: 2, Topics: 2})
	j := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	ctx := context.Background()
	require.NoError(t, j.Start(ctx))
	_, err := j.Submit(ctx, news.Run{ID: "m"}, pipeline.Slice(s.works()), SubmitOptions{MASXDate: "2025-06-01"})
	require.NoError(t, err)
	r := waitRun(t, st, "m")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: "m"})
	require.NoError(t, err)
	var n int
	require.NoError(t, st.Pool().QueryRow(ctx, "SELECT count(*) FROM news_clusters_20250601").Scan(&n))
	require.Equal(t, len(cs), n)
	require.Positive(t, n)
}

func TestPermanentClassification(t *testing.T) {
	require.True(t, permanent(Permanent(errors.New("x"))))
	require.True(t, permanent(store.ErrInvalid))
	require.False(t, permanent(errors.New("connection refused")))
	require.False(t, permanent(context.DeadlineExceeded))
}

// A transient failure (here a real one: the clusters table is gone for a
// moment) is retried with River's backoff and the run then completes; with
// no attempts left, the flashpoint and the run are recorded failed.
func TestTransientFailureIsRetried(t *testing.T) {
	st := openPostgres(t)
	ctx := context.Background()
	s := newSite(t, demo.SyntheticOptions{Articles: 6, Flashpoints: 1, Topics: 2})
	_, err := st.Pool().Exec(ctx, "ALTER TABLE clusters RENAME TO clusters_away")
	require.NoError(t, err)

	j := newJobs(t, Config{Workers: 1, MaxAttempts: 5}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	require.NoError(t, j.Start(ctx))
	_, err = j.Submit(ctx, news.Run{ID: "t"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var state string
		_ = st.Pool().QueryRow(ctx, "SELECT state FROM river_job WHERE args->>'run_id' = 't'").Scan(&state)
		return state == "retryable"
	}, time.Minute, 20*time.Millisecond, "the failed attempt is scheduled for a retry")
	_, err = st.Pool().Exec(ctx, "ALTER TABLE clusters_away RENAME TO clusters")
	require.NoError(t, err)

	r := waitRun(t, st, "t")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	var attempt int
	require.NoError(t, st.Pool().QueryRow(ctx, "SELECT attempt FROM river_job WHERE args->>'run_id' = 't'").Scan(&attempt))
	require.GreaterOrEqual(t, attempt, 2, "retried, not run once")
	require.Equal(t, float64(attempt-1), testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("retried")))
	require.Equal(t, 1.0, testutil.ToFloat64(j.metrics.outcomes.WithLabelValues("completed")))
	checkOnce(t, st, "t", s)

	// Out of attempts: the run fails, naming the cause.
	_, err = st.Pool().Exec(ctx, "ALTER TABLE clusters RENAME TO clusters_away")
	require.NoError(t, err)
	j1 := newJobs(t, Config{MaxAttempts: 1}, Deps{Store: st})
	_, err = j1.Submit(ctx, news.Run{ID: "t1"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	r = waitRun(t, st, "t1")
	require.Equal(t, news.RunFailed, r.State)
	require.Contains(t, r.Error, "after 1 attempts")
	require.Contains(t, r.Error, "clusters")
}

// A job that ends without its worker recording the flashpoint (here
// cancelled from outside with River's own JobCancel, as an operator would;
// a worker killed on the last attempt leaves the same picture) is found by
// Sweep: the flashpoint is recorded failed and, with the last one, the run
// finishes. Sweeping again changes nothing.
func TestSweepFinishesFlashpointsOfEndedJobs(t *testing.T) {
	for name, st := range map[string]store.Store{"sqlite": openSQLite(t), "postgres": openPostgres(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, demo.SyntheticOptions{Articles: 4, Flashpoints: 2, Topics: 1})
			j := newJobs(t, Config{}, Deps{Store: st})
			_, err := j.Submit(ctx, news.Run{ID: "sw"}, pipeline.Slice(s.works()), SubmitOptions{})
			require.NoError(t, err)
			n, err := j.Sweep(ctx)
			require.NoError(t, err)
			require.Zero(t, n, "queued jobs are not swept")

			cl := j.client.(interface {
				JobCancel(context.Context, int64) (*rivertype.JobRow, error)
			})
			_, err = cl.JobCancel(ctx, 1)
			require.NoError(t, err)
			n, err = j.Sweep(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			fs, err := st.FlashpointStates(ctx, "sw")
			require.NoError(t, err)
			require.Equal(t, news.RunFailed, fs[0].State)
			require.Contains(t, fs[0].Error, "job 1 cancelled after 0 attempt(s)")
			require.Equal(t, news.RunRunning, fs[1].State)
			r, err := st.GetRun(ctx, "sw")
			require.NoError(t, err)
			require.Equal(t, news.RunRunning, r.State, "one flashpoint is still queued")

			_, err = cl.JobCancel(ctx, 2)
			require.NoError(t, err)
			n, err = j.Sweep(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			r, err = st.GetRun(ctx, "sw")
			require.NoError(t, err)
			require.Equal(t, news.RunFailed, r.State)
			require.Contains(t, r.Error, "2 of 2 flashpoint(s) did not complete")
			n, err = j.Sweep(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
		})
	}
}

// A process with workers sweeps on its own, every SweepInterval.
func TestWorkersSweepPeriodically(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	s := newSite(t, demo.SyntheticOptions{Articles: 2, Flashpoints: 1, Topics: 1})
	ins := newJobs(t, Config{}, Deps{Store: st})
	_, err := ins.Submit(ctx, news.Run{ID: "auto"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	// Workers on another queue: they never take the job, only sweep.
	w := newJobs(t, Config{Workers: 1, Queue: "elsewhere", SweepInterval: 50 * time.Millisecond}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	require.NoError(t, w.Start(ctx))
	_, err = ins.client.(interface {
		JobCancel(context.Context, int64) (*rivertype.JobRow, error)
	}).JobCancel(ctx, 1)
	require.NoError(t, err)
	r := waitRun(t, st, "auto")
	require.Equal(t, news.RunFailed, r.State)
	require.Contains(t, r.Error, "cancelled after 0 attempt(s)")
	require.Equal(t, 1.0, testutil.ToFloat64(w.metrics.outcomes.WithLabelValues("swept")))
}
