package pipeline_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

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

// One failed robots.txt request used to block a host's articles for good:
// the failure made them blocked (terminal), and a resumed run skipped
// them. An unreachable robots.txt now refuses them only for now: they end
// retry_later, ProcessFlashpoint says ErrRetryLater (the job retries), and
// the next attempt of the same run fetches exactly those.
func TestUnreachableRobotsIsRetriedNotBlocked(t *testing.T) {
	ctx := context.Background()
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: 4, Topics: 1, PageBytes: 4096})
	require.NoError(t, err)
	var down atomic.Bool
	down.Store(true)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" && down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		site.ServeHTTP(w, r)
	}))
	defer ts.Close()

	ex, err := executor.New(executor.Config{MaxThreads: 4, MaxProcs: 2})
	require.NoError(t, err)
	defer func() { require.NoError(t, ex.Shutdown(context.Background())) }()
	// A short error TTL, so the next attempt asks robots.txt again soon.
	f, err := fetch.New(fetch.Config{AllowPrivate: true, HostDelay: -1, Retries: 1, BackoffBase: time.Millisecond,
		RobotsErrorTTL: 100 * time.Millisecond})
	require.NoError(t, err)
	defer f.Close()
	client, err := crawl.New(crawl.Config{Fetcher: f, MinTextChars: 200, IO: ex.IO, CPU: ex.CPU})
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	defer st.Close()
	vec, err := vectorize.NewTFIDF(vectorize.Options{})
	require.NoError(t, err)
	p, err := pipeline.New(pipeline.Config{MinTextChars: 200, Method: crawl.MethodHTTP},
		pipeline.Deps{Store: st, Getter: client, Vectorizer: vec, Executors: ex})
	require.NoError(t, err)
	fps := site.Flashpoints(ts.URL)
	require.Len(t, fps, 1)
	works := []pipeline.Work{{Flashpoint: fps[0]}}

	_, err = processRun(ctx, st, p, "robots", works)
	require.ErrorIs(t, err, pipeline.ErrRetryLater)
	as, err := st.Articles(ctx, store.ArticleQuery{RunID: "robots"})
	require.NoError(t, err)
	require.Len(t, as, 4)
	for _, a := range as {
		require.Equal(t, news.StatusRetryLater, a.Status, "not blocked: %s", a.Error)
		require.Contains(t, a.Error, "robots.txt is unreachable")
	}

	down.Store(false)
	time.Sleep(150 * time.Millisecond) // past RobotsErrorTTL: what a job's backoff does
	_, err = processRun(ctx, st, p, "robots", works)
	require.NoError(t, err, "the next attempt fetches them")
	as, err = st.Articles(ctx, store.ArticleQuery{RunID: "robots"})
	require.NoError(t, err)
	for _, a := range as {
		require.Equal(t, news.StatusOK, a.Status, a.Error)
	}
}
