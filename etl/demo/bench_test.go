package demo

import (
	"net/http"
	"testing"
)

// BenchmarkSyntheticPage measures generating one synthetic article page
// (default 32 KiB) in process, without HTTP.
func BenchmarkSyntheticPage(b *testing.B) {
	s, err := Synthetic(SyntheticOptions{Articles: 1_000_000, Flashpoints: 10, Topics: 4})
	if err != nil {
		b.Fatal(err)
	}
	var w bufferWriter
	req, _ := http.NewRequest("GET", "http://synthetic.test/", nil)
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		w.buf.Reset()
		req.URL.Path = s.articlePath(i % 1_000_000)
		s.ServeHTTP(&w, req)
		b.SetBytes(int64(w.buf.Len()))
		i += 7919
	}
	cpu.report(b)
}

// BenchmarkSyntheticFeed measures generating one feed entry, the unit of
// Flashpoints and WriteJSONL.
func BenchmarkSyntheticFeed(b *testing.B) {
	s, _ := Synthetic(SyntheticOptions{Articles: 1_000_000})
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		s.feed("http://127.0.0.1:8080", i%1_000_000)
		i += 7919
	}
	cpu.report(b)
}

// BenchmarkSitePage measures rendering one bundled article page.
func BenchmarkSitePage(b *testing.B) {
	site := NewSite()
	var w bufferWriter
	req, _ := http.NewRequest("GET", "http://demo.test/meridian-post/2025/06/09/grain-ship-hits-mine-off-odesa", nil)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		w.buf.Reset()
		site.ServeHTTP(&w, req)
		b.SetBytes(int64(w.buf.Len()))
	}
	cpu.report(b)
}
