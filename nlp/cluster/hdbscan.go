package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Cluster selection methods for [Config.Selection].
const (
	SelectionEOM  = "eom"  // excess of mass: the most persistent clusters
	SelectionLeaf = "leaf" // the leaves of the condensed tree: many small, homogeneous clusters
)

// DefaultMinClusterSize is [Config.MinClusterSize] when left zero; it is
// also what the original system used.
const DefaultMinClusterSize = 5

// Noise is the label of points that belong to no cluster.
const Noise = -1

// ErrInvalidConfig marks a configuration this package refuses; the concrete
// error is a [*ConfigError] naming the field.
var ErrInvalidConfig = errors.New("invalid clustering configuration")

// ConfigError names the field of a configuration that broke a rule.
type ConfigError struct {
	Field string // e.g. "MinClusterSize"
	Value any    // the value given
	Want  string // the rule, e.g. "at least 2"
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s is %v; want %s", e.Field, e.Value, e.Want)
}

// Is makes errors.Is(err, ErrInvalidConfig) hold.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// Config configures [HDBSCAN]. The zero value is valid and means
// scikit-learn's defaults except MinClusterSize, which is 5 here as in the
// original system.
type Config struct {
	// MinClusterSize is the smallest group reported as a cluster. Default
	// [DefaultMinClusterSize] (5); at least 2.
	MinClusterSize int
	// MinSamples is the k of the core distance (distance to the k-th
	// nearest neighbour, counting the point itself). Default (0):
	// MinClusterSize. Values above the number of points are capped at it;
	// scikit-learn refuses them instead.
	MinSamples int
	// Epsilon is cluster_selection_epsilon: a selected cluster that formed
	// at a distance below it is replaced by its lowest ancestor that
	// formed above it (or its top-level ancestor), so clusters closer than
	// Epsilon merge. Default 0 (off); must be finite and ≥ 0.
	Epsilon float64
	// Selection is [SelectionEOM] (default) or [SelectionLeaf].
	Selection string
	// Metric is [MetricEuclidean] (default) or [MetricCosine] (1 − cos).
	Metric string
	// Workers is how many goroutines share the O(n²) loops. Default (0):
	// GOMAXPROCS. Use 1 when the caller already runs one task per core.
	Workers int
}

// withDefaults fills zero fields and validates the result.
func (c Config) withDefaults() (Config, error) {
	if c.MinClusterSize == 0 {
		c.MinClusterSize = DefaultMinClusterSize
	}
	if c.MinClusterSize < 2 {
		return c, &ConfigError{Field: "MinClusterSize", Value: c.MinClusterSize, Want: "at least 2 (0 means 5)"}
	}
	if c.MinSamples < 0 {
		return c, &ConfigError{Field: "MinSamples", Value: c.MinSamples, Want: "at least 1 (0 means MinClusterSize)"}
	}
	if c.MinSamples == 0 {
		c.MinSamples = c.MinClusterSize
	}
	if math.IsNaN(c.Epsilon) || math.IsInf(c.Epsilon, 0) || c.Epsilon < 0 {
		return c, &ConfigError{Field: "Epsilon", Value: c.Epsilon, Want: "a finite number ≥ 0"}
	}
	switch c.Selection {
	case "":
		c.Selection = SelectionEOM
	case SelectionEOM, SelectionLeaf:
	default:
		return c, &ConfigError{Field: "Selection", Value: fmt.Sprintf("%q", c.Selection), Want: `"eom" or "leaf"`}
	}
	switch c.Metric {
	case "":
		c.Metric = MetricEuclidean
	case MetricEuclidean, MetricCosine:
	default:
		return c, &ConfigError{Field: "Metric", Value: fmt.Sprintf("%q", c.Metric), Want: `"euclidean" or "cosine"`}
	}
	if c.Workers < 0 {
		return c, &ConfigError{Field: "Workers", Value: c.Workers, Want: "at least 0 (0 means GOMAXPROCS)"}
	}
	return c, nil
}

