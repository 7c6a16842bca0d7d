package input

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
)

// writeJSONL writes n flashpoint records of per feeds each, GDELT-shaped
// (with a description when long), and returns the file size.
func writeJSONL(tb testing.TB, path string, n, per int, long bool) int64 {
	tb.Helper()
	f, err := os.Create(path)
	require.NoError(tb, err)
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		fmt.Fprintf(w, `{"id":"fp-%d","title":"Flashpoint %d","entities":["Entity %d","Place %d"],"feeds":[`, i, i, i, i)
		for j := range per {
			if j > 0 {
				w.WriteByte(',')
			}
			k := i*per + j
			if !long {
				fmt.Fprintf(w, `{"url":"https://n%d.example/a/%d","title":"Headline %d","seendate":"20250102T%02d%02d%02dZ","language":"English"}`,
					k%97, k, k, k%24, k%60, (k/60)%60)
				continue
			}
			fmt.Fprintf(w, `{"url":"https://news%d.example/world/2025/01/02/article-%07d?ref=rss","title":"Headline %d on flashpoint %d",`+
				`"seendate":"20250102T%02d%02d%02dZ","language":"English","sourcecountry":"United Kingdom",`+
				`"description":"Officials said on Thursday that talks would resume next week after the latest round ended without agreement %d."}`,
				k%97, k, k, i, k%24, k%60, (k/60)%60, k)
		}
		w.WriteString("]}\n")
	}
	require.NoError(tb, w.Flush())
	st, err := f.Stat()
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	return st.Size()
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestStreamBoundedMemory streams 100,000 feeds and checks that the live
// heap stays at a few records' worth, while Load of the same file holds it
// all: the check can tell the two apart. Not parallel: other tests'
// allocations would blur the heap figures.
func TestStreamBoundedMemory(t *testing.T) {
	const flashpoints, per = 1000, 100
	const bound = 2 << 20
	path := filepath.Join(t.TempDir(), "big.jsonl")
	size := writeJSONL(t, path, flashpoints, per, false)
	require.Greater(t, size, int64(4*bound), "the file must dwarf the bound")

	base := liveHeap()
	var peak uint64
	feeds, fps := 0, 0
	sum, err := Stream(t.Context(), path, Options{}, func(fp news.Flashpoint) error {
		fps++
		feeds += len(fp.Feeds)
		if fps%100 == 0 {
			peak = max(peak, liveHeap())
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, flashpoints*per, feeds)
	require.Equal(t, flashpoints*per, sum.NumFeeds)
	require.Empty(t, sum.Problems)
	grew := int64(peak) - int64(base)
	t.Logf("file %d MB; live heap during Stream: +%d KiB", size>>20, grew>>10)
	require.Less(t, grew, int64(bound), "Stream's live heap grew by %d bytes", grew)

	res, err := Load(t.Context(), path, Options{})
	require.NoError(t, err)
	held := int64(liveHeap()) - int64(base)
	t.Logf("live heap holding Load's result: +%d MB", held>>20)
	require.Greater(t, held, int64(4*bound), "Load holds every feed, so the bound above means something")
	runtime.KeepAlive(res)
}

// processCPU is the CPU time this process used so far: on a shared,
// loaded machine wall time says little, CPU time per feed does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPerFeed(b *testing.B, cpu0 time.Duration, feeds int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*feeds), "ns/feed")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*feeds), "cpu-ns/feed")
	}
}

func BenchmarkStreamJSONL(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	size := writeJSONL(b, path, 100, 100, true)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		n := 0
		_, err := Stream(b.Context(), path, Options{}, func(fp news.Flashpoint) error {
			n += len(fp.Feeds)
			return nil
		})
		if err != nil || n != 10000 {
			b.Fatal(err, n)
		}
	}
	reportPerFeed(b, cpu0, 10000)
}

// writeCSV writes n GDELT-shaped rows over flashpoints flashpoint ids.
func writeCSV(tb testing.TB, path string, n, flashpoints int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	require.NoError(tb, err)
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("url,title,seendate,domain,language,sourcecountry,description,image,flashpoint_id\n")
	for k := range n {
		fmt.Fprintf(w, `https://news%d.example/world/article-%07d,"Headline %d, on the wire",20250102T%02d%02d%02dZ,news%d.example,English,United Kingdom,"Officials said talks would resume, again.",,fp-%d`+"\n",
			k%97, k, k, k%24, k%60, (k/60)%60, k%97, k%flashpoints)
	}
	require.NoError(tb, w.Flush())
	st, err := f.Stat()
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	return st.Size()
}

func BenchmarkLoadCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.csv")
	size := writeCSV(b, path, 10000, 10)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		res, err := Load(b.Context(), path, Options{})
		if err != nil || res.NumFeeds != 10000 {
			b.Fatal(err)
		}
	}
	reportPerFeed(b, cpu0, 10000)
}

// BenchmarkGroupedFeedBytes measures the live heap per feed held while
// flat records are grouped: what Options.MaxGroupedFeeds costs.
func BenchmarkGroupedFeedBytes(b *testing.B) {
	const n = 100000
	path := filepath.Join(b.TempDir(), "group.csv")
	writeCSV(b, path, n, 10)
	var perFeed float64
	for b.Loop() {
		base := liveHeap()
		var held int64
		_, err := StreamItems(b.Context(), path, Options{}, func(it Item) error {
			if held == 0 { // all groups are built before the first is emitted
				held = int64(liveHeap()) - int64(base)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		perFeed = float64(held) / n
	}
	b.ReportMetric(perFeed, "heap-B/feed")
}
