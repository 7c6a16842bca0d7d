package cluster

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// referenceCore computes core distances the obvious way: every distance,
// sorted. It shares only the distance kernel with coreDistances.
func referenceCore(m matrix, k int) []float64 {
	core := make([]float64, m.n)
	for i := range m.n {
		ds := make([]float64, 0, m.n)
		for j := range m.n {
			ds = append(ds, math.Sqrt(sqDist(m.row(i), m.row(j), math.Inf(1))))
		}
		slices.Sort(ds)
		core[i] = ds[k-1]
	}
	return core
}

// referencePrim is scikit-learn's mst_from_data_matrix loop as written
// there: no skipping, no early exit, no packing, one goroutine.
func referencePrim(m matrix, core []float64) []mstEdge {
	n := m.n
	inTree := make([]bool, n)
	reach := make([]float64, n)
	src := make([]int, n)
	for i := range reach {
		reach[i] = math.Inf(1)
		src[i] = 1
	}
	var edges []mstEdge
	cur := 0
	for range n - 1 {
		inTree[cur] = true
		best, bs, bn := math.MaxFloat64, 0, 0
		for j := range n {
			if inTree[j] {
				continue
			}
			d := math.Sqrt(sqDist(m.row(cur), m.row(j), math.Inf(1)))
			mr := max(core[cur], core[j], d)
			if mr < reach[j] {
				reach[j], src[j] = mr, cur
				if mr < best {
					best, bs, bn = mr, cur, j
				}
			} else if reach[j] < best {
				best, bs, bn = reach[j], src[j], j
			}
		}
		edges = append(edges, mstEdge{a: bs, b: bn, w: best})
		cur = bn
	}
	return edges
}

func TestCoreDistancesMatchReference(t *testing.T) {
	t.Parallel()
	x, _ := blobs64(300, 24, 4, 1.5, 3) // 24 dims: one 16-wide block plus a tail
	m, err := toMatrix(x)
	require.NoError(t, err)
	// Exact duplicates make ties and zero distances.
	copy(m.row(10), m.row(11))
	copy(m.row(12), m.row(11))
	lb, err := newLowerBound(t.Context(), m)
	require.NoError(t, err)
	for _, k := range []int{1, 2, 5, 17} {
		want := referenceCore(m, k)
		for _, workers := range []int{1, 2, 3} {
			for _, bound := range []*lowerBound{nil, lb} {
				got, err := coreDistances(t.Context(), m, k, metricFor(MetricEuclidean), bound, workers)
				require.NoError(t, err)
				require.Equal(t, want, got, "k=%d workers=%d bound=%v: core distances against the brute-force reference", k, workers, bound != nil)
			}
		}
	}
}

func TestLowerBoundIsSafeAndTight(t *testing.T) {
	t.Parallel()
	// Far from the origin, so centring and rounding are exercised.
	x, _ := blobs64(1500, 96, 6, 1, 21)
	for _, r := range x {
		for j := range r {
			r[j] += 1000
		}
	}
	m, err := toMatrix(x)
	require.NoError(t, err)
	lb, err := newLowerBound(t.Context(), m)
	require.NoError(t, err)
	require.Equal(t, boundAxes, lb.k, "axes")
	var ratio float64
	var pairs int
	for i := 0; i < m.n; i += 7 {
		for j := i + 1; j < m.n; j += 11 {
			d2 := sqDist(m.row(i), m.row(j), math.Inf(1))
			pi, pj := lb.p[i*lb.k:(i+1)*lb.k], lb.p[j*lb.k:(j+1)*lb.k]
			// Just below the true distance the bound must not claim more.
			require.False(t, lb.exceeds(pi, pj, lb.nrm[i]+lb.nrm[j], d2), "pair %d–%d: bound exceeds the true squared distance %v", i, j, d2)
			p2 := sqDist(pi, pj, math.Inf(1))
			ratio += p2 / d2
			pairs++
		}
	}
	// Six blobs span five directions, all within the 32 axes, so the
	// projection keeps most of each distance.
	require.GreaterOrEqual(t, ratio/float64(pairs), 0.8, "projected/true squared distance average; want ≥ 0.8 for a useful bound")
}

