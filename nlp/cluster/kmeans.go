package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// k-means defaults, used when the matching [KMeansConfig] field is zero.
const (
	DefaultRestarts = 10
	DefaultMaxIter  = 300
	DefaultTol      = 1e-4
)

// KMeansConfig configures [KMeans].
type KMeansConfig struct {
	// K is the number of clusters; at least 1. It is capped at the number
	// of vectors, and fewer clusters come back when there are fewer
	// distinct vectors than K.
	K int
	// Restarts is how many k-means++ seedings are run; the one with the
	// lowest inertia wins. Default [DefaultRestarts] (10).
	Restarts int
	// MaxIter bounds the Lloyd iterations of each restart. Default
	// [DefaultMaxIter] (300).
	MaxIter int
	// Tol stops a restart once the centroids move less than Tol times the
	// mean per-feature variance of the data (scikit-learn's rule), summed
	// as squared distances. Default [DefaultTol] (1e-4).
	Tol float64
	// Seed seeds the PCG generator behind seeding; equal seeds give equal
	// results. Zero is a valid seed.
	Seed uint64
}

func (c KMeansConfig) withDefaults() (KMeansConfig, error) {
	if c.K < 1 {
		return c, &ConfigError{Field: "K", Value: c.K, Want: "at least 1"}
	}
	if c.Restarts < 0 {
		return c, &ConfigError{Field: "Restarts", Value: c.Restarts, Want: "at least 1 (0 means 10)"}
	}
	if c.Restarts == 0 {
		c.Restarts = DefaultRestarts
	}
	if c.MaxIter < 0 {
		return c, &ConfigError{Field: "MaxIter", Value: c.MaxIter, Want: "at least 1 (0 means 300)"}
	}
	if c.MaxIter == 0 {
		c.MaxIter = DefaultMaxIter
	}
	if math.IsNaN(c.Tol) || math.IsInf(c.Tol, 0) || c.Tol < 0 {
		return c, &ConfigError{Field: "Tol", Value: c.Tol, Want: "a finite number ≥ 0 (0 means 1e-4)"}
	}
	if c.Tol == 0 {
		c.Tol = DefaultTol
	}
	return c, nil
}

// Validate reports whether c is usable, naming the first bad field.
func (c KMeansConfig) Validate() error {
	_, err := c.withDefaults()
	return err
}

// KMeansResult is a k-means clustering. Labels are numbered in order of
// first appearance, so equal partitions get equal labels; k-means has no
// noise.
type KMeansResult struct {
	Result
	// Centroids holds the centre of each cluster, indexed by label.
	Centroids [][]float64 `json:"centroids"`
	// Inertia is the sum of squared distances to the assigned centroids.
	Inertia float64 `json:"inertia"`
	// Iterations is the number of Lloyd iterations of the winning restart.
	Iterations int `json:"iterations"`
}

// KMeans partitions vectors into at most cfg.K clusters: k-means++ seeding
// (greedy, 2+ln k candidates per centre), Lloyd iterations, best of
// cfg.Restarts restarts. It is deterministic for a given cfg.Seed.
//
// Cost: O(Restarts · (K + iterations) · K · n · d); on the original's
// inputs (n < 50, or a fallback on 20 dimensions) well under a millisecond
// to a few milliseconds.
func KMeans[T Float](ctx context.Context, vectors [][]T, cfg KMeansConfig) (KMeansResult, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return KMeansResult{}, err
	}
	m, err := toMatrix(vectors)
	if err != nil {
		return KMeansResult{}, err
	}
	return kmeans(ctx, m, cfg)
}

func kmeans(ctx context.Context, m matrix, cfg KMeansConfig) (KMeansResult, error) {
	if m.n == 0 {
		return KMeansResult{Result: newResult(AlgorithmKMeans, nil), Centroids: [][]float64{}}, ctx.Err()
	}
	k := min(cfg.K, m.n)
	tol := cfg.Tol * meanVariance(m)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6d6173786b6d6e73)) // "masxkmns"
	var best *lloydRun
	for r := range cfg.Restarts {
		if err := ctx.Err(); err != nil {
			return KMeansResult{}, err
		}
		run, err := lloyd(ctx, m, seedPlusPlus(m, k, rng), cfg.MaxIter, tol)
		if err != nil {
			return KMeansResult{}, fmt.Errorf("running k-means restart %d: %w", r, err)
		}
		if best == nil || run.inertia < best.inertia {
			best = run
		}
	}
	return best.result(m.d), nil
}

// meanVariance is the mean over features of the per-feature variance.
func meanVariance(m matrix) float64 {
	mean := make([]float64, m.d)
	for i := range m.n {
		for j, x := range m.row(i) {
			mean[j] += x
		}
	}
	for j := range mean {
		mean[j] /= float64(m.n)
	}
	var v float64
	for i := range m.n {
		for j, x := range m.row(i) {
			dx := x - mean[j]
			v += dx * dx
		}
	}
	return v / float64(m.n*m.d)
}

