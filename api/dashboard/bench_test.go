//go:build unix

package dashboard

import (
	"bytes"
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
)

// benchSeed is the size: a flashpoint of 5,000 articles with
// 384-dimensional vectors (MiniLM's), in 25 clusters, and 300 that did
// not make it.
var benchSeed = seed{runID: "bench", fpID: "fp", articles: 5000, clusters: 25, dim: 384, failed: 100, finished: true}

// BenchmarkFlashpointRender5000 measures the flashpoint page's server
// work once its rows are read: ranking, the projection of 5,000 vectors,
// the map, the timeline and the template.
func BenchmarkFlashpointRender5000(b *testing.B) {
	arts, cs := seedArticles(benchSeed)
	t, err := parseTemplates()
	require.NoError(b, err)
	run := news.Run{ID: benchSeed.runID, State: news.RunCompleted}
	fp := news.Flashpoint{ID: benchSeed.fpID, Title: "Bench"}
	var out bytes.Buffer
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		out.Reset()
		body, err := buildFlashpoint(context.Background(), run, fp, news.FlashpointState{ID: fp.ID, State: news.RunCompleted}, arts, cs, dash, DefaultPageSize)
		require.NoError(b, err)
		require.NoError(b, t.execute(&out, "flashpoint", page{Title: fp.Title, Body: body}))
	}
	reportCPU(b, start)
	b.ReportMetric(float64(out.Len()), "page-bytes")
}

// BenchmarkFlashpointRequest5000 is the whole request over SQLite:
// reading 5,000 articles with their vectors, then the render.
func BenchmarkFlashpointRequest5000(b *testing.B) {
	h := newHarness(b, harnessOptions{})
	seedRun(b, h.st, benchSeed)
	start := cpuTime()
	for b.Loop() {
		a := h.do("GET", "/runs/bench/flashpoints/fp", nil)
		require.Equal(b, http.StatusOK, a.code)
	}
	reportCPU(b, start)
}

// cpuTime is this process's user and system CPU time so far. Wall time
// on a shared machine includes waiting for a core; CPU time per
// operation is the work itself, which is what the render budget bounds.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ms/op: the process's CPU time over the loop,
// divided by the iterations.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
