package pipeline_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/vectorize"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
)

// recorder is a slog.Handler that keeps every record, for assertions.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

// messages returns the records with message msg, each as its attributes.
func (r *recorder) messages(msg string) []map[string]slog.Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]slog.Value
	for _, rec := range r.recs {
		if rec.Message != msg {
			continue
		}
		attrs := map[string]slog.Value{"level": slog.StringValue(rec.Level.String())}
		rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
		out = append(out, attrs)
	}
	return out
}

// metric reads one unlabelled gauge or counter from reg.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			return g.GetValue()
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("%s not registered", name)
	return 0
}

// stallRig is a real pipeline over a loopback copy of a small synthetic
// site, watched by a watchdog that records what it logs.
type stallRig struct {
	st   store.Store
	pipe *pipeline.Pipeline
	prog *pipeline.Progress
	fp   news.Flashpoint
	rec  *recorder
	reg  *prometheus.Registry
}

const (
	rigFeeds      = 4
	rigStallAfter = 300 * time.Millisecond
)

// newStallRig builds the rig; block, when set, wraps every article page
// request (robots.txt is always answered) and vec, when set, replaces the
// TF-IDF vectorizer.
func newStallRig(t *testing.T, block func(http.ResponseWriter, *http.Request) bool, vec vectorize.Vectorizer) *stallRig {
	t.Helper()
	ctx := context.Background()
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: rigFeeds, Topics: 1, PageBytes: 4096})
	require.NoError(t, err)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if block != nil && r.URL.Path != "/robots.txt" && !block(w, r) {
			return
		}
		site.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)

	ex, err := executor.New(executor.Config{MaxThreads: 8, MaxProcs: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ex.Shutdown(context.Background()) })
	// Long timeouts and no retries: a fetch waits for the site, it does not
	// fail and so end the stall on its own.
	f, err := fetch.New(fetch.Config{AllowPrivate: true, HostDelay: -1, Retries: -1, HostConcurrency: rigFeeds, Timeout: 30 * time.Second})
	require.NoError(t, err)
	t.Cleanup(f.Close)
	client, err := crawl.New(crawl.Config{Fetcher: f, MinTextChars: 200, IO: ex.IO, CPU: ex.CPU})
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	if vec == nil {
		vec, err = vectorize.NewTFIDF(vectorize.Options{})
		require.NoError(t, err)
	}
	r := &stallRig{st: st, prog: &pipeline.Progress{}, rec: &recorder{}, reg: prometheus.NewRegistry()}
	r.pipe, err = pipeline.New(pipeline.Config{FetchWorkers: rigFeeds, AnalyzeWorkers: rigFeeds, MinTextChars: 200, Method: crawl.MethodHTTP},
		pipeline.Deps{Store: st, Getter: client, Vectorizer: vec, Executors: ex, Progress: r.prog})
	require.NoError(t, err)
	fps := site.Flashpoints(ts.URL)
	require.Len(t, fps, 1)
	require.Len(t, fps[0].Feeds, rigFeeds)
	r.fp = fps[0]

	wd, err := pipeline.NewWatchdog(pipeline.WatchdogConfig{
		Progress: r.prog, StallAfter: rigStallAfter, Interval: 50 * time.Millisecond,
		Pools: []*executor.Pool{ex.IO, ex.CPU}, ModelQueue: func() int { return 0 },
		Logger: slog.New(r.rec), Registerer: r.reg,
	})
	require.NoError(t, err)
	require.NoError(t, wd.Start(ctx))
	t.Cleanup(func() { require.NoError(t, wd.Stop(context.Background())) })
	return r
}

type runResult struct {
	rep runReport
	err error
}

// start runs the flashpoint as run id in the background.
func (r *stallRig) start(id string) <-chan runResult {
	done := make(chan runResult, 1)
	go func() {
		rep, err := processRun(context.Background(), r.st, r.pipe, id, []pipeline.Work{{Flashpoint: r.fp}})
		done <- runResult{rep, err}
	}()
	return done
}