// seedPlusPlus picks up to k centres by greedy k-means++: each new centre
// is the best (lowest resulting potential) of a few candidates drawn with
// probability proportional to the squared distance to the nearest centre
// so far. It stops early when every point already coincides with a centre.
func seedPlusPlus(m matrix, k int, rng *rand.Rand) []float64 {
	n, d := m.n, m.d
	centres := make([]float64, 0, k*d)
	first := rng.IntN(n)
	centres = append(centres, m.row(first)...)
	closest := make([]float64, n)
	var pot float64
	for i := range n {
		closest[i] = sqDist(m.row(i), m.row(first), math.Inf(1))
		pot += closest[i]
	}
	trials := 2 + int(math.Log(float64(k)))
	cand := make([]float64, n)
	bestClosest := make([]float64, n)
	for len(centres) < k*d && pot > 0 {
		bestIdx, bestPot := -1, math.Inf(1)
		for range trials {
			c := drawProportional(closest, rng.Float64()*pot)
			var p float64
			for i := range n {
				cand[i] = min(closest[i], sqDist(m.row(i), m.row(c), math.Inf(1)))
				p += cand[i]
			}
			if p < bestPot {
				bestIdx, bestPot = c, p
				copy(bestClosest, cand)
			}
		}
		centres = append(centres, m.row(bestIdx)...)
		copy(closest, bestClosest)
		pot = bestPot
	}
	return centres
}

// drawProportional returns the first index whose running sum of w exceeds
// r, skipping zero weights (points that are already centres).
func drawProportional(w []float64, r float64) int {
	var acc float64
	last := -1
	for i, x := range w {
		if x <= 0 {
			continue
		}
		last = i
		acc += x
		if acc > r {
			return i
		}
	}
	return last // r fell past the end by rounding
}

type lloydRun struct {
	labels    []int
	centroids []float64
	k         int
	inertia   float64
	iters     int
}

// lloyd refines the centres: assign every point to its nearest centre
// (lowest index on ties), move each centre to its points' mean, until the
// assignment stops changing, the centres move less than tol, or maxIter.
// A centre left without points is moved to the point farthest from its own
// centre, as scikit-learn does.
func lloyd(ctx context.Context, m matrix, centres []float64, maxIter int, tol float64) (*lloydRun, error) {
	n, d := m.n, m.d
	k := len(centres) / d
	labels := make([]int, n)
	dist := make([]float64, n)
	for i := range labels {
		labels[i] = -1
	}
	assign := func() (changed bool) {
		for i := range n {
			x := m.row(i)
			best, bd := 0, math.Inf(1)
			for c := range k {
				if s := sqDist(x, centres[c*d:(c+1)*d], bd); s < bd {
					best, bd = c, s
				}
			}
			if labels[i] != best {
				labels[i], changed = best, true
			}
			dist[i] = bd
		}
		return changed
	}
	next := make([]float64, k*d)
	count := make([]int, k)
	iters := 0
	for iters < maxIter {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		iters++
		if !assign() && iters > 1 {
			break
		}
		clear(next)
		clear(count)
		for i := range n {
			c := labels[i]
			count[c]++
			dst := next[c*d : (c+1)*d]
			for j, x := range m.row(i) {
				dst[j] += x
			}
		}
		relocateEmpty(m, next, count, labels, dist)
		var shift float64
		for c := range k {
			dst := next[c*d : (c+1)*d]
			if count[c] == 0 {
				// Empty and nothing to relocate: keep the centre where it is.
				copy(dst, centres[c*d:(c+1)*d])
				continue
			}
			inv := 1 / float64(count[c])
			for j := range dst {
				dst[j] *= inv
			}
			shift += sqDist(dst, centres[c*d:(c+1)*d], math.Inf(1))
		}
		centres, next = next, centres
		if shift <= tol {
			break
		}
	}
	assign()
	var inertia float64
	for _, v := range dist {
		inertia += v
	}
	return &lloydRun{labels: labels, centroids: centres, k: k, inertia: inertia, iters: iters}, nil
}

// relocateEmpty gives each empty cluster the point farthest from its
// centre (as a sum of one point, count 1), taken from clusters that keep at
// least one point.
func relocateEmpty(m matrix, sums []float64, count, labels []int, dist []float64) {
	d := m.d
	for c := range count {
		if count[c] > 0 {
			continue
		}
		far, fd := -1, 0.0
		for i, v := range dist {
			if v > fd && count[labels[i]] > 1 {
				far, fd = i, v
			}
		}
		if far < 0 {
			return // every point sits on its centre: nothing to move
		}
		from := labels[far]
		src := sums[from*d : (from+1)*d]
		for j, x := range m.row(far) {
			src[j] -= x
		}
		count[from]--
		copy(sums[c*d:(c+1)*d], m.row(far))
		count[c] = 1
		labels[far] = c
		dist[far] = 0
	}
}

// result renumbers clusters by first appearance and drops empty ones.
func (r *lloydRun) result(d int) KMeansResult {
	remap := make([]int, r.k)
	for i := range remap {
		remap[i] = -1
	}
	labels := make([]int, len(r.labels))
	var cents [][]float64
	for i, l := range r.labels {
		if remap[l] < 0 {
			remap[l] = len(cents)
			cents = append(cents, append([]float64(nil), r.centroids[l*d:(l+1)*d]...))
		}
		labels[i] = remap[l]
	}
	return KMeansResult{
		Result:     Result{Algorithm: AlgorithmKMeans, Labels: labels, NClusters: len(cents)},
		Centroids:  cents,
		Inertia:    r.inertia,
		Iterations: r.iters,
	}
}
