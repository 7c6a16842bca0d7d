package cluster

import "math"

// Metric names a distance. Only the two that news embeddings need exist.
const (
	MetricEuclidean = "euclidean"
	MetricCosine    = "cosine"
)

// metric is how the hot loops see a distance. raw is a cheap quantity that
// is monotone in the distance (squared Euclidean, or 1−cos), so neighbour
// searches can compare raw values and only convert the winners.
type metric struct {
	// raw returns the raw distance of a and b. When canAbandon is set it may
	// stop early and return a partial value; that value is then > bound, and
	// so is the full one.
	raw        func(a, b []float64, bound float64) float64
	toDist     func(raw float64) float64
	canAbandon bool
	// rawBound turns "distance < m" into a raw bound: raw > rawBound(m)
	// guarantees toDist(raw) ≥ m.
	rawBound func(m float64) float64
	// prepare rewrites the data once before the search (cosine normalises).
	prepare func(m matrix) matrix
}

func metricFor(name string) metric {
	if name == MetricCosine {
		return metric{
			raw:      func(a, b []float64, _ float64) float64 { return cosineDist(a, b) },
			toDist:   func(r float64) float64 { return r },
			rawBound: func(m float64) float64 { return m },
			prepare: func(m matrix) matrix {
				c := matrix{data: append([]float64(nil), m.data...), n: m.n, d: m.d}
				normalizeRows(c)
				return c
			},
		}
	}
	return metric{
		raw:        sqDist,
		toDist:     math.Sqrt,
		canAbandon: true,
		// sqrt is correctly rounded, so a square above m²(1+1e-9) has a root
		// of at least m even after rounding.
		rawBound: func(m float64) float64 { return m * m * (1 + 1e-9) },
		prepare:  func(m matrix) matrix { return m },
	}
}

// sqDist returns Σ(aᵢ−bᵢ)². Four partial sums keep the adds from waiting
// on each other (a single running sum is bound by add latency, about 4×
// slower). Every 16 values it checks the partial sum against bound and
// returns early once it is exceeded: for far-apart points that skips most
// of the work. The checkpoint uses the same association as the final sum,
// and rounding is monotone, so a partial sum above bound implies a full sum
// above bound.
//
// The float64(...) conversions forbid fusing the multiply into the add, so
// results are bit-identical on every architecture, which keeps labels
// reproducible where distances tie.
func sqDist(a, b []float64, bound float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+16 <= len(a); i += 16 {
		x, y := a[i:i+16:i+16], b[i:i+16:i+16]
		d0, d1, d2, d3 := x[0]-y[0], x[1]-y[1], x[2]-y[2], x[3]-y[3]
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
		d0, d1, d2, d3 = x[4]-y[4], x[5]-y[5], x[6]-y[6], x[7]-y[7]
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
		d0, d1, d2, d3 = x[8]-y[8], x[9]-y[9], x[10]-y[10], x[11]-y[11]
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
		d0, d1, d2, d3 = x[12]-y[12], x[13]-y[13], x[14]-y[14], x[15]-y[15]
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
		if p := (s0 + s1) + (s2 + s3); p > bound {
			return p
		}
	}
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		d0, d1, d2, d3 := x[0]-y[0], x[1]-y[1], x[2]-y[2], x[3]-y[3]
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += float64(d * d)
	}
	return (s0 + s1) + (s2 + s3)
}

// cosineDist is 1 − a·b for unit rows (zero rows give 1), clamped to
// [0, 2] against rounding.
func cosineDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += float64(x[0] * y[0])
		s1 += float64(x[1] * y[1])
		s2 += float64(x[2] * y[2])
		s3 += float64(x[3] * y[3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i] * b[i])
	}
	return min(max(1-((s0+s1)+(s2+s3)), 0), 2)
}