// stalled waits for the stall warning, checks that it stays the only one
// while the stall lasts, and returns its attributes.
func (r *stallRig) stalled(t *testing.T) map[string]slog.Value {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.rec.messages("pipeline stalled")) > 0 }, 20*time.Second, 10*time.Millisecond)
	require.Equal(t, 1.0, metric(t, r.reg, "masx_pipeline_stalled"))
	time.Sleep(3 * rigStallAfter) // the stall goes on: no second warning
	warns := r.rec.messages("pipeline stalled")
	require.Len(t, warns, 1, "one warning per stall")
	require.Equal(t, 1.0, metric(t, r.reg, "masx_pipeline_stalls_total"))
	require.Empty(t, r.rec.messages("pipeline progressing again"))
	w := warns[0]
	require.Equal(t, "WARN", w["level"].String())
	require.GreaterOrEqual(t, w["for"].Duration(), rigStallAfter)
	require.Equal(t, int64(rigFeeds), w["total"].Int64())
	require.Equal(t, int64(0), w["stored"].Int64())
	require.Equal(t, int64(1), w["flashpoints_in_progress"].Int64())
	require.Equal(t, int64(0), w["model_queue"].Int64())
	return w
}

// recovered waits for the run to complete once the stall is released, and
// checks that the gauge dropped and a second idle spell stays silent.
func (r *stallRig) recovered(t *testing.T, done <-chan runResult) {
	t.Helper()
	var res runResult
	select {
	case res = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not finish once released")
	}
	require.NoError(t, res.err)
	require.Equal(t, news.RunCompleted, res.rep.State)
	require.Equal(t, rigFeeds, res.rep.ByStatus[news.StatusOK], "%v", res.rep.ByStatus)
	require.Eventually(t, func() bool { return metric(t, r.reg, "masx_pipeline_stalled") == 0 }, 10*time.Second, 10*time.Millisecond)
	again := r.rec.messages("pipeline progressing again")
	require.Len(t, again, 1)
	require.Equal(t, "INFO", again[0]["level"].String())
	require.GreaterOrEqual(t, again[0]["stalled_for"].Duration(), rigStallAfter)

	// Finished and idle again: nothing more.
	time.Sleep(3 * rigStallAfter)
	require.Len(t, r.rec.messages("pipeline stalled"), 1)
	require.Equal(t, 0.0, metric(t, r.reg, "masx_pipeline_stalled"))
	require.Equal(t, 1.0, metric(t, r.reg, "masx_pipeline_stalls_total"))
	s := r.prog.Snapshot()
	require.Zero(t, s.Fetching)
	require.Zero(t, s.Analyzing)
}

// TestWatchdogReportsAFetchStallOnceAndItsEnd blocks every article page of
// a real loopback site, so the fetches of a real pipeline run hang: the
// watchdog warns once, naming the fetch stage and the pools, and sets the
// gauge; once the site answers the run completes and the gauge drops.
func TestWatchdogReportsAFetchStallOnceAndItsEnd(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // a failing test must not leave handlers waiting
	r := newStallRig(t, func(_ http.ResponseWriter, req *http.Request) bool {
		select {
		case <-release:
			return true
		case <-req.Context().Done():
			return false
		}
	}, nil)

	// Idle first: long enough for several stalls, nothing is said.
	time.Sleep(3 * rigStallAfter)
	require.Empty(t, r.rec.messages("pipeline stalled"), "an idle process never stalls")

	done := r.start("run-fetch-stall")
	w := r.stalled(t)
	require.Equal(t, "fetch", w["stage"].String())
	require.Equal(t, int64(rigFeeds), w["in_fetch"].Int64())
	require.Equal(t, int64(0), w["in_analyze"].Int64())
	require.Equal(t, int64(0), w["fetched"].Int64())
	require.Equal(t, int64(rigFeeds), w["io_running"].Int64(), "each hung fetch holds an I/O slot")
	require.Equal(t, int64(0), w["io_queued"].Int64())
	require.Equal(t, int64(0), w["cpu_running"].Int64())
	require.Equal(t, int64(0), w["cpu_queued"].Int64())

	unblock()
	r.recovered(t, done)
}

// blockingEmbedder is a per-text vectorizer (a model, to the pipeline)
// whose calls wait until release is closed: a hung model.
type blockingEmbedder struct{ release <-chan struct{} }

