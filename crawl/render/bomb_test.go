package render

import (
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bombBytes is what the bomb inflates to: far over the 10 MiB document cap.
const bombBytes = 256 << 20

// serveBomb answers with a gzip body of ~256 KB that inflates to 256 MiB of
// HTML, as the hostile-input review did.
func serveBomb(t *testing.T) *httptest.Server {
	var once sync.Once
	var gz []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			var b strings.Builder
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write([]byte("<!doctype html><html><head><title>bomb</title></head><body><p>"))
			chunk := []byte(strings.Repeat("a", 1<<20))
			for range bombBytes >> 20 {
				zw.Write(chunk)
			}
			zw.Close()
			gz = []byte(b.String())
		})
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
		w.Write(gz)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// rssOf sums the resident memory of pids, from /proc.
func rssOf(pids []int) int64 {
	var total int64
	for _, pid := range pids {
		total += residentBytes(pid)
	}
	return total
}

// A compression bomb used to reach the renderer whole: 261 KB of gzip drove
// Chromium to 4.39 GB before the visit's deadline. Two bounds hold now: the
// decoded bytes a visit loads (MaxHTMLBytes for the document), and each
// renderer's resident memory (RendererMB), sampled every 250 ms. Parsing
// this bomb's single text node costs the renderer far more than its bytes
// (~1.3 GB for 10 MiB), so here the memory ceiling ends it first.
func TestCompressionBombStopsAtTheByteBudget(t *testing.T) {
	srv := serveBomb(t)
	const ceilingMB = 400
	p := startPool(t, Config{Guard: guardFor(srv), MaxPages: 1, Timeout: 45 * time.Second, RendererMB: ceilingMB})
	base := rssOf(p.processes(""))

	var peak atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if r := rssOf(p.processes("")); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	start := time.Now()
	_, err := p.Render(context.Background(), srv.URL+"/bomb")
	took := time.Since(start)
	close(stop)
	sampler.Wait()

	// ErrTooLarge when the byte budget or the memory ceiling ends it; on a
	// machine so loaded that the renderer parses too slowly to reach
	// either, the visit's deadline ends it. Memory is bounded either way,
	// which is what this test is about.
	require.True(t, errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTimeout),
		"Render: %v; want ErrTooLarge (or, on a starved machine, ErrTimeout)", err)
	t.Logf("error: %v", err)
	grew := peak.Load() - base
	t.Logf("bomb stopped after %v; browser RSS %d MB before, peak %d MB (+%d MB)", took.Round(time.Millisecond),
		base>>20, peak.Load()>>20, grew>>20)
	// The bound: the renderer is killed once it passes the ceiling, and a
	// sample interval of growth (a few hundred MB at most) can come on top;
	// the browser's other processes do not grow with the page. So the
	// processes together grow by less than ceiling + 400 MB (4.39 GB
	// before the fix).
	require.LessOrEqual(t, grew, int64((ceilingMB+400)<<20), "the browser grew by %d MB rendering the bomb; want < %d MB", grew>>20, ceilingMB+400)
	// The pool still renders.
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>" + article(3) + "</p></body></html>"))
	}))
	defer ok.Close()
	p.cfg.Guard.AllowAddrs = append(p.cfg.Guard.AllowAddrs, guardFor(ok).AllowAddrs...)
	_, err = p.Render(context.Background(), ok.URL)
	require.NoError(t, err, "render after the bomb")
}
