package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/masx-ai/masx/crawl/netguard"
)

// benchPage is a 60 KB article-shaped page: the median news page body is
// 50–100 KB before compression.
func benchPage() []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bench</title></head><body><nav>`)
	for i := range 80 {
		fmt.Fprintf(&b, `<a href="/section/%d">Section %d</a>`, i, i)
	}
	b.WriteString(`</nav><article>`)
	for b.Len() < 60<<10 {
		b.WriteString(`<p>Officials said on Tuesday that the talks would continue next week, after a round of negotiations that ended without agreement on the main points of dispute.</p>`)
	}
	b.WriteString(`</article></body></html>`)
	return []byte(b.String())
}

// BenchmarkFetch measures the fetcher's own cost against a loopback server
// with politeness lifted: pages/s with 16 fetches in flight.
//
//	go test -run '^$' -bench BenchmarkFetch -benchtime 3s ./crawl/fetch
func BenchmarkFetch(b *testing.B) {
	page := benchPage()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(page)
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz.Bytes())
			return
		}
		_, _ = w.Write(page)
	}))
	defer srv.Close()
	f, err := New(Config{
		Guard:           &netguard.Guard{AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort(srv.Listener.Addr().String())}},
		HostConcurrency: 64,
		HostDelay:       -1,
		IgnoreRobots:    true,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for _, path := range []string{"/plain", "/gzip"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			b.SetParallelism(8) // × GOMAXPROCS(2) = 16 in flight
			cpu0 := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.Fetch(context.Background(), srv.URL+path); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				// Client and server together: an upper bound on the
				// fetcher's own cost.
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "pages/cpu-s")
			}
		})
	}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