// Validate reports whether c is usable, naming the first bad field.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// HDBSCAN clusters vectors with hierarchical density-based clustering and
// labels each vector with its cluster (0, 1, …) or [Noise]. It follows
// scikit-learn 1.9's sklearn.cluster.HDBSCAN with alpha 1 and
// allow_single_cluster false: same core distances, the same Prim's
// minimum spanning tree over mutual-reachability distances, the same
// condensed tree, stabilities, EOM/leaf selection and epsilon search, so it
// reproduces its partitions up to the order of equal-weight tree edges
// (see the package doc). Clusters are numbered as scikit-learn numbers
// them.
//
// Cost: O(n²·d) time in two passes (core distances, spanning tree), both
// shared by [Config.Workers] goroutines, and O(n·d) memory: the n×n
// distance matrix is never built. Fewer than 2·MinClusterSize points can
// hold no cluster and come back all noise at once.
func HDBSCAN[T Float](ctx context.Context, vectors [][]T, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	m, err := toMatrix(vectors)
	if err != nil {
		return Result{}, err
	}
	labels, err := hdbscan(ctx, m, cfg)
	if err != nil {
		return Result{}, err
	}
	return newResult(AlgorithmHDBSCAN, labels), nil
}

// hdbscan runs on validated data with a resolved config.
func hdbscan(ctx context.Context, m matrix, cfg Config) ([]int, error) {
	labels := make([]int, m.n)
	if m.n < 2*cfg.MinClusterSize {
		// Every cluster but the root needs a sibling, both of at least
		// MinClusterSize points; the root is never selected.
		for i := range labels {
			labels[i] = Noise
		}
		return labels, ctx.Err()
	}
	edges, err := spanningTree(ctx, m, cfg)
	if err != nil {
		return nil, err
	}
	return labelsFromTree(edges, m.n, cfg), nil
}

// spanningTree returns the mutual-reachability MST sorted by weight.
func spanningTree(ctx context.Context, m matrix, cfg Config) ([]mstEdge, error) {
	met := metricFor(cfg.Metric)
	m = met.prepare(m)
	workers := workersFor(cfg.Workers)
	var lb *lowerBound
	if cfg.Metric == MetricEuclidean && m.d >= boundMinDim && m.n >= boundMinPoints {
		var err error
		if lb, err = newLowerBound(ctx, m); err != nil {
			return nil, fmt.Errorf("projecting for distance bounds: %w", err)
		}
	}
	core, err := coreDistances(ctx, m, min(cfg.MinSamples, m.n), met, lb, workers)
	if err != nil {
		return nil, fmt.Errorf("computing core distances: %w", err)
	}
	edges, err := primMST(ctx, m, core, met, lb, workers)
	if err != nil {
		return nil, fmt.Errorf("building the minimum spanning tree: %w", err)
	}
	// NOTE: scikit-learn orders the edges with numpy's unstable argsort, so
	// among equal weights its order is whatever numpy's (SIMD) sort leaves.
	// We keep Prim's order (a stable sort). Equal weights are common,
	// because many mutual-reachability distances equal a core distance, but
	// the order only matters when one point bridges two clusters at exactly
	// its core distance: then that point joins one of the two clusters, and
	// which one can differ from scikit-learn. The golden tests show this
	// for three points in two data sets and nothing else.
	slices.SortStableFunc(edges, func(a, b mstEdge) int { return cmp.Compare(a.w, b.w) })
	return edges, nil
}

// labelsFromTree builds the hierarchy from sorted MST edges and selects
// the flat clustering.
func labelsFromTree(edges []mstEdge, n int, cfg Config) []int {
	tree := singleLinkage(edges, n)
	ct := condense(tree, n, cfg.MinClusterSize)
	return ct.labels(cfg.Selection, cfg.Epsilon)
}

