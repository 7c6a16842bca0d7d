package score

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

const tol = 1e-12

// Gold {0,1} {2,3}; found {0,1} {2} {3}. Worked by hand:
//   - B-cubed: articles 0 and 1 have precision 1, recall 1; articles 2 and
//     3 precision 1, recall 1/2. P = 1, R = 3/4, F1 = 6/7.
//   - pairs: 1 found (0,1), correct; gold has 2. P = 1, R = 1/2, F1 = 2/3.
//   - ARI: index 1, expected 1·2/6 = 1/3, max (1+2)/2 = 3/2:
//     (1 − 1/3)/(3/2 − 1/3) = 4/7 (scikit-learn's documented 0.571…).
//   - V-measure: homogeneous (h = 1); H(C) = ln 2, H(K) = 1.5 ln 2,
//     c = 2/3, V = 0.8 (scikit-learn's documented value).
func TestCompareHandWorked(t *testing.T) {
	s, err := Compare([]int{0, 0, 1, 2}, []string{"a", "a", "b", "b"})
	require.NoError(t, err)
	require.InDelta(t, 1, s.B3Precision, tol)
	require.InDelta(t, 0.75, s.B3Recall, tol)
	require.InDelta(t, 6.0/7, s.B3F1, tol)
	require.InDelta(t, 1, s.PairwisePrecision, tol)
	require.InDelta(t, 0.5, s.PairwiseRecall, tol)
	require.InDelta(t, 2.0/3, s.PairwiseF1, tol)
	require.InDelta(t, 4.0/7, s.ARI, tol)
	require.InDelta(t, 1, s.Homogeneity, tol)
	require.InDelta(t, 2.0/3, s.Completeness, tol)
	require.InDelta(t, 0.8, s.NMI, tol)
	require.Equal(t, 3, s.Clusters)
	require.Equal(t, 2, s.GoldClusters)
	require.Zero(t, s.Unclustered)
	require.Equal(t, 4, s.Articles)
}

// Gold {0,1,2} {3,4}; found {0,1} {3,4}, article 2 unclustered, scored as
// the singleton {2}:
//   - B-cubed: P = 1; R = (2/3 + 2/3 + 1/3 + 1 + 1)/5 = 11/15.
//   - pairs: found (0,1), (3,4), both right; gold has 3 + 1 = 4.
//     P = 1, R = 1/2.
//   - ARI: index 2, expected 2·4/10 = 0.8, max 3: 1.2/2.2 = 6/11.
//   - V-measure: h = 1, c = H(C)/H(K) with H(C) = H(.6, .4) and
//     H(K) = H(.4, .4, .2).
func TestCompareCountsNoiseAsSingletons(t *testing.T) {
	s, err := Compare([]int{0, 0, Noise, 1, 1}, []int{7, 7, 7, 9, 9})
	require.NoError(t, err)
	require.InDelta(t, 1, s.B3Precision, tol)
	require.InDelta(t, 11.0/15, s.B3Recall, tol)
	require.InDelta(t, 1, s.PairwisePrecision, tol)
	require.InDelta(t, 0.5, s.PairwiseRecall, tol)
	require.InDelta(t, 6.0/11, s.ARI, tol)
	h := func(ps ...float64) float64 {
		var e float64
		for _, p := range ps {
			e -= p * math.Log(p)
		}
		return e
	}
	c := h(.6, .4) / h(.4, .4, .2)
	require.InDelta(t, c, s.Completeness, tol)
	require.InDelta(t, 2*c/(1+c), s.NMI, tol)
	require.Equal(t, 2, s.Clusters, "noise is not a cluster")
	require.Equal(t, 1, s.Unclustered)

	// Leaving articles out must not pay: all unclustered scores worse than
	// the clusters above.
	all, err := Compare([]int{Noise, Noise, Noise, Noise, Noise}, []int{7, 7, 7, 9, 9})
	require.NoError(t, err)
	require.Less(t, all.NMI, s.NMI)
	require.Less(t, all.B3F1, s.B3F1)
	require.InDelta(t, 0, all.ARI, tol)
	require.Equal(t, 5, all.Unclustered)
}

// A perfect clustering scores 1 whatever the label names; a single
// cluster over two stories scores ARI 0.
func TestComparePerfectAndLumped(t *testing.T) {
	s, err := Compare([]int{5, 5, 2, 2, 2}, []string{"x", "x", "y", "y", "y"})
	require.NoError(t, err)
	for name, v := range map[string]float64{"b3": s.B3F1, "pair": s.PairwiseF1, "ari": s.ARI, "nmi": s.NMI} {
		require.InDelta(t, 1, v, tol, name)
	}
	one, err := Compare([]int{0, 0, 0, 0}, []string{"x", "x", "y", "y"})
	require.NoError(t, err)
	require.InDelta(t, 0, one.ARI, tol)
	require.InDelta(t, 0, one.NMI, tol)
	require.InDelta(t, 0.5, one.B3Precision, tol)
	require.InDelta(t, 1, one.B3Recall, tol)
}

func TestCompareDegenerate(t *testing.T) {
	s, err := Compare([]int{}, []string{})
	require.NoError(t, err)
	require.Equal(t, 1.0, s.ARI)
	s, err = Compare([]int{0}, []string{"a"})
	require.NoError(t, err)
	require.Equal(t, 1.0, s.ARI)
	require.Equal(t, 1.0, s.NMI)
	// Both partitions all singletons: scikit-learn's limit case, 1.
	s, err = Compare([]int{0, 1, 2}, []string{"a", "b", "c"})
	require.NoError(t, err)
	require.Equal(t, 1.0, s.ARI)
	require.InDelta(t, 1, s.NMI, tol)

	_, err = Compare([]int{0, 1}, []string{"a"})
	require.ErrorIs(t, err, ErrLengthMismatch)
	require.ErrorContains(t, err, "2 labels, 1 gold")
}
