package cluster

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPolicyK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, small, fallback int }{
		{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 2, 3}, {8, 2, 3}, {18, 3, 3},
		{32, 4, 4}, {49, 4, 5}, {50, 5, 5}, {200, 10, 10}, {500, 10, 16}, {10000, 10, 71},
	} {
		require.Equal(t, tc.small, SmallK(tc.n), "SmallK(%d)", tc.n)
		require.Equal(t, tc.fallback, FallbackK(tc.n), "FallbackK(%d)", tc.n)
	}
}

func TestAutoBelowFiftyUsesKMeans(t *testing.T) {
	t.Parallel()
	// 32 points in 4 tight blobs: SmallK(32) = 4.
	x, truth := blobs64(32, 8, 4, 0.2, 8)
	res, err := Auto(t.Context(), x, AutoConfig{})
	require.NoError(t, err)
	require.Equal(t, AlgorithmKMeans, res.Algorithm, "Algorithm")
	require.Equal(t, 4, res.NClusters, "NClusters")
	ok, why := samePartition(res.Labels, truth)
	require.True(t, ok, "blobs not recovered: %s", why)
	// 49 is still k-means, 50 is not.
	x49, _ := blobs64(49, 8, 4, 0.2, 8)
	res, err = Auto(t.Context(), x49, AutoConfig{})
	require.NoError(t, err, "n=49")
	require.Equal(t, AlgorithmKMeans, res.Algorithm, "n=49: Algorithm")
}

func TestAutoUsesHDBSCANFromFifty(t *testing.T) {
	t.Parallel()
	// Embedding-like: 768 dimensions, 6 topics, 300 articles.
	x, truth := GaussianBlobs(300, 768, 6, 2, 4)
	res, err := Auto(t.Context(), x, AutoConfig{})
	require.NoError(t, err)
	require.Equal(t, AlgorithmHDBSCAN, res.Algorithm, "Algorithm")
	ok, why := samePartition(res.Labels, truth)
	require.True(t, ok, "6 topics not recovered: %s", why)
	// Deterministic: a second run gives the same labels.
	again, err := Auto(t.Context(), x, AutoConfig{})
	require.NoError(t, err)
	require.Equal(t, res.Labels, again.Labels, "second run labelled differently")
}

func TestAutoFallsBackWhenHDBSCANFindsNothing(t *testing.T) {
	t.Parallel()
	// Structureless noise in 30 dimensions: HDBSCAN keeps no cluster.
	x := gaussian(50, 30, 50)
	res, err := Auto(t.Context(), x, AutoConfig{})
	require.NoError(t, err)
	require.Equal(t, AlgorithmKMeansFallback, res.Algorithm, "Algorithm")
	require.Equal(t, FallbackK(50), res.NClusters, "NClusters")
	require.Zero(t, res.Noise(), "noise points")
	// The premise: HDBSCAN on the same reduced vectors finds nothing.
	m, _ := toMatrix(x)
	normalizeRows(m)
	r, err := reduce(t.Context(), m, DefaultDims, 0)
	require.NoError(t, err)
	_, h, _ := AutoConfig{}.withDefaults()
	labels, err := hdbscan(t.Context(), r, h)
	require.NoError(t, err)
	require.Zero(t, newResult(AlgorithmHDBSCAN, labels).NClusters, "HDBSCAN found clusters; the fallback test needs 0")
}

func TestAutoDegenerateInputs(t *testing.T) {
	t.Parallel()
	same := make([][]float32, 80)
	for i := range same {
		same[i] = []float32{0.1, 0.2, 0.3, 0.4}
	}
	zeros := make([][]float32, 60)
	for i := range zeros {
		zeros[i] = make([]float32, 30)
	}
	for _, tc := range []struct {
		name string
		x    [][]float32
		algo string
		k    int
	}{
		{"empty", nil, AlgorithmNone, 0},
		{"one vector", [][]float32{{1, 2, 3}}, AlgorithmKMeans, 1},
		{"two identical", [][]float32{{1, 2}, {1, 2}}, AlgorithmKMeans, 1},
		{"identical, many", same, AlgorithmKMeansFallback, 1},
		{"all zero", zeros, AlgorithmKMeansFallback, 1},
	} {
		res, err := Auto(t.Context(), tc.x, AutoConfig{})
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.algo, res.Algorithm, "%s: Algorithm", tc.name)
		require.Equal(t, tc.k, res.NClusters, "%s: NClusters", tc.name)
		require.Len(t, res.Labels, len(tc.x), "%s: labels", tc.name)
		require.NotNil(t, res.Labels, "%s: nil Labels", tc.name)
	}
}

