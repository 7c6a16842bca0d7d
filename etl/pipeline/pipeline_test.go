package pipeline_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/vectorize"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const chromium = "/usr/bin/chromium"

// haveBrowser says whether Chromium is installed; in CI it must be.
func haveBrowser(t *testing.T) bool {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing in CI: run scripts/setup.sh", chromium)
		}
		t.Logf("%s missing: JavaScript pages are expected to drop (install with scripts/setup.sh)", chromium)
		return false
	}
	return true
}

type bundle struct {
	site     *demo.Server
	store    *sqlite.Store
	pipe     *pipeline.Pipeline
	progress *pipeline.Progress
	browser  bool
	works    []pipeline.Work
	getter   pipeline.Getter
	vec      vectorize.Vectorizer
	ex       *executor.Executors
}

// setup wires a real pipeline over the bundled demo site: loopback HTTP,
// Chromium when present, SQLite in a temp dir, TF-IDF vectors.
func setup(t *testing.T, dbPath string) *bundle {
	t.Helper()
	ctx := context.Background()
	b := &bundle{browser: haveBrowser(t), progress: &pipeline.Progress{}}
	var err error
	b.site, err = demo.Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.site.Close() })

	ex, err := executor.New(executor.Config{MaxThreads: 8, MaxProcs: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ex.Shutdown(context.Background()) })
	f, err := fetch.New(fetch.Config{AllowPrivate: true, HostDelay: -1, Retries: -1, HostConcurrency: 8, Timeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(f.Close)
	var pool *render.Pool
	if b.browser {
		// A long idle window: the JS pages insert their body after 200 ms, and
		// a loaded CI box can delay that timer well past the 500 ms default.
		pool, err = render.New(render.Config{AllowPrivate: true, MaxPages: 2, Timeout: 20 * time.Second, IdleWindow: 2 * time.Second})
		require.NoError(t, err)
		require.NoError(t, pool.Start(ctx))
		t.Cleanup(func() { _ = pool.Stop(context.Background()) })
	}
	client, err := crawl.New(crawl.Config{Fetcher: f, Pool: pool, MinTextChars: 1000, IO: ex.IO, CPU: ex.CPU})
	require.NoError(t, err)
	b.store, err = sqlite.Open(ctx, dbPath, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.store.Close() })
	vec, err := vectorize.NewTFIDF(vectorize.Options{})
	require.NoError(t, err)
	b.getter, b.vec, b.ex = client, vec, ex
	b.pipe, err = pipeline.New(pipeline.Config{FetchWorkers: 6}, pipeline.Deps{
		Store: b.store, Getter: client, Vectorizer: vec, Executors: ex, Progress: b.progress,
	})
	require.NoError(t, err)
	for _, fp := range demo.Flashpoints(b.site.URL) {
		b.works = append(b.works, pipeline.Work{Flashpoint: fp})
	}
	return b
}

// runReport is what processRun says of a run.
type runReport struct {
	State       news.RunState
	Flashpoints []pipeline.FlashpointReport
	Articles    int
	ByStatus    map[news.Status]int
}

