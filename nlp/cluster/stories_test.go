package cluster

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/cluster/score"
	"github.com/masx-ai/masx/nlp/vectorize"
)

func TestStoriesFindsTheBlobsWithoutK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, centers int }{{30, 3}, {600, 8}} {
		x, truth := GaussianBlobs(tc.n, 16, tc.centers, 0.5, 3)
		res, err := Cluster(t.Context(), x, PolicyConfig{})
		require.NoError(t, err)
		s, err := score.Compare(res.Labels, truth)
		require.NoError(t, err)
		require.Equal(t, tc.centers, res.NClusters, "n=%d: %s", tc.n, res.Algorithm)
		require.InDelta(t, 1, s.ARI, 1e-9, "n=%d", tc.n)
		require.Zero(t, res.Noise())
	}
}

// Two same-kind events in one flashpoint (23 articles): the original's
// k = max(2, ⌊√(n/2)⌋) = 3 splits one event; the stories policy finds 2
// and scores as well as k-means told k = 2. This is the regression case of
// issue 18.
func TestStoriesTwoEventsBeatTheOriginal(t *testing.T) {
	t.Parallel()
	v, err := vectorize.NewTFIDF(vectorize.Options{})
	require.NoError(t, err)
	for kind := range 2 {
		arts := TwoEvents(23, kind, 7)
		texts, gold := make([]string, len(arts)), make([]int, len(arts))
		for i, a := range arts {
			texts[i], gold[i] = a.Title+"\n\n"+a.Text, a.Event
		}
		vecs, err := v.Vectorize(t.Context(), texts)
		require.NoError(t, err)
		orig, err := Cluster(t.Context(), vecs, PolicyConfig{Policy: PolicyOriginal})
		require.NoError(t, err)
		stories, err := Cluster(t.Context(), vecs, PolicyConfig{})
		require.NoError(t, err)
		given, err := KMeans(t.Context(), vecs, KMeansConfig{K: 2})
		require.NoError(t, err)
		so, _ := score.Compare(orig.Labels, gold)
		ss, _ := score.Compare(stories.Labels, gold)
		sk, _ := score.Compare(given.Labels, gold)
		require.Equal(t, 3, orig.NClusters, "kind %d: the original asks for 3", kind)
		require.Equal(t, AlgorithmHDBSCANRefined, stories.Algorithm)
		require.Equal(t, 2, stories.NClusters, "kind %d", kind)
		require.GreaterOrEqual(t, ss.ARI, sk.ARI, "kind %d: stories vs k-means given k", kind)
		require.Greater(t, ss.ARI, so.ARI, "kind %d: stories vs original", kind)
	}
}

func TestStoriesDegenerate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	res, err := Stories[float64](ctx, nil, StoriesConfig{}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, AlgorithmNone, res.Algorithm)
	require.Empty(t, res.Labels)

	// Zero vectors (texts without a usable word) fit no story.
	res, err = Stories(ctx, [][]float64{{0, 0}, {1, 0}, {0, 0}}, StoriesConfig{}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, []int{Noise, 0, Noise}, res.Labels)
	require.Equal(t, 2, res.Noise())

	// Identical vectors: one story, not a forced split.
	same := [][]float32{{1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}}
	res, err = Stories(ctx, same, StoriesConfig{}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, AlgorithmOneStory, res.Algorithm)
	require.Equal(t, []int{0, 0, 0, 0, 0}, res.Labels)

	// One blob: no split is convincing enough.
	one, _ := GaussianBlobs(40, 64, 1, 0.01, 1)
	for i := range one { // move it away from the origin so directions agree
		one[i][0] += 100
	}
	res, err = Stories(ctx, one, StoriesConfig{}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, 1, res.NClusters, res.Algorithm)
}

func TestStoriesBadInputAndConfig(t *testing.T) {
	t.Parallel()
	_, err := Cluster(t.Context(), [][]float64{{1, 2}, {1}}, PolicyConfig{})
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, 1, ie.Row)

	for _, cfg := range []PolicyConfig{
		{Policy: "fancy"},
		{Stories: StoriesConfig{MaxK: 1}},
		{Stories: StoriesConfig{MinSilhouette: 2}},
		{Stories: StoriesConfig{NoiseBelow: 1}},
		{Stories: StoriesConfig{RefineIters: -1}},
		{Stories: StoriesConfig{HDBSCAN: &Config{MinClusterSize: 1}}},
		{Policy: PolicyOriginal, Original: AutoConfig{Dims: -1}},
	} {
		_, err := Cluster(t.Context(), [][]float64{{1}}, cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", cfg)
	}
	var ce *ConfigError
	require.ErrorAs(t, PolicyConfig{Policy: "fancy"}.Validate(), &ce)
	require.Equal(t, "Policy", ce.Field)
}

// The original policy stays selectable and is exactly Auto.
func TestPolicyOriginalIsAuto(t *testing.T) {
	t.Parallel()
	x, _ := GaussianBlobs(120, 8, 4, 0.5, 5)
	want, err := Auto(t.Context(), x, AutoConfig{Seed: 9})
	require.NoError(t, err)
	got, err := Cluster(t.Context(), x, PolicyConfig{Policy: PolicyOriginal, Seed: 9})
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, PolicyStories, PolicyConfig{}.Name())
}

func TestStoriesCancelled(t *testing.T) {
	t.Parallel()
	x, _ := GaussianBlobs(400, 8, 4, 0.5, 5)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Stories(ctx, x, StoriesConfig{}, 0, 2)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	// Cancelled at every check in turn, up to the first run that has no
	// check left: each one must stop the run with the context's error.
	checks := int64(1)
	for ; ; checks++ {
		_, err := Stories(cancelAfter(checks), x, StoriesConfig{}, 0, 2)
		if err == nil {
			break
		}
		require.ErrorIs(t, err, context.Canceled, "cancelled at check %d", checks)
	}
	require.Greater(t, checks, int64(3), "the run checks its context")
}

func TestStoriesDeterministic(t *testing.T) {
	t.Parallel()
	x, _ := GaussianBlobs(300, 8, 6, 1.5, 2)
	a, err := Stories(t.Context(), x, StoriesConfig{}, 4, 2)
	require.NoError(t, err)
	b, err := Stories(t.Context(), x, StoriesConfig{}, 4, 1)
	require.NoError(t, err)
	require.Equal(t, a, b, "workers must not change the result")
}

func ExampleCluster() {
	x, _ := GaussianBlobs(200, 8, 5, 0.5, 1)
	res, err := Cluster(context.Background(), x, PolicyConfig{}) // the stories policy: k is not given
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Algorithm, res.NClusters, res.Noise())
	// Output: hdbscan_refined 5 0
}

func TestAdaptiveMinClusterSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int{0: 3, 8: 3, 15: 3, 16: 4, 19: 4, 20: 5, 23: 5, 11109: 5} {
		require.Equal(t, want, AdaptiveMinClusterSize(n), "n=%d", n)
	}
}

// When HDBSCAN finds no core (here: fewer than two clusters' worth of
// points), the silhouette search still splits two clear groups.
func TestStoriesSilhouetteFallback(t *testing.T) {
	t.Parallel()
	x := [][]float64{{1, 0, 0}, {0.99, 0.1, 0}, {0.98, 0, 0.1}, {0, 1, 0}, {0.1, 0.99, 0}}
	res, err := Stories(t.Context(), x, StoriesConfig{}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, AlgorithmSilhouette, res.Algorithm)
	require.Equal(t, []int{0, 0, 0, 1, 1}, res.Labels)
}
