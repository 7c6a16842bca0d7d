package cluster

import (
	"context"
	"math"
	"math/rand/v2"
)

// refine runs spherical k-means on the unit rows of m, starting from the
// clusters of labels (Noise rows start unassigned): centroids are the
// normalised means of their rows, each row moves to the centroid of
// highest cosine, until no row moves or after iters passes. A cluster
// left empty dies (unlike [KMeans], nothing is relocated into it: the
// count came from the density step). Rows whose best cosine is at most
// noiseBelow end as Noise. Clusters are renumbered by first appearance.
func refine(ctx context.Context, m matrix, labels []int, iters int, noiseBelow float64, workers int) ([]int, error) {
	k := 0
	for _, l := range labels {
		k = max(k, l+1)
	}
	d := m.d
	cur := append([]int(nil), labels...)
	best := make([]float64, m.n)
	cent := make([]float64, k*d)
	alive := make([]bool, k)
	const chunk = 256
	for it := 0; it < iters; it++ {
		centroids(m, cur, cent, alive)
		moved := make([]int, (m.n+chunk-1)/chunk)
		err := forEachTask(ctx, workersFor(workers), len(moved), func(_, t int) {
			for i := t * chunk; i < min(m.n, (t+1)*chunk); i++ {
				x := m.row(i)
				bc, bs := -1, math.Inf(-1)
				for c := range k {
					if !alive[c] {
						continue
					}
					if s := dot(x, cent[c*d:(c+1)*d]); s > bs {
						bc, bs = c, s
					}
				}
				if cur[i] != bc {
					cur[i] = bc
					moved[t]++
				}
				best[i] = bs
			}
		})
		if err != nil {
			return nil, err
		}
		total := 0
		for _, v := range moved {
			total += v
		}
		if total == 0 {
			break
		}
	}
	remap := make([]int, k)
	for i := range remap {
		remap[i] = -1
	}
	next := 0
	for i, l := range cur {
		if best[i] <= noiseBelow || l < 0 {
			cur[i] = Noise
			continue
		}
		if remap[l] < 0 {
			remap[l] = next
			next++
		}
		cur[i] = remap[l]
	}
	return cur, nil
}

// centroids sets cent to the normalised mean of each cluster's rows and
// alive to whether it has any.
func centroids(m matrix, labels []int, cent []float64, alive []bool) {
	d := m.d
	clear(cent)
	clear(alive)
	for i, l := range labels {
		if l < 0 {
			continue
		}
		alive[l] = true
		dst := cent[l*d : (l+1)*d]
		for j, x := range m.row(i) {
			dst[j] += x
		}
	}
	for c := range alive {
		dst := cent[c*d : (c+1)*d]
		if s := dot(dst, dst); s > 0 {
			inv := 1 / math.Sqrt(s)
			for j := range dst {
				dst[j] *= inv
			}
		}
	}
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// silhouetteSample bounds the rows whose silhouette is computed; each is
// measured against every row, so the cost is O(sample·n·d) per k.
const silhouetteSample = 1000

// silhouetteKMeans runs k-means for k = 2 … min(MaxK, n−1) and keeps the
// k of highest mean silhouette (cosine distance; a row alone in its
// cluster scores 0, as in scikit-learn). Ties keep the smaller k. A best
// mean under MinSilhouette gives one cluster.
func silhouetteKMeans(ctx context.Context, m matrix, cfg StoriesConfig, seed uint64) ([]int, string, error) {
	rows := silhouetteRows(m.n, seed)
	var bestLabels []int
	bestScore := math.Inf(-1)
	for k := 2; k <= min(cfg.MaxK, m.n-1); k++ {
		km, err := kmeans(ctx, m, KMeansConfig{K: k, Restarts: DefaultRestarts, MaxIter: DefaultMaxIter, Tol: DefaultTol, Seed: seed})
		if err != nil {
			return nil, "", err
		}
		if km.NClusters < k {
			break // fewer distinct vectors than k: larger k cannot add clusters
		}
		if s := meanSilhouette(m, km.Labels, km.NClusters, rows); s > bestScore+1e-12 {
			bestLabels, bestScore = km.Labels, s
		}
	}
	if bestLabels == nil || bestScore < cfg.MinSilhouette {
		return make([]int, m.n), AlgorithmOneStory, ctx.Err()
	}
	return bestLabels, AlgorithmSilhouette, nil
}

// silhouetteRows returns every row index up to silhouetteSample rows, else
// a fixed random sample of that many.
func silhouetteRows(n int, seed uint64) []int {
	if n <= silhouetteSample {
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		return rows
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d61737873696c68)) // "masxsilh"
	return rng.Perm(n)[:silhouetteSample]
}

// meanSilhouette is the mean over rows of (b − a)/max(a, b), with a the
// mean cosine distance to the row's own cluster and b the least mean
// distance to another cluster.
func meanSilhouette(m matrix, labels []int, k int, rows []int) float64 {
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	sum := make([]float64, k)
	var total float64
	for _, i := range rows {
		clear(sum)
		x := m.row(i)
		for j := range m.n {
			if j != i {
				sum[labels[j]] += 1 - dot(x, m.row(j))
			}
		}
		own := labels[i]
		if size[own] < 2 {
			continue // scores 0
		}
		a := sum[own] / float64(size[own]-1)
		b := math.Inf(1)
		for c := range k {
			if c != own && size[c] > 0 {
				b = min(b, sum[c]/float64(size[c]))
			}
		}
		if den := max(a, b); den > 0 && !math.IsInf(b, 1) {
			total += (b - a) / den
		}
	}
	return total / float64(len(rows))
}