// processRun does for a run what the job workers do for its jobs: it
// records the run (resuming it when the id is stored) and its flashpoints,
// processes every flashpoint with ProcessFlashpoint at once, and records
// how the run ended: cancelled when ctx ended, failed when a flashpoint
// failed, else completed. The error is ctx's or the flashpoints'.
func processRun(ctx context.Context, st store.Store, p *pipeline.Pipeline, id string, works []pipeline.Work) (runReport, error) {
	bctx := context.WithoutCancel(ctx) // bookkeeping survives cancellation
	var rep runReport
	err := st.CreateRun(bctx, news.Run{ID: id, State: news.RunRunning, StartedAt: time.Now().UTC()})
	if errors.Is(err, store.ErrExists) {
		_, err = st.ResumeRun(bctx, id, news.RunRunning)
	}
	if err != nil {
		return rep, err
	}
	fps := make([]news.Flashpoint, len(works))
	for i, w := range works {
		fps[i] = w.Flashpoint
	}
	if err := st.UpsertFlashpoints(bctx, id, fps); err != nil {
		return rep, err
	}
	rep.Flashpoints = make([]pipeline.FlashpointReport, len(works))
	errs := make([]error, len(works))
	var wg sync.WaitGroup
	for i, w := range works {
		wg.Go(func() { rep.Flashpoints[i], errs[i] = p.ProcessFlashpoint(ctx, id, w) })
	}
	wg.Wait()
	for _, fr := range rep.Flashpoints {
		rep.Articles += fr.Articles
	}
	err, rep.State = errors.Join(errs...), news.RunCompleted
	msg := ""
	switch {
	case ctx.Err() != nil:
		rep.State, err, msg = news.RunCancelled, ctx.Err(), ctx.Err().Error()
	case err != nil:
		rep.State, msg = news.RunFailed, err.Error()
	}
	if ferr := st.FinishRun(bctx, id, rep.State, msg); ferr != nil {
		return rep, ferr
	}
	counts, cerr := st.CountByStatus(bctx, id)
	rep.ByStatus = counts
	return rep, errors.Join(err, cerr)
}

func allArticles(t *testing.T, s store.Store, runID string) []news.Article {
	t.Helper()
	as, err := s.Articles(context.Background(), store.ArticleQuery{RunID: runID})
	require.NoError(t, err)
	return as
}

func TestDemoSiteEndToEnd(t *testing.T) {
	dir := t.TempDir()
	b := setup(t, filepath.Join(dir, "masx.db"))
	ctx := context.Background()
	exp := demo.Expect(b.site.URL)

	rep, err := processRun(ctx, b.store, b.pipe, "run-1", b.works)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, rep.State)

	arts := allArticles(t, b.store, "run-1")
	require.Equal(t, len(exp), len(arts), "every input article ends in storage, once")
	for _, a := range arts {
		x, ok := exp.Lookup(a.URL)
		require.True(t, ok, a.URL)
		require.Equal(t, x.Class.Status(b.browser), a.Status, "%s (%s): %s", a.URL, x.Why, a.Error)
		if a.Status != news.StatusOK {
			require.NotEmpty(t, a.Error, "a failed article says why: %s", a.URL)
			continue
		}
		require.NotEmpty(t, a.Summary, a.URL)
		require.Equal(t, x.Language, a.DetectedLang, a.URL)
		require.NotEmpty(t, a.Embedding, a.URL)
		require.False(t, a.Translated, "nothing pretends to translate")
		if x.Class == demo.ClassNeedsBrowser {
			require.Equal(t, "browser", a.ResolvedBy, a.URL)
		} else {
			require.Equal(t, "http", a.ResolvedBy, a.URL)
		}
		if a.DetectedLang != "en" {
			require.NotEmpty(t, a.CompressedText, a.URL)
		}
	}
	require.Equal(t, exp.Counts(b.browser), rep.ByStatus)
	unclustered, vectorTexts := 0, 0
	for _, fr := range rep.Flashpoints {
		require.Equal(t, cluster.AlgorithmHDBSCANRefined, fr.Algorithm, "the stories policy is the default")
		require.Equal(t, []string{pipeline.TextOriginal}, slices.Collect(maps.Keys(fr.VectorTexts)), "vectors from the untranslated text")
		unclustered, vectorTexts = unclustered+fr.Unclustered, vectorTexts+fr.VectorTexts[pipeline.TextOriginal]
	}
	require.Equal(t, rep.ByStatus[news.StatusOK], vectorTexts, "every ok article was vectorized")
	for _, a := range arts {
		if a.Status == news.StatusOK && a.ClusterID == cluster.Noise {
			unclustered--
		}
	}
	require.Zero(t, unclustered, "the reports count the unclustered articles")

	score, err := exp.Score(arts)
	require.NoError(t, err)
	t.Logf("clusters: %s", score)
	require.GreaterOrEqual(t, score.Purity, 0.7, "clusters should follow the stories")

	clusters, err := b.store.Clusters(ctx, store.ClusterQuery{RunID: "run-1"})
	require.NoError(t, err)
	require.NotEmpty(t, clusters)
	for _, c := range clusters {
		require.GreaterOrEqual(t, c.ArticleCount, 2)
		require.Len(t, c.URLs, c.ArticleCount)
		require.NotEmpty(t, c.Summary, "every cluster is summarized")
		require.NotEmpty(t, c.TopDomains)
		require.LessOrEqual(t, len(c.TopDomains), 3)
		require.NotEmpty(t, c.Languages)
	}

	// A rerun of the same run skips every finished article and stores
	// nothing twice.
	rep2, err := processRun(ctx, b.store, b.pipe, "run-1", b.works)
	require.NoError(t, err)
	skipped := 0
	for _, fr := range rep2.Flashpoints {
		skipped += fr.Skipped
	}
	require.Equal(t, len(exp), skipped)
	require.Equal(t, len(exp), len(allArticles(t, b.store, "run-1")))
	clusters2, err := b.store.Clusters(ctx, store.ClusterQuery{RunID: "run-1"})
	require.NoError(t, err)
	require.Len(t, clusters2, len(clusters), "a rerun recomputes the same clusters")
}

