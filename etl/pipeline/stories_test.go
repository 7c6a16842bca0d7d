package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/vectorize"
	"github.com/masx-ai/masx/store/sqlite"
)

func TestVectorTextPicksTitleAndTranslation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a            news.Article
		text, source string
	}{
		{news.Article{Feed: news.Feed{Title: "Quake hits Izmir"}, ProcessedText: "Body."}, "Quake hits Izmir\n\nBody.", pipeline.TextOriginal},
		{news.Article{Feed: news.Feed{Title: "Séisme"}, ProcessedText: "Quake text in English.", Translated: true, RawText: "Texte."},
			"Séisme\n\nQuake text in English.", pipeline.TextTranslated},
		{news.Article{ProcessedText: "Body only."}, "Body only.", pipeline.TextOriginal},
		{news.Article{Feed: news.Feed{Title: "  Title only "}}, "Title only", pipeline.TextOriginal},
	} {
		text, source := pipeline.VectorText(&tc.a)
		require.Equal(t, tc.text, text)
		require.Equal(t, tc.source, source)
	}
}

// mismatched is a vectorizer that breaks the Vectorizer contract (one
// vector short): a fault of a third-party model that cannot be caused with
// the real ones, so a test double, named as such.
type mismatched struct{ vectorize.Vectorizer }

func (m mismatched) Vectorize(ctx context.Context, texts []string) ([][]float32, error) {
	v, err := m.Vectorizer.Vectorize(ctx, texts)
	return v[:len(v)-1], err
}

func TestStoriesClustersWithThePolicy(t *testing.T) {
	ex, err := executor.New(executor.Config{MaxThreads: 2, MaxProcs: 2})
	require.NoError(t, err)
	defer ex.Shutdown(context.Background())
	v, err := vectorize.NewTFIDF(vectorize.Options{})
	require.NoError(t, err)
	var in []pipeline.StoriesInput
	var gold []int
	for _, a := range cluster.TwoEvents(23, 0, 3) {
		in = append(in, pipeline.StoriesInput{Text: a.Title + "\n\n" + a.Text})
		gold = append(gold, a.Event)
	}
	// A lone article about something else, and one without a usable word.
	in = append(in, pipeline.StoriesInput{Text: "Central bank raises interest rates to curb inflation"}, pipeline.StoriesInput{Text: "!!! ..."})
	st, err := pipeline.Stories(context.Background(), ex, v, cluster.PolicyConfig{}, in)
	require.NoError(t, err)
	require.Len(t, st.Vectors, len(in))
	require.Equal(t, 2, st.NClusters, st.Algorithm)
	require.Equal(t, cluster.Noise, st.Labels[len(in)-1], "no usable word: unclustered")
	for i, g := range gold {
		require.Equal(t, st.Labels[0] == st.Labels[i], g == gold[0], "article %d", i)
		require.NotEqual(t, cluster.Noise, st.Labels[i])
	}
	require.Positive(t, st.Vectorized)

	orig, err := pipeline.Stories(context.Background(), ex, v, cluster.PolicyConfig{Policy: cluster.PolicyOriginal}, in)
	require.NoError(t, err)
	require.Equal(t, cluster.AlgorithmKMeans, orig.Algorithm)

	// Embedded articles are not vectorized again.
	emb := make([]pipeline.StoriesInput, len(in))
	for i := range in {
		emb[i] = pipeline.StoriesInput{Text: in[i].Text, Embedding: st.Vectors[i]}
	}
	again, err := pipeline.Stories(context.Background(), ex, mismatched{v}, cluster.PolicyConfig{}, emb)
	require.NoError(t, err)
	require.Zero(t, again.Vectorized)
	require.Equal(t, st.Labels, again.Labels)

	_, err = pipeline.Stories(context.Background(), ex, mismatched{v}, cluster.PolicyConfig{}, in)
	require.ErrorContains(t, err, "vectors for")
	_, err = pipeline.Stories(context.Background(), ex, v, cluster.PolicyConfig{Policy: "fancy"}, in)
	require.ErrorIs(t, err, cluster.ErrInvalidConfig)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = pipeline.Stories(ctx, ex, v, cluster.PolicyConfig{}, in)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestConfigRejectsABadPolicy(t *testing.T) {
	ex, err := executor.New(executor.Config{MaxThreads: 2, MaxProcs: 2})
	require.NoError(t, err)
	defer ex.Shutdown(context.Background())
	v, err := vectorize.NewTFIDF(vectorize.Options{})
	require.NoError(t, err)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	defer st.Close()
	_, err = pipeline.New(pipeline.Config{Cluster: cluster.PolicyConfig{Policy: "fancy"}},
		pipeline.Deps{Store: st, Getter: (*crawl.RenderClient)(nil), Vectorizer: v, Executors: ex})
	require.ErrorIs(t, err, cluster.ErrInvalidConfig)
	require.ErrorContains(t, err, "Config.Cluster")
}

func ExampleVectorText() {
	a := news.Article{Feed: news.Feed{Title: "Séisme à Izmir"}, Translated: true,
		RawText: "Un séisme a frappé Izmir.", ProcessedText: "An earthquake struck Izmir."}
	text, source := pipeline.VectorText(&a)
	fmt.Printf("%q from the %s text\n", text, source)
	// Output: "Séisme à Izmir\n\nAn earthquake struck Izmir." from the translated text
}
