package vectorize

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// BenchmarkVectorize measures a whole batch: tokenising, hashing, the Gram
// matrix and the SVD. Documents are ~500 words, like a long news article.
func BenchmarkVectorize(b *testing.B) {
	for _, n := range []int{100, 1000, 2000} {
		docs, _ := syntheticCorpus(n, 20, 500, 11)
		v := newT(b, Options{})
		b.Run(fmt.Sprintf("docs=%d/dim=256", n), func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, err := v.Vectorize(context.Background(), docs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkEigen compares the exact and randomized eigensolvers on the same
// Gram matrix, to place the switch between them (useExact).
func BenchmarkEigen(b *testing.B) {
	for _, m := range []int{300, 600, 1000} {
		docs, _ := syntheticCorpus(m, 20, 300, 12)
		v := newT(b, Options{})
		rows, _ := v.hashRows(context.Background(), docs)
		uniq, _ := dedupe(rows)
		weightRows(uniq, rows, len(rows), v.opts.Buckets)
		tm := newTermMatrix(uniq, slices.Repeat([]float64{1}, len(uniq)), v.opts.Buckets)
		k := min(256, m)
		b.Run(fmt.Sprintf("exact/m=%d", m), func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				g, _ := tm.gram(context.Background())
				exactEigen(g, m, k)
			}
			b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
		})
		b.Run(fmt.Sprintf("randomized/m=%d/k=%d", m, k), func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				if _, _, err := randomizedEigen(context.Background(), tm.mulGram, m, k, min(m, k+oversample), v.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
