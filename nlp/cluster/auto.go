package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Policy defaults: the original system's clustering stage.
const (
	// DefaultKMeansBelow: inputs with fewer vectors go to k-means.
	DefaultKMeansBelow = 50
	// DefaultDims: HDBSCAN runs on this many principal components.
	DefaultDims = 20
	// DefaultPolicyEpsilon is the HDBSCAN cluster_selection_epsilon of the
	// policy (in the reduced space of unit vectors).
	DefaultPolicyEpsilon = 0.05
)

// AutoConfig configures [Auto]. The zero value is the original system's
// policy.
type AutoConfig struct {
	// KMeansBelow: fewer vectors than this are clustered by k-means with
	// k = min(10, max(2, ⌊√(n/2)⌋)). Default [DefaultKMeansBelow] (50).
	KMeansBelow int
	// Dims is how many principal components HDBSCAN sees. Default
	// [DefaultDims] (20). Data with no more dimensions is not reduced.
	Dims int
	// HDBSCAN configures the HDBSCAN step. nil means the original's:
	// MinClusterSize 5, MinSamples 5, Epsilon [DefaultPolicyEpsilon], EOM.
	HDBSCAN *Config
	// Seed seeds k-means and the PCA's random projection. Zero is a valid
	// seed; equal seeds give equal results.
	Seed uint64
	// Workers bounds the goroutines of the HDBSCAN step when HDBSCAN is
	// nil or leaves Workers zero. Default (0): GOMAXPROCS.
	Workers int
}

func (c AutoConfig) withDefaults() (AutoConfig, Config, error) {
	if c.KMeansBelow < 0 {
		return c, Config{}, &ConfigError{Field: "KMeansBelow", Value: c.KMeansBelow, Want: "at least 0 (0 means 50)"}
	}
	if c.KMeansBelow == 0 {
		c.KMeansBelow = DefaultKMeansBelow
	}
	if c.Dims < 0 {
		return c, Config{}, &ConfigError{Field: "Dims", Value: c.Dims, Want: "at least 1 (0 means 20)"}
	}
	if c.Dims == 0 {
		c.Dims = DefaultDims
	}
	if c.Workers < 0 {
		return c, Config{}, &ConfigError{Field: "Workers", Value: c.Workers, Want: "at least 0 (0 means GOMAXPROCS)"}
	}
	h := Config{MinClusterSize: DefaultMinClusterSize, Epsilon: DefaultPolicyEpsilon}
	if c.HDBSCAN != nil {
		h = *c.HDBSCAN
	}
	if h.Workers == 0 {
		h.Workers = c.Workers
	}
	h, err := h.withDefaults()
	if ce := (*ConfigError)(nil); errors.As(err, &ce) {
		ce.Field = "HDBSCAN." + ce.Field
	}
	if err != nil {
		return c, h, err
	}
	return c, h, nil
}

// Validate reports whether c is usable, naming the first bad field.
func (c AutoConfig) Validate() error {
	_, _, err := c.withDefaults()
	return err
}

// SmallK is the k-means k for n < KMeansBelow vectors:
// min(10, max(2, ⌊√(n/2)⌋)), capped at n.
func SmallK(n int) int {
	return min(10, max(2, int(math.Floor(math.Sqrt(float64(n)/2)))), max(n, 0))
}

// FallbackK is the k-means k when HDBSCAN finds no cluster:
// max(3, round(√(n/2))), capped at n.
func FallbackK(n int) int {
	return min(max(3, int(math.Round(math.Sqrt(float64(n)/2)))), max(n, 0))
}

// Auto clusters vectors with the original system's policy:
//
//   - no vectors: an empty result ([AlgorithmNone]);
//   - fewer than KMeansBelow (50): k-means on the vectors as given with
//     k = [SmallK](n); one vector is one cluster;
//   - otherwise: L2-normalise (zero vectors stay zero), reduce to Dims (20)
//     principal components, HDBSCAN (MinClusterSize 5, Epsilon 0.05);
//     noise is [Noise];
//   - when HDBSCAN finds no cluster: k-means on the reduced vectors with
//     k = [FallbackK](n) ([AlgorithmKMeansFallback]).
//
// Identical vectors make one cluster (k-means stops seeding when every
// vector is already a centre). A NaN or infinite value, or rows of
// different lengths, give an [*InputError] naming the row. The result is
// deterministic for a given cfg.Seed. ctx is checked throughout the long
// loops; a cancelled run returns ctx.Err() wrapped.
func Auto[T Float](ctx context.Context, vectors [][]T, cfg AutoConfig) (Result, error) {
	cfg, hcfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	m, err := toMatrix(vectors)
	if err != nil {
		return Result{}, err
	}
	n := m.n
	if n == 0 {
		return newResult(AlgorithmNone, nil), ctx.Err()
	}
	if n < cfg.KMeansBelow {
		km, err := kmeans(ctx, m, KMeansConfig{K: SmallK(n), Restarts: DefaultRestarts, MaxIter: DefaultMaxIter, Tol: DefaultTol, Seed: cfg.Seed})
		if err != nil {
			return Result{}, fmt.Errorf("clustering %d vectors with k-means: %w", n, err)
		}
		return km.Result, nil
	}
	normalizeRows(m) // m is our own copy
	r, err := reduce(ctx, m, cfg.Dims, cfg.Seed)
	if err != nil {
		return Result{}, fmt.Errorf("reducing %d vectors to %d dimensions: %w", n, cfg.Dims, err)
	}
	labels, err := hdbscan(ctx, r, hcfg)
	if err != nil {
		return Result{}, fmt.Errorf("clustering %d vectors with HDBSCAN: %w", n, err)
	}
	if res := newResult(AlgorithmHDBSCAN, labels); res.NClusters > 0 {
		return res, nil
	}
	km, err := kmeans(ctx, r, KMeansConfig{K: FallbackK(n), Restarts: DefaultRestarts, MaxIter: DefaultMaxIter, Tol: DefaultTol, Seed: cfg.Seed})
	if err != nil {
		return Result{}, fmt.Errorf("clustering %d vectors with fallback k-means: %w", n, err)
	}
	km.Algorithm = AlgorithmKMeansFallback
	return km.Result, nil
}
