package cluster

import "math/rand/v2"

// GaussianBlobs returns n points in dim dimensions drawn around centers
// centres (uniform in [−10, 10] per coordinate) with standard deviation
// spread, and the index of each point's centre. Points are assigned to
// centres round-robin. The same seed gives the same points; it feeds
// `masx bench cluster`, the benchmarks and the tests.
func GaussianBlobs(n, dim, centers int, spread float64, seed uint64) ([][]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 0x6d617378626c6f62)) // "masxblob"
	centers = max(centers, 1)
	c := make([][]float64, centers)
	for i := range c {
		c[i] = make([]float64, dim)
		for j := range c[i] {
			c[i][j] = rng.Float64()*20 - 10
		}
	}
	points := make([][]float32, n)
	truth := make([]int, n)
	flat := make([]float32, n*dim)
	for i := range points {
		k := i % centers
		p := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range p {
			p[j] = float32(c[k][j] + spread*rng.NormFloat64())
		}
		points[i], truth[i] = p, k
	}
	return points, truth
}
