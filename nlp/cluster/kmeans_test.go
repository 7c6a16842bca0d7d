package cluster

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKMeansRecoversSeparatedBlobs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, d, k int }{{40, 2, 3}, {300, 16, 5}, {1000, 64, 10}} {
		x, truth := blobs64(tc.n, tc.d, tc.k, 0.5, uint64(tc.n))
		res, err := KMeans(t.Context(), x, KMeansConfig{K: tc.k})
		require.NoError(t, err)
		ok, why := samePartition(res.Labels, truth)
		require.True(t, ok, "n=%d d=%d k=%d: blobs not recovered: %s", tc.n, tc.d, tc.k, why)
		require.Equal(t, tc.k, res.NClusters, "n=%d: NClusters", tc.n)
		require.Len(t, res.Centroids, tc.k, "n=%d: centroids", tc.n)
		// Each centroid is the mean of its points and inertia adds up.
		var inertia float64
		for c, cen := range res.Centroids {
			mean := make([]float64, tc.d)
			cnt := 0
			for i, l := range res.Labels {
				if l == c {
					cnt++
					for j, v := range x[i] {
						mean[j] += v
					}
				}
			}
			for j := range mean {
				mean[j] /= float64(cnt)
				require.InDelta(t, mean[j], cen[j], 1e-9, "centroid %d[%d] against the mean of its points", c, j)
			}
		}
		for i, l := range res.Labels {
			for j, v := range x[i] {
				dv := v - res.Centroids[l][j]
				inertia += dv * dv
			}
		}
		require.InDelta(t, inertia, res.Inertia, 1e-6*inertia, "Inertia against the sum of squared distances")
	}
}

func TestKMeansDeterministicAndSeeded(t *testing.T) {
	t.Parallel()
	x := gaussian(200, 5, 3) // no structure: seeding decides
	a, err := KMeans(t.Context(), x, KMeansConfig{K: 6, Seed: 42})
	require.NoError(t, err)
	b, err := KMeans(t.Context(), x, KMeansConfig{K: 6, Seed: 42})
	require.NoError(t, err)
	require.Equal(t, a.Labels, b.Labels, "same seed, different labels")
	require.Equal(t, a.Inertia, b.Inertia, "same seed, different inertia")
	// Labels are numbered by first appearance.
	next := 0
	for _, l := range a.Labels {
		require.LessOrEqual(t, l, next, "label %d appears before label %d", l, next)
		if l == next {
			next++
		}
	}
	// More restarts can only help (the first restart is the same one).
	one, err := KMeans(t.Context(), x, KMeansConfig{K: 6, Seed: 42, Restarts: 1})
	require.NoError(t, err)
	require.LessOrEqual(t, a.Inertia, one.Inertia, "inertia with 10 restarts against 1 restart")
}

func TestKMeansDegenerateInputs(t *testing.T) {
	t.Parallel()
	same := make([][]float32, 30)
	for i := range same {
		same[i] = []float32{1, 2, 3}
	}
	two := [][]float64{{0, 0}, {0, 0}, {5, 5}, {5, 5}, {0, 0}}
	for _, tc := range []struct {
		name  string
		run   func() (KMeansResult, error)
		wantK int
		n     int
	}{
		{"empty", func() (KMeansResult, error) { return KMeans[float64](t.Context(), nil, KMeansConfig{K: 3}) }, 0, 0},
		{"one point", func() (KMeansResult, error) { return KMeans(t.Context(), [][]float64{{1}}, KMeansConfig{K: 3}) }, 1, 1},
		{"fewer points than k", func() (KMeansResult, error) { return KMeans(t.Context(), gaussian(3, 2, 1), KMeansConfig{K: 10}) }, 3, 3},
		{"identical", func() (KMeansResult, error) { return KMeans(t.Context(), same, KMeansConfig{K: 4}) }, 1, 30},
		{"two distinct", func() (KMeansResult, error) { return KMeans(t.Context(), two, KMeansConfig{K: 4}) }, 2, 5},
	} {
		res, err := tc.run()
		require.NoError(t, err, tc.name)
		require.Len(t, res.Labels, tc.n, "%s: labels", tc.name)
		require.Equal(t, tc.wantK, res.NClusters, "%s: NClusters", tc.name)
		require.NotNil(t, res.Labels, "%s: nil Labels; want an empty slice", tc.name)
		require.NotNil(t, res.Centroids, "%s: nil Centroids; want an empty slice", tc.name)
	}
}

func TestKMeansConfigValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg   KMeansConfig
		field string
	}{
		{KMeansConfig{}, "K"},
		{KMeansConfig{K: -2}, "K"},
		{KMeansConfig{K: 2, Restarts: -1}, "Restarts"},
		{KMeansConfig{K: 2, MaxIter: -1}, "MaxIter"},
		{KMeansConfig{K: 2, Tol: math.NaN()}, "Tol"},
		{KMeansConfig{K: 2, Tol: -1}, "Tol"},
	} {
		var ce *ConfigError
		require.ErrorAs(t, tc.cfg.Validate(), &ce, "%+v: want a *ConfigError", tc.cfg)
		require.Equal(t, tc.field, ce.Field, "%+v: the *ConfigError's field", tc.cfg)
	}
}

func TestKMeansCancellation(t *testing.T) {
	t.Parallel()
	x := gaussian(500, 8, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := KMeans(ctx, x, KMeansConfig{K: 5})
	require.ErrorIs(t, err, context.Canceled)
	_, err = KMeans(cancelAfter(5), x, KMeansConfig{K: 5})
	require.ErrorIs(t, err, context.Canceled, "cancelled mid-run")
}
