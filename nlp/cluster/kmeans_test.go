package cluster

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestKMeansRecoversSeparatedBlobs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, d, k int }{{40, 2, 3}, {300, 16, 5}, {1000, 64, 10}} {
		x, truth := blobs64(tc.n, tc.d, tc.k, 0.5, uint64(tc.n))
		res, err := KMeans(t.Context(), x, KMeansConfig{K: tc.k})
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := samePartition(res.Labels, truth); !ok {
			t.Errorf("n=%d d=%d k=%d: blobs not recovered: %s", tc.n, tc.d, tc.k, why)
		}
		if res.NClusters != tc.k || len(res.Centroids) != tc.k {
			t.Errorf("n=%d: NClusters = %d, %d centroids; want %d", tc.n, res.NClusters, len(res.Centroids), tc.k)
		}
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
				if math.Abs(mean[j]-cen[j]) > 1e-9 {
					t.Fatalf("centroid %d[%d] = %v; mean of its points is %v", c, j, cen[j], mean[j])
				}
			}
		}
		for i, l := range res.Labels {
			for j, v := range x[i] {
				dv := v - res.Centroids[l][j]
				inertia += dv * dv
			}
		}
		if math.Abs(inertia-res.Inertia) > 1e-6*inertia {
			t.Errorf("Inertia = %v; sum of squared distances is %v", res.Inertia, inertia)
		}
	}
}

func TestKMeansDeterministicAndSeeded(t *testing.T) {
	t.Parallel()
	x := gaussian(200, 5, 3) // no structure: seeding decides
	a, err := KMeans(t.Context(), x, KMeansConfig{K: 6, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	b, err := KMeans(t.Context(), x, KMeansConfig{K: 6, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Labels, b.Labels) || a.Inertia != b.Inertia {
		t.Errorf("same seed, different results")
	}
	// Labels are numbered by first appearance.
	next := 0
	for _, l := range a.Labels {
		if l > next {
			t.Fatalf("label %d appears before label %d", l, next)
		}
		if l == next {
			next++
		}
	}
	// More restarts can only help (the first restart is the same one).
	one, err := KMeans(t.Context(), x, KMeansConfig{K: 6, Seed: 42, Restarts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Inertia > one.Inertia {
		t.Errorf("10 restarts: inertia %v; 1 restart: %v", a.Inertia, one.Inertia)
	}
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
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(res.Labels) != tc.n || res.NClusters != tc.wantK {
			t.Errorf("%s: %d labels, NClusters %d; want %d labels, %d clusters", tc.name, len(res.Labels), res.NClusters, tc.n, tc.wantK)
		}
		if res.Labels == nil || res.Centroids == nil {
			t.Errorf("%s: nil Labels or Centroids; want empty slices", tc.name)
		}
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
		if err := tc.cfg.Validate(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: err = %v; want a *ConfigError for %s", tc.cfg, err, tc.field)
		}
	}
}

func TestKMeansCancellation(t *testing.T) {
	t.Parallel()
	x := gaussian(500, 8, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := KMeans(ctx, x, KMeansConfig{K: 5}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	if _, err := KMeans(cancelAfter(5), x, KMeansConfig{K: 5}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled mid-run: err = %v; want context.Canceled", err)
	}
}
