package cluster

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestPolicyK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, small, fallback int }{
		{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 2, 3}, {8, 2, 3}, {18, 3, 3},
		{32, 4, 4}, {49, 4, 5}, {50, 5, 5}, {200, 10, 10}, {500, 10, 16}, {10000, 10, 71},
	} {
		if got := SmallK(tc.n); got != tc.small {
			t.Errorf("SmallK(%d) = %d; want %d", tc.n, got, tc.small)
		}
		if got := FallbackK(tc.n); got != tc.fallback {
			t.Errorf("FallbackK(%d) = %d; want %d", tc.n, got, tc.fallback)
		}
	}
}

func TestAutoBelowFiftyUsesKMeans(t *testing.T) {
	t.Parallel()
	// 32 points in 4 tight blobs: SmallK(32) = 4.
	x, truth := blobs64(32, 8, 4, 0.2, 8)
	res, err := Auto(t.Context(), x, AutoConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Algorithm != AlgorithmKMeans || res.NClusters != 4 {
		t.Errorf("Algorithm %q with %d clusters; want %q with 4", res.Algorithm, res.NClusters, AlgorithmKMeans)
	}
	if ok, why := samePartition(res.Labels, truth); !ok {
		t.Errorf("blobs not recovered: %s", why)
	}
	// 49 is still k-means, 50 is not.
	x49, _ := blobs64(49, 8, 4, 0.2, 8)
	if res, err := Auto(t.Context(), x49, AutoConfig{}); err != nil || res.Algorithm != AlgorithmKMeans {
		t.Errorf("n=49: Algorithm %q, err %v; want %q", res.Algorithm, err, AlgorithmKMeans)
	}
}

func TestAutoUsesHDBSCANFromFifty(t *testing.T) {
	t.Parallel()
	// Embedding-like: 768 dimensions, 6 topics, 300 articles.
	x, truth := GaussianBlobs(300, 768, 6, 2, 4)
	res, err := Auto(t.Context(), x, AutoConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Algorithm != AlgorithmHDBSCAN {
		t.Fatalf("Algorithm = %q; want %q", res.Algorithm, AlgorithmHDBSCAN)
	}
	if ok, why := samePartition(res.Labels, truth); !ok {
		t.Errorf("6 topics not recovered: %s", why)
	}
	// Deterministic: a second run gives the same labels.
	again, err := Auto(t.Context(), x, AutoConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Labels, res.Labels) {
		t.Errorf("second run labelled differently")
	}
}

func TestAutoFallsBackWhenHDBSCANFindsNothing(t *testing.T) {
	t.Parallel()
	// Structureless noise in 30 dimensions: HDBSCAN keeps no cluster.
	x := gaussian(50, 30, 50)
	res, err := Auto(t.Context(), x, AutoConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Algorithm != AlgorithmKMeansFallback {
		t.Fatalf("Algorithm = %q; want %q", res.Algorithm, AlgorithmKMeansFallback)
	}
	if res.NClusters != FallbackK(50) || res.Noise() != 0 {
		t.Errorf("%d clusters, %d noise; want %d clusters and no noise", res.NClusters, res.Noise(), FallbackK(50))
	}
	// The premise: HDBSCAN on the same reduced vectors finds nothing.
	m, _ := toMatrix(x)
	normalizeRows(m)
	r, err := reduce(t.Context(), m, DefaultDims, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, h, _ := AutoConfig{}.withDefaults()
	labels, err := hdbscan(t.Context(), r, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := newResult(AlgorithmHDBSCAN, labels).NClusters; got != 0 {
		t.Errorf("HDBSCAN found %d clusters; the fallback test needs 0", got)
	}
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
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if res.Algorithm != tc.algo || res.NClusters != tc.k || len(res.Labels) != len(tc.x) || res.Labels == nil {
			t.Errorf("%s: %q, %d clusters, %d labels; want %q, %d clusters, %d labels",
				tc.name, res.Algorithm, res.NClusters, len(res.Labels), tc.algo, tc.k, len(tc.x))
		}
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
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want ErrInvalidInput with %q", tc.name, err, tc.want)
		}
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
		if err := tc.cfg.Validate(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: err = %v; want a *ConfigError for %s", tc.cfg, err, tc.field)
		}
	}
}

func TestAutoCancellation(t *testing.T) {
	t.Parallel()
	x, _ := GaussianBlobs(400, 64, 4, 1, 2)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Auto(ctx, x, AutoConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	for _, tc := range []struct {
		after int64
		where string
	}{
		{1, "reducing 400 vectors"}, // seven power iterations, one check each
		{5, "reducing 400 vectors"},
		{12, "clustering 400 vectors with HDBSCAN"},
	} {
		_, err := Auto(cancelAfter(tc.after), x, AutoConfig{})
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), tc.where) {
			t.Errorf("cancelled after %d checks: err = %v; want context.Canceled while %s", tc.after, err, tc.where)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	if r.n != 200 || r.d != 10 {
		t.Fatalf("reduced to %d×%d; want 200×10", r.n, r.d)
	}
	for i := 0; i < 200; i += 7 {
		for j := i + 1; j < 200; j += 5 {
			a, b := sqDist(m.row(i), m.row(j), math.Inf(1)), sqDist(r.row(i), r.row(j), math.Inf(1))
			if math.Abs(a-b) > 1e-9*(1+a) {
				t.Fatalf("distance² %d–%d: %v before, %v after", i, j, a, b)
			}
		}
	}
	again, _ := reduce(t.Context(), m, 10, 0)
	if !slices.Equal(again.data, r.data) {
		t.Errorf("reduce is not deterministic")
	}
	// Nothing to reduce: returned as is.
	if same, _ := reduce(t.Context(), m, 50, 0); same.d != 50 {
		t.Errorf("k = d: got %d dims; want the input's 50", same.d)
	}
}