func (b blockingEmbedder) Vectorize(ctx context.Context, texts []string) ([][]float32, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0, 0, 0} // one story: fine for clustering
	}
	return out, nil
}
func (blockingEmbedder) Dim() int      { return 4 }
func (blockingEmbedder) Name() string  { return "blocking" }
func (blockingEmbedder) PerText() bool { return true }

// TestWatchdogNamesAnAnalyzeStall: the pages come back but the model never
// answers, so articles pile up in analyze (holding no CPU slot, as model
// steps must); the warning names analyze.
func TestWatchdogNamesAnAnalyzeStall(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock()
	r := newStallRig(t, nil, blockingEmbedder{release})

	done := r.start("run-analyze-stall")
	w := r.stalled(t)
	require.Equal(t, "analyze", w["stage"].String())
	require.Equal(t, int64(0), w["in_fetch"].Int64())
	require.Equal(t, int64(rigFeeds), w["in_analyze"].Int64())
	require.Equal(t, int64(rigFeeds), w["fetched"].Int64())
	require.Equal(t, int64(0), w["analyzed"].Int64())
	require.Equal(t, int64(0), w["io_running"].Int64())
	require.Equal(t, int64(0), w["cpu_running"].Int64(), "a model step holds no CPU slot")

	unblock()
	r.recovered(t, done)
}

// TestWatchdogIdleNeverFires: with no work, many stall periods pass in
// silence and the gauge stays 0.
func TestWatchdogIdleNeverFires(t *testing.T) {
	rec := &recorder{}
	reg := prometheus.NewRegistry()
	wd, err := pipeline.NewWatchdog(pipeline.WatchdogConfig{
		Progress: &pipeline.Progress{}, StallAfter: 50 * time.Millisecond, Interval: 10 * time.Millisecond,
		Logger: slog.New(rec), Registerer: reg,
	})
	require.NoError(t, err)
	require.NoError(t, wd.Start(context.Background()))
	time.Sleep(500 * time.Millisecond) // ten stall periods
	require.NoError(t, wd.Stop(context.Background()))
	rec.mu.Lock()
	require.Empty(t, rec.recs)
	rec.mu.Unlock()
	require.Equal(t, 0.0, metric(t, reg, "masx_pipeline_stalled"))
	require.Equal(t, 0.0, metric(t, reg, "masx_pipeline_stalls_total"))
}

func TestWatchdogLifecycle(t *testing.T) {
	cfg := pipeline.WatchdogConfig{Progress: &pipeline.Progress{}, StallAfter: time.Second, Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()

	// Stop before Start latches: a later Start fails and starts nothing.
	wd, err := pipeline.NewWatchdog(cfg)
	require.NoError(t, err)
	require.NoError(t, wd.Stop(ctx))
	require.ErrorIs(t, wd.Start(ctx), pipeline.ErrWatchdogStopped)
	require.NoError(t, wd.Stop(ctx))

	// Start twice, Stop twice; Stop returns once the goroutine is gone
	// (goleak in TestMain checks that nothing is left).
	wd, err = pipeline.NewWatchdog(cfg)
	require.NoError(t, err)
	require.NoError(t, wd.Start(ctx))
	require.NoError(t, wd.Start(ctx))
	require.NoError(t, wd.Stop(ctx))
	require.NoError(t, wd.Stop(ctx))
	require.ErrorIs(t, wd.Start(ctx), pipeline.ErrWatchdogStopped)

	// A cancelled context refuses Start.
	wd, err = pipeline.NewWatchdog(cfg)
	require.NoError(t, err)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, wd.Start(cctx), context.Canceled)
	require.NoError(t, wd.Stop(ctx))

	// Bad configurations, and metrics registered twice on one registry.
	for _, bad := range []pipeline.WatchdogConfig{
		{},
		{Progress: &pipeline.Progress{}, StallAfter: -time.Second},
		{Progress: &pipeline.Progress{}, Interval: -time.Second},
	} {
		_, err := pipeline.NewWatchdog(bad)
		require.Error(t, err, "%+v", bad)
	}
	reg := prometheus.NewRegistry()
	cfg.Registerer = reg
	_, err = pipeline.NewWatchdog(cfg)
	require.NoError(t, err)
	_, err = pipeline.NewWatchdog(cfg)
	require.ErrorContains(t, err, "registering watchdog metrics")
}
