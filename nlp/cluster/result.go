package cluster

// Algorithm names reported in [Result.Algorithm].
const (
	// AlgorithmNone: there was nothing to cluster (no vectors).
	AlgorithmNone = "none"
	// AlgorithmKMeans: k-means, chosen for small inputs or asked for.
	AlgorithmKMeans = "kmeans"
	// AlgorithmHDBSCAN: HDBSCAN found the clusters.
	AlgorithmHDBSCAN = "hdbscan"
	// AlgorithmKMeansFallback: HDBSCAN found no cluster, so k-means
	// partitioned the vectors instead.
	AlgorithmKMeansFallback = "kmeans_fallback"
)

// Result is a flat clustering.
type Result struct {
	// Algorithm says what produced Labels (one of the Algorithm… constants).
	Algorithm string `json:"algorithm"`
	// Labels holds one label per input vector: 0…NClusters−1, or [Noise].
	Labels []int `json:"labels"`
	// NClusters is the number of distinct non-noise labels.
	NClusters int `json:"n_clusters"`
}

// Noise counts the vectors labelled [Noise].
func (r Result) Noise() int {
	var k int
	for _, l := range r.Labels {
		if l == Noise {
			k++
		}
	}
	return k
}

func newResult(algorithm string, labels []int) Result {
	if labels == nil {
		labels = []int{}
	}
	seen := map[int]bool{}
	for _, l := range labels {
		if l != Noise {
			seen[l] = true
		}
	}
	return Result{Algorithm: algorithm, Labels: labels, NClusters: len(seen)}
}
