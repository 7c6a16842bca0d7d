package summarize

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// loop runs f b.N times and reports process CPU time per call.
func loop(b *testing.B, f func()) {
	b.Helper()
	start := cpuTime()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkCompress compresses the 5,000-character test article, the size
// of a typical news article after extraction.
func BenchmarkCompress(b *testing.B) {
	text := readTestdata(b, "article_en.txt")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ReportMetric(float64(utf8.RuneCountInString(text)), "chars")
	loop(b, func() { Compress(text, Budget{Max: 2000}) })
}

// BenchmarkCompressLong shows that cost grows about linearly with length
// (inverted index and lazy MMR), so a hostile 1 MB text is still cheap.
func BenchmarkCompressLong(b *testing.B) {
	base := readTestdata(b, "article_en.txt")
	for _, copies := range []int{10, 100} {
		// Vary each copy so near-duplicate removal does not shortcut it.
		var sb strings.Builder
		for i := range copies {
			sb.WriteString(strings.ReplaceAll(base, "Varosh", fmt.Sprintf("Varosh%d", i)))
			sb.WriteString("\n\n")
		}
		text := sb.String()
		b.Run(fmt.Sprintf("bytes=%d", len(text)), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			loop(b, func() { Compress(text, Budget{}) })
		})
	}
}

func BenchmarkSummarize(b *testing.B) {
	text := readTestdata(b, "article_en.txt")
	b.SetBytes(int64(len(text)))
	loop(b, func() { Summarize(text, 5) })
}

// BenchmarkClusterSummary summarizes a cluster of 20 articles of ~5,000
// characters.
func BenchmarkClusterSummary(b *testing.B) {
	base := readTestdata(b, "article_en.txt")
	docs := make([]string, 20)
	for i := range docs {
		docs[i] = strings.ReplaceAll(base, "Geneva", fmt.Sprintf("Geneva%d", i%4))
	}
	loop(b, func() { ClusterSummary(docs, 5) })
}
