package pipeline_test

import (
	"context"
	"errors"
	"fmt"
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

// fullAfterStore is a test double: its first ok PutArticles reach the real
// store, later ones fail as the SQLite driver fails on a full disk. (The
// real full disk is tested end to end in etl/jobs; here the failure must
// come at a chosen write.)
type fullAfterStore struct {
	store.Store
	ok    int32
	calls atomic.Int32
}

func (s *fullAfterStore) PutArticles(ctx context.Context, as []news.Article) error {
	if s.calls.Add(1) > s.ok {
		return fmt.Errorf("storing %d articles: %w: %w", len(as), store.ErrNoSpace, errors.New("database or disk is full (13)"))
	}
	return s.Store.PutArticles(ctx, as)
}

// A write that fails ends its flashpoint at once with the store's error,
// and progress counts only what was committed. (On a full disk the
// flashpoint went on fetching and analysing every remaining article, and
// progress counted articles the store never took: stored=160 with 80
// rows.)
func TestFailedWriteEndsTheFlashpointAndIsNotCounted(t *testing.T) {
	ctx := context.Background()
	const articles, batch = 120, 8
	syn, err := demo.Synthetic(demo.SyntheticOptions{Articles: articles, Flashpoints: 1, Topics: 2, Latency: 50 * time.Millisecond, PageBytes: 4 << 10})
	require.NoError(t, err)
	srv := httptest.NewServer(syn)
	t.Cleanup(srv.Close)

	real, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = real.Close() })
	st := &fullAfterStore{Store: real, ok: 2}
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
	prog := &pipeline.Progress{}
	p, err := pipeline.New(pipeline.Config{FetchWorkers: 4, Method: crawl.MethodHTTP, MinTextChars: 500, WriteBatch: batch, WriteInterval: time.Hour},
		pipeline.Deps{Store: st, Getter: client, Vectorizer: vec, Executors: ex, Progress: prog})
	require.NoError(t, err)

	fp := syn.Flashpoints(srv.URL)[0]
	require.NoError(t, st.CreateRun(ctx, news.Run{ID: "r"}))
	require.NoError(t, st.UpsertFlashpoints(ctx, "r", []news.Flashpoint{fp}))
	_, err = p.ProcessFlashpoint(ctx, "r", pipeline.Work{Flashpoint: fp})
	require.ErrorIs(t, err, store.ErrNoSpace)

	snap := prog.Snapshot()
	require.Less(t, snap.Fetched, int64(articles/2), "the flashpoint stopped at the failed write, not after every article")
	n, err := st.CountByStatus(ctx, "r")
	require.NoError(t, err)
	var rows int64
	for _, c := range n {
		rows += int64(c)
	}
	require.Equal(t, int64(2*batch), rows)
	require.Equal(t, rows, snap.Stored, "progress counts committed articles only")
}