func TestCancelledRunMarksInFlightAndResumes(t *testing.T) {
	dir := t.TempDir()
	b := setup(t, filepath.Join(dir, "masx.db"))
	exp := demo.Expect(b.site.URL)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for b.progress.Snapshot().Stored < 5 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	rep, err := processRun(ctx, b.store, b.pipe, "run-c", b.works)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, news.RunCancelled, rep.State)
	arts := allArticles(t, b.store, "run-c")
	require.Equal(t, len(exp), len(arts), "a cancelled run still gives every article a status")
	cancelled := 0
	for _, a := range arts {
		if a.Status == news.StatusCancelled {
			cancelled++
		}
	}
	require.Positive(t, cancelled)

	rep, err = processRun(context.Background(), b.store, b.pipe, "run-c", b.works)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, rep.State)
	arts = allArticles(t, b.store, "run-c")
	require.Equal(t, len(exp), len(arts), "no article lost, none duplicated")
	for _, a := range arts {
		x, _ := exp.Lookup(a.URL)
		require.Equal(t, x.Class.Status(b.browser), a.Status, a.URL)
	}
}

func TestMetricsFollowTheRun(t *testing.T) {
	b := setup(t, filepath.Join(t.TempDir(), "masx.db"))
	reg := prometheus.NewRegistry()
	p, err := pipeline.New(pipeline.Config{FetchWorkers: 6, Method: crawl.MethodHTTP},
		pipeline.Deps{Store: b.store, Getter: b.getter, Vectorizer: b.vec, Executors: b.ex, Registerer: reg})
	require.NoError(t, err)
	rep, err := processRun(context.Background(), b.store, p, "m", b.works[:1])
	require.NoError(t, err)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				got[mf.GetName()] += m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				got[mf.GetName()+"_count"] += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	require.Equal(t, float64(rep.Articles), got["masx_pipeline_articles_total"], "every stored article counted once")
	require.Equal(t, 1.0, got["masx_pipeline_flashpoints_total"])
	require.Positive(t, got["masx_pipeline_stage_seconds_count"])
	_, err = pipeline.New(pipeline.Config{}, pipeline.Deps{Store: b.store, Getter: b.getter, Vectorizer: b.vec, Executors: b.ex, Registerer: reg})
	require.ErrorContains(t, err, "registering metrics", "a second pipeline on one registry is refused, not silently dropped")
}