// coreDistances returns, for each point, the distance to its k-th nearest
// neighbour counting itself (k = 1 gives 0), as scikit-learn's
// NearestNeighbors.kneighbors(X) does.
//
// It is a blocked brute-force search over tile pairs (I ≤ J), so each
// distance is computed once and updates both points. Each worker keeps
// private k-best lists, merged at the end, so there are no locks in the
// loop. A tree index would not help at the dimensions we see (20–768).
// Sums stop early once they pass both points' current k-th distance, and
// with a lower bound (lb, may be nil) pairs from far-apart clusters are
// dismissed on their first coreAxes projected coordinates.
func coreDistances(ctx context.Context, m matrix, k int, met metric, lb *lowerBound, workers int) ([]float64, error) {
	n := m.n
	core := make([]float64, n)
	kk := k - 1 // neighbours besides the point itself
	if kk <= 0 || n < 2 {
		return core, ctx.Err()
	}
	const tile = 64
	nt := (n + tile - 1) / tile
	pairs := make([][2]int, 0, nt*(nt+1)/2)
	for i := range nt {
		for j := i; j < nt; j++ {
			pairs = append(pairs, [2]int{i, j})
		}
	}
	workers = min(workers, len(pairs))
	best := make([][]float64, workers)
	for w := range best {
		b := make([]float64, n*kk)
		for i := range b {
			b[i] = math.Inf(1)
		}
		best[w] = b
	}
	var ca int // projected coordinates the bound looks at
	if lb != nil {
		ca = min(coreAxes, lb.k)
	}
	err := forEachTask(ctx, workers, len(pairs), func(w, t int) {
		b := best[w]
		iLo, jLo := pairs[t][0]*tile, pairs[t][1]*tile
		iHi, jHi := min(iLo+tile, n), min(jLo+tile, n)
		for i := iLo; i < iHi; i++ {
			ri := m.row(i)
			bi := b[i*kk : (i+1)*kk]
			from := jLo
			if iLo == jLo {
				from = i + 1
			}
			for j := from; j < jHi; j++ {
				bj := b[j*kk : (j+1)*kk]
				bound := max(bi[kk-1], bj[kk-1])
				if lb != nil && lb.exceeds(lb.p[i*lb.k:i*lb.k+ca], lb.p[j*lb.k:j*lb.k+ca], lb.nrm[i]+lb.nrm[j], bound) {
					continue
				}
				r := met.raw(ri, m.row(j), bound)
				if r < bi[kk-1] {
					insertSorted(bi, r)
				}
				if r < bj[kk-1] {
					insertSorted(bj, r)
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	merged := make([]float64, 0, workers*kk)
	for i := range n {
		merged = merged[:0]
		for w := range best {
			merged = append(merged, best[w][i*kk:(i+1)*kk]...)
		}
		slices.Sort(merged)
		core[i] = met.toDist(merged[kk-1])
	}
	return core, nil
}

// insertSorted puts v into the ascending list s, dropping its largest
// element; the caller has checked v < s[len(s)-1].
func insertSorted(s []float64, v float64) {
	i := len(s) - 1
	for i > 0 && s[i-1] > v {
		s[i] = s[i-1]
		i--
	}
	s[i] = v
}

// The distance lower bound pays off only where exact distances are costly
// (many dimensions) and numerous; below these sizes it is skipped.
const (
	boundMinDim     = 64
	boundMinPoints  = 1024
	boundAxes       = 32
	boundPowerIters = 2
	boundSample     = 2048 // points the axes are fitted on
	coreAxes        = 8    // projected coordinates the neighbour search checks
)

// lowerBound holds every point projected on its top principal axes. An
// orthonormal projection never lengthens a difference, so the projected
// distance (32 coordinates, cache-resident) bounds the true one (hundreds
// of coordinates, streamed from memory) from below. When the bound already
// exceeds what a distance would have to beat, the exact distance is not
// needed. Any orthonormal axes are correct; principal ones make the bound
// tight for clustered data, where far-away clusters are then skipped at
// the cost of 32 multiply-adds. The axes come from a cheap two-iteration
// randomized PCA of an evenly spread sample. It must span the directions
// that separate clusters: with 16 axes on 20 blobs the spanning tree saved
// 30 %, with 32 it saves 60 % (10,000 × 256).
type lowerBound struct {
	p   []float64 // n×k projected coordinates
	k   int
	nrm []float64 // ‖xᵢ‖² + ‖mean‖², the scale of rounding errors in p
}

func newLowerBound(ctx context.Context, m matrix) (*lowerBound, error) {
	// Any orthonormal axes give a valid bound, so they may come from an
	// evenly spread sample; only the projection touches every point.
	sample := m
	if m.n > boundSample {
		sample = matrix{data: make([]float64, 0, boundSample*m.d), n: boundSample, d: m.d}
		for i := range boundSample {
			sample.data = append(sample.data, m.row(i*m.n/boundSample)...)
		}
	}
	pa, err := principalAxes(ctx, sample, boundAxes, boundPowerIters, 0)
	if err != nil {
		return nil, err
	}
	var mean2 float64
	for _, v := range pa.mean {
		mean2 += v * v
	}
	nrm := make([]float64, m.n)
	for i := range m.n {
		var s float64
		for _, v := range m.row(i) {
			s += v * v
		}
		nrm[i] = s + mean2
	}
	proj := pa.project(m)
	return &lowerBound{p: proj.data, k: proj.d, nrm: nrm}, nil
}

// exceeds reports whether the squared distance of the two points whose
// projections are pi and pj is certainly above bound. scale is the sum of
// their nrm values. The projected sum is exact up to about 1e-11·scale
// (coordinates carry rounding from d-term dot products) and the axes are
// orthonormal up to about 1e-15, so the margins below leave a wide berth:
// a skipped distance is always one whose exact computation would have
// changed nothing.
func (b *lowerBound) exceeds(pi, pj []float64, scale, bound float64) bool {
	pj = pj[:len(pi)]
	var s0, s1 float64
	t := 0
	for ; t+1 < len(pi); t += 2 {
		d0, d1 := pi[t]-pj[t], pi[t+1]-pj[t+1]
		s0 += d0 * d0
		s1 += d1 * d1
	}
	if t < len(pi) {
		d0 := pi[t] - pj[t]
		s0 += d0 * d0
	}
	return s0+s1 > bound*(1+1e-7)+1e-9*scale
}

// mstEdge joins points a and b at mutual-reachability distance w.
type mstEdge struct {
	a, b int
	w    float64
}

// primMST is scikit-learn's mst_from_data_matrix: Prim's algorithm from
// point 0 over the implicit complete graph of mutual-reachability distances
// max(core(i), core(j), d(i, j)), O(n²) distance evaluations and O(n·d)
// memory. Among equally close candidates it picks the lowest point index,
// and a point keeps its first source on ties, exactly as there, so ties
// resolve the same way.
//
// Three exact shortcuts make it much cheaper than the reference without
// changing a single edge (the tests compare edge for edge):
//   - when max(core(current), core(j)) already reaches j's best distance to
//     the tree, no distance can improve it, so d(current, j) is skipped;
//   - with a lower bound (lb, may be nil), d(current, j) is skipped when
//     the projected distance already reaches that best distance;
//   - otherwise the squared distance stops accumulating once it passes it.
//
// Points still outside the tree are kept packed at the front of a working
// copy (swap-remove), so each step streams through contiguous memory.
func primMST(ctx context.Context, m matrix, core []float64, met metric, lb *lowerBound, workers int) ([]mstEdge, error) {
	n := m.n
	if n < 2 {
		return nil, nil
	}
	p := newPrim(m, core, met, lb)
	// Below this much work per step, fanning out costs more than it saves.
	const parallelWork = 1 << 15
	parts := make([]primCand, workers)
	edges := make([]mstEdge, 0, n-1)
	current, curCore := p.take(0)
	for step := 0; step < n-1; step++ {
		if step%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var best primCand
		if w := min(workers, p.rem); w > 1 && p.rem*p.d >= parallelWork {
			chunk := (p.rem + w - 1) / w
			err := forEachTask(ctx, w, w, func(_, t int) {
				parts[t] = p.scan(current, curCore, t*chunk, min((t+1)*chunk, p.rem))
			})
			if err != nil {
				return nil, err
			}
			best = parts[0]
			for _, c := range parts[1:w] {
				if c.slot >= 0 && c.better(best) {
					best = c
				}
			}
		} else {
			best = p.scan(current, curCore, 0, p.rem)
		}
		edges = append(edges, mstEdge{a: p.src[best.slot], b: best.point, w: best.w})
		current, curCore = p.take(best.slot)
	}
	return edges, nil
}

// prim is primMST's working state. Slots 0 to rem−1 hold the points still
// outside the tree, packed: each slot's row, point index, core distance,
// best mutual reachability to the tree so far and the tree point it is
// from, and with a lower bound its projected row and norm.
type prim struct {
	d, rem    int
	rows      []float64
	id        []int     // point index held in each slot
	cd        []float64 // core distance per slot
	reach     []float64
	src       []int
	met       metric
	lb        *lowerBound
	proj, nrm []float64
	pk        int
	// The point last added to the tree: its row, projection and norm.
	cur, curProj []float64
	curNrm       float64
}

func newPrim(m matrix, core []float64, met metric, lb *lowerBound) *prim {
	n := m.n
	p := &prim{d: m.d, rem: n, rows: slices.Clone(m.data), id: make([]int, n), cd: slices.Clone(core),
		reach: make([]float64, n), src: make([]int, n), met: met, lb: lb, cur: make([]float64, m.d)}
	for i := range n {
		p.id[i] = i
		p.reach[i] = math.Inf(1)
	}
	// The lower bound's projected rows and norms travel with their slots.
	if lb != nil {
		p.proj, p.nrm, p.pk = slices.Clone(lb.p), slices.Clone(lb.nrm), lb.k
		p.curProj = make([]float64, p.pk)
	}
	return p
}

// take adds the point in slot to the tree: it becomes the current point,
// and the last slot moves into its place.
func (p *prim) take(slot int) (point int, coreDist float64) {
	d, pk := p.d, p.pk
	point, coreDist = p.id[slot], p.cd[slot]
	copy(p.cur, p.rows[slot*d:(slot+1)*d])
	if p.lb != nil {
		copy(p.curProj, p.proj[slot*pk:(slot+1)*pk])
		p.curNrm = p.nrm[slot]
	}
	last := p.rem - 1
	if slot != last {
		copy(p.rows[slot*d:(slot+1)*d], p.rows[last*d:(last+1)*d])
		p.id[slot], p.cd[slot], p.reach[slot], p.src[slot] = p.id[last], p.cd[last], p.reach[last], p.src[last]
		if p.lb != nil {
			copy(p.proj[slot*pk:(slot+1)*pk], p.proj[last*pk:(last+1)*pk])
			p.nrm[slot] = p.nrm[last]
		}
	}
	p.rem--
	return point, coreDist
}

// primCand is a candidate edge: the point in slot, at mutual reachability
// w from the tree.
type primCand struct {
	w           float64
	point, slot int
}

// better orders candidates by weight, then by the lower point index.
func (a primCand) better(b primCand) bool { return a.w < b.w || (a.w == b.w && a.point < b.point) }

// scan updates the slots lo to hi−1 with their distance to the current
// point and returns the closest of them to the tree.
func (p *prim) scan(current int, curCore float64, lo, hi int) primCand {
	d, pk, met, lb := p.d, p.pk, p.met, p.lb
	rows, reach, src, cd, id, proj, nrm := p.rows, p.reach, p.src, p.cd, p.id, p.proj, p.nrm
	cur, curProj, curNrm := p.cur, p.curProj, p.curNrm
	best := primCand{w: math.Inf(1), point: math.MaxInt, slot: -1}
	for s := lo; s < hi; s++ {
		r := reach[s]
		if low := max(curCore, cd[s]); low < r {
			bound := math.Inf(1)
			if met.canAbandon && !math.IsInf(r, 1) {
				bound = met.rawBound(r)
			}
			skip := lb != nil && lb.exceeds(curProj, proj[s*pk:(s+1)*pk], curNrm+nrm[s], bound)
			if !skip {
				if mr := max(low, met.toDist(met.raw(cur, rows[s*d:(s+1)*d], bound))); mr < r {
					reach[s], src[s], r = mr, current, mr
				}
			}
		}
		if c := (primCand{w: r, point: id[s], slot: s}); c.better(best) {
			best = c
		}
	}
	return best
}
