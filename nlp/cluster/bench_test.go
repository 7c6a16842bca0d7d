package cluster

import (
	"fmt"
	"testing"
)

// Run with: go test -run '^$' -bench . -benchtime 3x ./nlp/cluster/
// Sizes: the pipeline's (Auto on 768-dim embeddings) and the HDBSCAN
// targets (1,000 and 10,000 points of 256 dims).

func BenchmarkHDBSCAN(b *testing.B) {
	for _, tc := range []struct{ n, d int }{{1000, 20}, {1000, 256}, {10000, 20}, {10000, 256}} {
		b.Run(fmt.Sprintf("%dx%d", tc.n, tc.d), func(b *testing.B) {
			x, _ := GaussianBlobs(tc.n, tc.d, 20, 1, 1)
			for b.Loop() {
				if _, err := HDBSCAN(b.Context(), x, Config{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAuto(b *testing.B) {
	for _, n := range []int{40, 500, 2000} {
		b.Run(fmt.Sprintf("%dx768", n), func(b *testing.B) {
			x, _ := GaussianBlobs(n, 768, 8, 2, 1)
			for b.Loop() {
				if _, err := Auto(b.Context(), x, AutoConfig{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKMeans(b *testing.B) {
	x, _ := GaussianBlobs(49, 768, 4, 1, 1)
	for b.Loop() {
		if _, err := KMeans(b.Context(), x, KMeansConfig{K: SmallK(49)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSqDist(b *testing.B) {
	for _, d := range []int{20, 256, 768} {
		b.Run(fmt.Sprint(d), func(b *testing.B) {
			x := gaussian(2, d, 1)
			var s float64
			for b.Loop() {
				s += sqDist(x[0], x[1], 1e300)
			}
			_ = s
		})
	}
}

// BenchmarkSpanningTree measures the projected lower bound side by side
// with the exact-only loop on the same points (one worker each).
func BenchmarkSpanningTree(b *testing.B) {
	x, _ := GaussianBlobs(4000, 256, 20, 1, 1)
	m, err := toMatrix(x)
	if err != nil {
		b.Fatal(err)
	}
	met := metricFor(MetricEuclidean)
	core, err := coreDistances(b.Context(), m, 5, met, nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	lb, err := newLowerBound(b.Context(), m)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		lb   *lowerBound
	}{{"exact-only", nil}, {"projected-bound", lb}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := primMST(b.Context(), m, core, met, tc.lb, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