func TestPrimMatchesReferenceEdgeForEdge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		n, d int
	}{
		{"low-dim", 400, 3},
		{"wide", 200, 300}, // wide enough to fan out and to stop sums early
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, _ := blobs64(tc.n, tc.d, 5, 2, uint64(tc.n))
			m, err := toMatrix(x)
			require.NoError(t, err)
			copy(m.row(3), m.row(4)) // a duplicate
			core, err := coreDistances(t.Context(), m, 5, metricFor(MetricEuclidean), nil, 1)
			require.NoError(t, err)
			lb, err := newLowerBound(t.Context(), m)
			require.NoError(t, err)
			want := referencePrim(m, core)
			for _, workers := range []int{1, 2, 4} {
				for _, bound := range []*lowerBound{nil, lb} {
					got, err := primMST(t.Context(), m, core, metricFor(MetricEuclidean), bound, workers)
					require.NoError(t, err)
					require.Equal(t, want, got, "workers=%d bound=%v: spanning tree against the reference loop", workers, bound != nil)
				}
			}
		})
	}
}

func TestHDBSCANDeterministicAcrossRunsAndWorkers(t *testing.T) {
	t.Parallel()
	// 600×64: wide enough that each Prim step fans out (rem·d ≥ 2¹⁵).
	x, _ := blobs64(600, 64, 8, 3, 9)
	var first []int
	for _, workers := range []int{1, 2, 1, 4} {
		res, err := HDBSCAN(t.Context(), x, Config{Workers: workers})
		require.NoError(t, err)
		if first == nil {
			first = res.Labels
			require.GreaterOrEqual(t, res.NClusters, 2, "clusters found in 8 blobs; the test needs a real clustering")
			continue
		}
		require.Equal(t, first, res.Labels, "workers=%d: labels against the first run", workers)
	}
}

func TestHDBSCANFindsBlobs(t *testing.T) {
	t.Parallel()
	x, truth := blobs64(600, 16, 6, 1, 5)
	res, err := HDBSCAN(t.Context(), x, Config{})
	require.NoError(t, err)
	require.Equal(t, AlgorithmHDBSCAN, res.Algorithm, "Algorithm")
	ok, why := samePartition(res.Labels, truth)
	require.True(t, ok, "6 well-separated blobs not recovered: %s", why)
}

// directions returns 120 points along three axes (with 5 % jitter) at
// magnitudes 1…40, labelled by axis.
func directions() ([][]float64, []int) {
	dirs := [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}
	noise := gaussian(120, 4, 11)
	var x [][]float64
	var truth []int
	for i := range 120 {
		d := dirs[i%3]
		s := 1 + float64(i/3)
		v := make([]float64, 4)
		for j := range v {
			v[j] = s * (d[j] + 0.05*noise[i][j])
		}
		x = append(x, v)
		truth = append(truth, i%3)
	}
	return x, truth
}

func TestHDBSCANCosineGroupsDirections(t *testing.T) {
	t.Parallel()
	// Cosine sees three clusters; Euclidean distance sees magnitude.
	x, truth := directions()
	res, err := HDBSCAN(t.Context(), x, Config{Metric: MetricCosine})
	require.NoError(t, err)
	ok, why := samePartition(res.Labels, truth)
	require.True(t, ok, "cosine HDBSCAN did not group by direction: %s", why)
}

func TestHDBSCANSmallAndDegenerateInputs(t *testing.T) {
	t.Parallel()
	same := make([][]float64, 60)
	for i := range same {
		same[i] = []float64{0.5, -1, 2}
	}
	dup, _ := blobs64(200, 4, 2, 0.5, 1)
	for i := 0; i < 40; i++ { // 40 copies of one point: zero core distances
		dup[i] = dup[0]
	}
	for _, tc := range []struct {
		name      string
		x         [][]float64
		cfg       Config
		wantNoise int // -1: do not check
		wantK     int // -1: do not check
	}{
		{"empty", nil, Config{}, 0, 0},
		{"one point", [][]float64{{1, 2}}, Config{}, 1, 0},
		{"below two clusters", gaussian(9, 2, 1), Config{}, 9, 0},
		{"identical", same, Config{}, 60, 0},
		{"min samples above n", gaussian(30, 2, 2), Config{MinClusterSize: 3, MinSamples: 500}, -1, -1},
		{"many duplicates", dup, Config{}, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := HDBSCAN(t.Context(), tc.x, tc.cfg)
			require.NoError(t, err)
			require.Len(t, res.Labels, len(tc.x), "labels, one per point")
			for i, l := range res.Labels {
				require.True(t, l >= Noise && l < res.NClusters, "label[%d] = %d; want −1…%d", i, l, res.NClusters-1)
			}
			if tc.wantNoise >= 0 {
				require.Equal(t, tc.wantNoise, res.Noise(), "noise points")
			}
			if tc.wantK >= 0 {
				require.Equal(t, tc.wantK, res.NClusters, "NClusters")
			}
		})
	}
}