func TestAutoRejectsBadVectors(t *testing.T) {
	t.Parallel()
	x, _ := GaussianBlobs(60, 8, 3, 1, 1)
	nan := slices.Clone(x)
	nan[41] = slices.Clone(x[41])
	nan[41][3] = float32(math.NaN())
	inf := slices.Clone(x)
	inf[7] = slices.Clone(x[7])
	inf[7][0] = float32(math.Inf(1))
	ragged := slices.Clone(x)
	ragged[59] = x[59][:5]
	for _, tc := range []struct {
		name string
		x    [][]float32
		want string
	}{
		{"NaN", nan, "row 41, value 3: value is NaN"},
		{"Inf", inf, "row 7, value 0: value is +Inf"},
		{"ragged", ragged, "row 59: has 5 values; want 8 like row 0"},
	} {
		_, err := Auto(t.Context(), tc.x, AutoConfig{})
		require.ErrorIs(t, err, ErrInvalidInput, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestAutoConfigValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg   AutoConfig
		field string
	}{
		{AutoConfig{KMeansBelow: -1}, "KMeansBelow"},
		{AutoConfig{Dims: -5}, "Dims"},
		{AutoConfig{Workers: -1}, "Workers"},
		{AutoConfig{HDBSCAN: &Config{Selection: "nope"}}, "HDBSCAN.Selection"},
	} {
		var ce *ConfigError
		require.ErrorAs(t, tc.cfg.Validate(), &ce, "%+v: want a *ConfigError", tc.cfg)
		require.Equal(t, tc.field, ce.Field, "%+v: the *ConfigError's field", tc.cfg)
	}
}

func TestAutoCancellation(t *testing.T) {
	t.Parallel()
	x, _ := GaussianBlobs(400, 64, 4, 1, 2)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Auto(ctx, x, AutoConfig{})
	require.ErrorIs(t, err, context.Canceled)
	for _, tc := range []struct {
		after int64
		where string
	}{
		{1, "reducing 400 vectors"}, // seven power iterations, one check each
		{5, "reducing 400 vectors"},
		{12, "clustering 400 vectors with HDBSCAN"},
	} {
		_, err := Auto(cancelAfter(tc.after), x, AutoConfig{})
		require.ErrorIs(t, err, context.Canceled, "cancelled after %d checks", tc.after)
		require.ErrorContains(t, err, tc.where, "cancelled after %d checks: want context.Canceled while %s", tc.after, tc.where)
	}
}

func TestReducePreservesLowRankDistances(t *testing.T) {
	t.Parallel()
	// 200 points in a random 6-dimensional subspace of 50 dimensions:
	// 10 principal components keep every distance.
	basis := gaussian(6, 50, 1)
	coef := gaussian(200, 6, 2)
	x := make([][]float64, 200)
	for i := range x {
		x[i] = make([]float64, 50)
		for b := range basis {
			for j := range x[i] {
				x[i][j] += coef[i][b] * basis[b][j]
			}
		}
	}
	m, _ := toMatrix(x)
	r, err := reduce(t.Context(), m, 10, 0)
	require.NoError(t, err)
	require.Equal(t, [2]int{200, 10}, [2]int{r.n, r.d}, "reduced size, n×d")
	for i := 0; i < 200; i += 7 {
		for j := i + 1; j < 200; j += 5 {
			a, b := sqDist(m.row(i), m.row(j), math.Inf(1)), sqDist(r.row(i), r.row(j), math.Inf(1))
			require.InDelta(t, a, b, 1e-9*(1+a), "distance² %d–%d before and after", i, j)
		}
	}
	again, _ := reduce(t.Context(), m, 10, 0)
	require.Equal(t, r.data, again.data, "reduce is not deterministic")
	// Nothing to reduce: returned as is.
	same, _ := reduce(t.Context(), m, 50, 0)
	require.Equal(t, 50, same.d, "k = d: want the input's dims")
}
