package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store/sqlite"
)

// Articles that fit no story are listed under their flashpoint, after its
// clusters, and counted in the header; failed articles are not listed.
func TestResultsListUnclustered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.CreateRun(ctx, news.Run{ID: "r", Input: "test"}))
	art := func(fp, url string, status news.Status, cl int) news.Article {
		return news.Article{Feed: news.Feed{URL: url, FlashpointID: fp, Title: url}, RunID: "r", Status: status, ClusterID: cl}
	}
	require.NoError(t, st.UpsertFlashpoints(ctx, "r", []news.Flashpoint{{ID: "fp1", Title: "One"}, {ID: "fp2", Title: "Two"}}))
	require.NoError(t, st.PutArticles(ctx, []news.Article{
		art("fp1", "http://a/1", news.StatusOK, 0), art("fp1", "http://a/2", news.StatusOK, 0),
		art("fp1", "http://a/lone", news.StatusOK, -1), art("fp1", "http://a/failed", news.StatusFetchFailed, -1),
		art("fp2", "http://b/lone", news.StatusOK, -1),
	}))
	require.NoError(t, st.ReplaceClusters(ctx, "r", "fp1", []news.Cluster{{RunID: "r", FlashpointID: "fp1", ClusterID: 0, ArticleCount: 2,
		URLs: []string{"http://a/1", "http://a/2"}, Summary: "two articles"}}))

	var b bytes.Buffer
	require.NoError(t, printResults(ctx, &b, st, "r", "", false))
	out := b.String()
	require.Contains(t, out, "1 clusters, 2 unclustered articles")
	require.Contains(t, out, "unclustered: 1 articles fit no story\n    - http://a/lone")
	require.Contains(t, out, "(fp2)\n\n  unclustered: 1 articles fit no story\n    - http://b/lone")
	require.NotContains(t, out, "http://a/failed")

	us, err := unclustered(ctx, st, "r", "fp1")
	require.NoError(t, err)
	require.Equal(t, []unclusteredArticle{{FlashpointID: "fp1", URL: "http://a/lone", Title: "http://a/lone"}}, us)
}