func TestHDBSCANDuplicatesStayTogether(t *testing.T) {
	t.Parallel()
	x, _ := blobs64(200, 4, 2, 0.5, 1)
	for i := 2; i < 40; i += 2 { // 19 copies of point 0, inside its blob
		x[i] = x[0]
	}
	res, err := HDBSCAN(t.Context(), x, Config{})
	require.NoError(t, err)
	for i := 2; i < 40; i += 2 {
		require.Equal(t, res.Labels[0], res.Labels[i], "copy %d's label against point 0's", i)
	}
}

func TestHDBSCANRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		x    [][]float64
		row  int
		text string
	}{
		{"NaN", [][]float64{{1, 2}, {3, math.NaN()}}, 1, "NaN"},
		{"Inf", [][]float64{{1, 2}, {3, 4}, {math.Inf(-1), 0}}, 2, "-Inf"},
		{"ragged", [][]float64{{1, 2}, {3, 4}, {5}}, 2, "has 1 values; want 2"},
		{"empty row", [][]float64{{}, {1}}, 0, "no values"},
		{"huge", [][]float64{{1e200, 0}}, 0, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := HDBSCAN(t.Context(), tc.x, Config{})
			var ie *InputError
			require.ErrorAs(t, err, &ie, "want an *InputError")
			require.ErrorIs(t, err, ErrInvalidInput)
			require.Equal(t, tc.row, ie.Row, "err = %q: row", err)
			require.ErrorContains(t, err, tc.text)
		})
	}
}

func TestConfigValidationNamesTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{MinClusterSize: 1}, "MinClusterSize"},
		{Config{MinClusterSize: -3}, "MinClusterSize"},
		{Config{MinSamples: -1}, "MinSamples"},
		{Config{Epsilon: -0.1}, "Epsilon"},
		{Config{Epsilon: math.NaN()}, "Epsilon"},
		{Config{Epsilon: math.Inf(1)}, "Epsilon"},
		{Config{Selection: "best"}, "Selection"},
		{Config{Metric: "manhattan"}, "Metric"},
		{Config{Workers: -1}, "Workers"},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, "%+v: want a *ConfigError", tc.cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", tc.cfg)
		require.Equal(t, tc.field, ce.Field, "%+v: the *ConfigError's field", tc.cfg)
		require.True(t, strings.HasPrefix(err.Error(), tc.field+" is "), "%+v: message %q does not start with the field", tc.cfg, err)
		_, err = HDBSCAN(t.Context(), gaussian(20, 2, 1), tc.cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v: HDBSCAN", tc.cfg)
	}
	require.NoError(t, (Config{}).Validate(), "zero Config")
}

func TestHDBSCANCancellation(t *testing.T) {
	t.Parallel()
	x, _ := blobs64(1000, 8, 4, 1, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := HDBSCAN(ctx, x, Config{})
	require.ErrorIs(t, err, context.Canceled, "cancelled before the call")
	// 1,000 points make 136 tile pairs for the core distances (one check
	// each), then the spanning tree checks once per 64 steps.
	for _, tc := range []struct {
		after int64
		where string
	}{
		{1, "computing core distances"},
		{60, "computing core distances"},
		{140, "building the minimum spanning tree"},
	} {
		for _, workers := range []int{1, 2} {
			_, err := HDBSCAN(cancelAfter(tc.after), x, Config{Workers: workers})
			require.ErrorIs(t, err, context.Canceled, "cancelled after %d checks, workers=%d", tc.after, workers)
			require.ErrorContains(t, err, tc.where, "cancelled after %d checks, workers=%d: want context.Canceled while %s", tc.after, workers, tc.where)
		}
	}
}

func TestHDBSCANEuclideanSplitsByMagnitude(t *testing.T) {
	t.Parallel()
	x, truth := directions()
	res, err := HDBSCAN(t.Context(), x, Config{})
	require.NoError(t, err)
	ok, _ := samePartition(res.Labels, truth)
	require.False(t, ok, "Euclidean HDBSCAN grouped by direction too; the cosine test proves nothing")
}
