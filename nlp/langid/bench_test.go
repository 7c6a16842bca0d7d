package langid_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/masx-ai/masx/nlp/langid"
)

// BenchmarkDetect measures parallel throughput on the realistic input,
// the first 1000 characters of an article, in all 20 core languages.
// Run it with -cpu 2 for the "2 cores" figure:
//
//	go test -run '^$' -bench Detect -cpu 2 ./nlp/langid
//
// Besides wall-clock ns/op it reports cpu-ns/op (process CPU time per
// detection) and det/s@2cpu (2 s of CPU per second divided by it): on a
// shared machine wall-clock time counts other people's work, CPU time
// does not.
func BenchmarkDetect(b *testing.B) {
	benchDetect(b, mustDefault(b), loadArticles(b))
}

// BenchmarkDetectCore restricts the detector to the 20 core languages.
func BenchmarkDetectCore(b *testing.B) {
	d, err := langid.New(langid.Options{Languages: coreLanguages})
	if err != nil {
		b.Fatal(err)
	}
	benchDetect(b, d, loadArticles(b))
}

// BenchmarkDetectParagraph measures the labelled paragraphs themselves
// (200–340 characters).
func BenchmarkDetectParagraph(b *testing.B) {
	var texts []sample
	for _, s := range loadParagraphs(b) {
		if isLong(s) {
			texts = append(texts, s)
		}
	}
	benchDetect(b, mustDefault(b), texts)
}

func benchDetect(b *testing.B, d *langid.Detector, texts []sample) {
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			d.Detect(texts[i%len(texts)].Text)
			i++
		}
	})
	b.StopTimer()
	perOp := float64((cpuTime() - c0).Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(2e9/perOp, "det/s@2cpu")
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
