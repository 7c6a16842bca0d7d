package cluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// goldenSet is one data set of testdata/hdbscan_golden.json, labelled by
// scikit-learn 1.9.1 sklearn.cluster.HDBSCAN (alpha 1, allow_single_cluster
// false).
type goldenSet struct {
	Name           string      `json:"name"`
	X              [][]float64 `json:"X"`
	Labels         []int       `json:"labels"`
	MinClusterSize int         `json:"min_cluster_size"`
	MinSamples     *int        `json:"min_samples"`
	Epsilon        float64     `json:"cluster_selection_epsilon"`
	Method         string      `json:"cluster_selection_method"`
	Metric         string      `json:"metric"`
	NClusters      int         `json:"n_clusters"`
}

func loadGolden(t testing.TB) []goldenSet {
	t.Helper()
	b, err := os.ReadFile("testdata/hdbscan_golden.json")
	require.NoError(t, err)
	var sets []goldenSet
	require.NoError(t, json.Unmarshal(b, &sets))
	require.NotEmpty(t, sets, "no data sets in testdata/hdbscan_golden.json")
	return sets
}

func (g goldenSet) config() Config {
	c := Config{MinClusterSize: g.MinClusterSize, Epsilon: g.Epsilon, Selection: g.Method, Metric: g.Metric}
	if g.MinSamples != nil {
		c.MinSamples = *g.MinSamples
	}
	return c
}

// samePartition reports whether got and want group the points the same way
// and agree on which points are noise; label numbers may differ. It returns
// a description of the first difference.
func samePartition(got, want []int) (bool, string) {
	if len(got) != len(want) {
		return false, fmt.Sprintf("%d labels; want %d", len(got), len(want))
	}
	g2w, w2g := map[int]int{}, map[int]int{}
	var diffs int
	first := ""
	for i := range got {
		g, w := got[i], want[i]
		ok := true
		switch {
		case (g == Noise) != (w == Noise):
			ok = false
		case g == Noise:
		default:
			if m, seen := g2w[g]; seen && m != w {
				ok = false
			} else if m, seen := w2g[w]; seen && m != g {
				ok = false
			} else {
				g2w[g], w2g[w] = w, g
			}
		}
		if !ok {
			diffs++
			if first == "" {
				first = fmt.Sprintf("point %d: got label %d; want %d (as numbered by scikit-learn)", i, g, w)
			}
		}
	}
	if diffs > 0 {
		return false, fmt.Sprintf("%d points differ; first %s", diffs, first)
	}
	return true, ""
}

// exactGolden lists the data sets whose partition matches scikit-learn's
// exactly. In the others a point or two bridge two clusters through two MST
// edges of equal weight, and scikit-learn's order for them comes from
// numpy's unstable (SIMD) argsort; those must match once the equal-weight
// edges next to the differing points are reordered, and only then.
var exactGolden = map[string]bool{
	"blobs10d_1000":        true,
	"moons_400":            true,
	"varied_density_noise": true,
	"unit_sphere_20d_eps":  true,
}

func TestHDBSCANMatchesScikitLearn(t *testing.T) {
	t.Parallel()
	sets := loadGolden(t)
	require.Len(t, sets, 6, "golden data sets (update exactGolden when the file changes)")
	for _, g := range sets {
		t.Run(g.Name, func(t *testing.T) {
			t.Parallel()
			res, err := HDBSCAN(t.Context(), g.X, g.config())
			require.NoError(t, err)
			ok, why := samePartition(res.Labels, g.Labels)
			switch {
			case ok && exactGolden[g.Name]:
				require.Equal(t, g.NClusters, res.NClusters, "NClusters")
			case ok:
				require.Fail(t, "partition now matches scikit-learn exactly", "add %q to exactGolden", g.Name)
			case exactGolden[g.Name]:
				require.Fail(t, "partition differs from scikit-learn", "%s", why)
			default:
				t.Logf("points %v differ from scikit-learn; trying the orders of their equal-weight edges", slices.Sorted(maps.Keys(differingPoints(res.Labels, g.Labels))))
				require.True(t, matchesUpToTieOrder(t, g, res.Labels), "partition differs from scikit-learn beyond the order of equal-weight edges: %s", why)
			}
		})
	}
}

// matchesUpToTieOrder reports whether some reordering of the equal-weight
// MST edges next to the points that differ reproduces want exactly, and
// that every differing point touches such a group.
func matchesUpToTieOrder(t *testing.T, g goldenSet, got []int) bool {
	t.Helper()
	cfg, err := g.config().withDefaults()
	require.NoError(t, err)
	m, err := toMatrix(g.X)
	require.NoError(t, err)
	edges, err := spanningTree(t.Context(), m, cfg)
	require.NoError(t, err)
	differs := differingPoints(got, g.Labels)
	var groups [][2]int // [start, end) in edges
	for lo := 0; lo < len(edges); {
		hi := lo + 1
		for hi < len(edges) && edges[hi].w == edges[lo].w {
			hi++
		}
		if hi-lo > 1 && slices.ContainsFunc(edges[lo:hi], func(e mstEdge) bool { return differs[e.a] || differs[e.b] }) {
			groups = append(groups, [2]int{lo, hi})
		}
		lo = hi
	}
	for p := range differs {
		if !slices.ContainsFunc(groups, func(gr [2]int) bool {
			return slices.ContainsFunc(edges[gr[0]:gr[1]], func(e mstEdge) bool { return e.a == p || e.b == p })
		}) {
			t.Logf("point %d differs but touches no equal-weight edge group", p)
			return false
		}
	}
	if len(groups) == 0 {
		t.Logf("no equal-weight edge group touches the differing points")
		return false
	}
	var try func(gi int) bool
	try = func(gi int) bool {
		if gi == len(groups) {
			labels := labelsFromTree(slices.Clone(edges), m.n, cfg)
			ok, _ := samePartition(labels, g.Labels)
			return ok
		}
		lo, hi := groups[gi][0], groups[gi][1]
		orig := slices.Clone(edges[lo:hi])
		found := false
		permute(orig, func(p []mstEdge) bool {
			copy(edges[lo:hi], p)
			found = try(gi + 1)
			return found
		})
		copy(edges[lo:hi], orig)
		return found
	}
	return try(0)
}

// differingPoints maps each of got's clusters to the scikit-learn label
// most of its points carry and returns the points that disagree with it.
func differingPoints(got, want []int) map[int]bool {
	count := map[[2]int]int{}
	for i := range got {
		count[[2]int{got[i], want[i]}]++
	}
	best := map[int]int{Noise: Noise}
	bestN := map[int]int{}
	for k, c := range count {
		if k[0] != Noise && c > bestN[k[0]] {
			best[k[0]], bestN[k[0]] = k[1], c
		}
	}
	out := map[int]bool{}
	for i := range got {
		if best[got[i]] != want[i] {
			out[i] = true
		}
	}
	return out
}

// permute calls fn with every permutation of s (Heap's algorithm) until fn
// returns true.
func permute(s []mstEdge, fn func([]mstEdge) bool) bool {
	p := slices.Clone(s)
	c := make([]int, len(p))
	if fn(p) {
		return true
	}
	for i := 0; i < len(p); {
		if c[i] < i {
			if i%2 == 0 {
				p[0], p[i] = p[i], p[0]
			} else {
				p[c[i]], p[i] = p[i], p[c[i]]
			}
			if fn(p) {
				return true
			}
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return false
}
