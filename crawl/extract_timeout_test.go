package crawl

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl/extract"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/netguard"
)

func paragraphsPage(n int) string {
	var b strings.Builder
	b.WriteString("<html><head><title>Report</title></head><body><article><h1>Report</h1>")
	for i := range n {
		fmt.Fprintf(&b, "<p>Paragraph %d of the report says the ceasefire held overnight in the north.</p>", i)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// Extraction had no time limit: an 8.7 MB page of 55,000 paragraphs (33 KB
// gzipped, under every cap) held a CPU slot for 100 s. Now the page is cut
// after extract.DefaultMaxTextNodes text nodes and extracts in well under
// the deadline; an extraction that still passes its deadline fails with
// ErrExtractTimeout, is not retried in the browser, and its work is counted
// as abandoned until it returns.
func TestExtractionHasADeadline(t *testing.T) {
	pages := map[string]string{"/55k": paragraphsPage(55_000), "/10k": paragraphsPage(10_000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, pages[r.URL.Path])
	}))
	defer srv.Close()
	guard := &netguard.Guard{AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort(srv.Listener.Addr().String())}}
	f, err := fetch.New(fetch.Config{Guard: guard, HostDelay: -1, IgnoreRobots: true, Retries: -1})
	require.NoError(t, err)
	defer f.Close()
	cpu := executor.NewPool("cpu", 1)
	defer func() { require.NoError(t, cpu.Shutdown(context.Background())) }()
	ctx := context.Background()

	c, err := New(Config{Fetcher: f, CPU: cpu})
	require.NoError(t, err)
	res, err := c.RenderPage(ctx, srv.URL+"/55k", MethodAuto)
	require.NoError(t, err, "the 55,000-paragraph page extracts within the default %v", DefaultExtractTimeout)
	require.Contains(t, res.Article.Text, "Paragraph 0 of the report")

	// Uncut, a 10,000-paragraph page takes over a second: past a 50 ms
	// deadline.
	slow, err := New(Config{Fetcher: f, CPU: cpu, ExtractTimeout: 50 * time.Millisecond,
		Extract: extract.Options{MaxTextNodes: 1 << 30}})
	require.NoError(t, err)
	res, err = slow.RenderPage(ctx, srv.URL+"/10k", MethodAuto)
	require.ErrorIs(t, err, ErrExtractTimeout)
	require.Len(t, res.Errors, 1, "no browser attempt after an extraction timeout")
	require.EqualValues(t, 1, slow.Metrics()["extractions_abandoned"], "the work still runs")
	require.Eventually(t, func() bool { return slow.Metrics()["extractions_abandoned"].(int64) == 0 },
		time.Minute, 20*time.Millisecond, "the abandoned work returns and is counted out")
}
