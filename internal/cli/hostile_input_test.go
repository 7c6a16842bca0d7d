package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
)

// One NUL byte in one feed URL used to fail its whole flashpoint: the
// invalid record was stored under its raw URL, the store refused the NUL,
// and every good article of the flashpoint was lost. Now the record is
// stored, escaped, with its reason, and the flashpoint completes.
func TestNULByteFeedLeavesEveryGoodArticleOK(t *testing.T) {
	for k, v := range map[string]string{"MASX_ALLOW_PRIVATE": "true", "MASX_HOST_DELAY_MS": "0", "MASX_HOST_CONCURRENCY": "8"} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	site, err := demo.Start(ctx)
	require.NoError(t, err)
	defer site.Close()
	fps := demo.Flashpoints(site.URL)
	first := fps[0].Feeds[0]
	fps[0].Feeds = append(fps[0].Feeds,
		news.Feed{URL: site.URL + "/nul\x00byte", Title: "a NUL byte"},
		news.Feed{URL: first.URL, Title: "an exact duplicate"},
		news.Feed{URL: "", Title: "no URL"})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	raw, err := json.Marshal(fps)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(in, raw, 0o600))
	db := filepath.Join(dir, "masx.db")

	code, _, stderr := runMasx(t, invocation{Within: 3 * time.Minute}, "run", "--input", in, "--method", "http", "--run-id", "nul", "--db", "sqlite://"+db)
	require.Equal(t, ExitOK, code, tail(stderr, 3000))

	st, err := sqlite.Open(ctx, db, nil)
	require.NoError(t, err)
	defer st.Close()
	run, err := st.GetRun(ctx, "nul")
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, run.State, run.Error)
	as, err := st.Articles(ctx, store.ArticleQuery{RunID: "nul"})
	require.NoError(t, err)
	require.Len(t, as, len(demo.Expect(site.URL))+3, "every input record stored once")
	by := map[string]news.Article{}
	for _, a := range as {
		by[a.URL] = a
	}
	nul := by[site.URL+"/nul%00byte"]
	require.Equal(t, news.StatusInvalid, nul.Status)
	require.Contains(t, nul.Error, "url")
	require.Equal(t, news.StatusInvalid, by["(no url)"].Status)
	var dup news.Article
	for u, a := range by {
		if strings.HasPrefix(u, first.URL+" (") {
			dup = a
		}
	}
	require.Equal(t, news.StatusDuplicate, dup.Status)
	// The good articles of the flashpoint with the bad records are kept as
	// in a clean run: the first feed's article is ok.
	require.Equal(t, news.StatusOK, by[first.URL].Status, by[first.URL].Error)
}
