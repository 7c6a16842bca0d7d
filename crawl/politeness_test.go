package crawl

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/netguard"
	"github.com/masx-ai/masx/crawl/render"
)

// politeSite serves robots.txt (Disallow: /private/), articles, and a
// redirect into the disallowed folder; it records, per page, when each
// request arrived and how many were in flight at once.
type politeSite struct {
	*httptest.Server
	mu       sync.Mutex
	arrivals []time.Time
	agents   []string
	inflight atomic.Int64
	maxIn    atomic.Int64
}

func newPoliteSite(t *testing.T) *politeSite {
	s := &politeSite{}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	page := func(w http.ResponseWriter, r *http.Request) {
		n := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		for m := s.maxIn.Load(); n > m && !s.maxIn.CompareAndSwap(m, n); m = s.maxIn.Load() {
		}
		s.mu.Lock()
		s.arrivals = append(s.arrivals, time.Now())
		s.agents = append(s.agents, r.UserAgent())
		s.mu.Unlock()
		time.Sleep(100 * time.Millisecond) // long enough for overlaps to show
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, shell, "Delta floods", "<article><h1>Delta floods</h1>"+articleHTML(8)+"</article>", "")
	}
	mux.HandleFunc("/a/", page)
	mux.HandleFunc("/private/", page)
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/secret", http.StatusFound)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Browser mode used to skip robots.txt and the per-host limits: only the
// HTTP fetcher consulted them. Every method now keeps to robots.txt (the
// page and its redirects), MASX_HOST_CONCURRENCY, MASX_HOST_DELAY_MS and
// the User-Agent.
func TestEveryMethodKeepsRobotsAndPoliteness(t *testing.T) {
	// Well above the 100 ms a page takes, so serial requests alone cannot
	// pass for the delay, and with 100 ms of slack for scheduling noise on
	// a loaded machine (arrivals are stamped on the server).
	const delay = 400 * time.Millisecond
	for _, m := range []Method{MethodHTTP, MethodBrowser, MethodAuto} {
		t.Run(string(m), func(t *testing.T) {
			site := newPoliteSite(t)
			guard := &netguard.Guard{AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort(site.Listener.Addr().String())}}
			f, err := fetch.New(fetch.Config{Guard: guard, HostConcurrency: 1, HostDelay: delay, Retries: -1, UserAgent: "masx-polite/1.0"})
			require.NoError(t, err)
			defer f.Close()
			cfg := Config{Fetcher: f}
			if m != MethodHTTP {
				pool, err := render.New(render.Config{ChromiumPath: chromium(t), Guard: guard, Timeout: 60 * time.Second,
					UserAgent: "masx-polite/1.0", Robots: f.CheckRobots})
				require.NoError(t, err)
				defer func() { require.NoError(t, pool.Stop(context.Background())) }()
				cfg.Pool = pool
			}
			c, err := New(cfg)
			require.NoError(t, err)
			ctx := context.Background()
			chain := m
			if m == MethodAuto {
				chain = MethodBrowser // what auto falls back to; its http leg is the http case
			}

			for _, u := range []string{site.URL + "/private/x", site.URL + "/hop"} {
				_, err = c.RenderPage(ctx, u, chain)
				require.ErrorIs(t, err, fetch.ErrRobotsDisallowed, "%s %s", m, u)
			}

			var wg sync.WaitGroup
			for i := range 4 {
				wg.Go(func() {
					_, err := c.RenderPage(ctx, fmt.Sprintf("%s/a/%d", site.URL, i), chain)
					require.NoError(t, err)
				})
			}
			wg.Wait()
			require.EqualValues(t, 1, site.maxIn.Load(), "MASX_HOST_CONCURRENCY=1: one request at a time")
			site.mu.Lock()
			defer site.mu.Unlock()
			require.Len(t, site.arrivals, 4, "no request reached /private/")
			for i := 1; i < len(site.arrivals); i++ {
				require.GreaterOrEqual(t, site.arrivals[i].Sub(site.arrivals[i-1]), delay-100*time.Millisecond, "MASX_HOST_DELAY_MS between requests")
			}
			for _, a := range site.agents {
				require.Equal(t, "masx-polite/1.0", a)
			}
		})
	}
}

// A page the fetcher refused as too large after decompression is not sent
// to the browser: a compression bomb the fetcher stopped at its cap drove
// a renderer to 4.39 GB.
func TestTooLargeIsNoReasonForTheBrowser(t *testing.T) {
	bomb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write([]byte("<html><body><p>"))
		zw.Write([]byte(strings.Repeat("a", 4<<20)))
		zw.Close()
	}))
	defer bomb.Close()
	guard := &netguard.Guard{AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort(bomb.Listener.Addr().String())}}
	f, err := fetch.New(fetch.Config{Guard: guard, HostDelay: -1, IgnoreRobots: true, Retries: -1, MaxBytes: 1 << 20})
	require.NoError(t, err)
	defer f.Close()
	pool, err := render.New(render.Config{ChromiumPath: chromium(t), Guard: guard})
	require.NoError(t, err)
	defer func() { require.NoError(t, pool.Stop(context.Background())) }()
	c, err := New(Config{Fetcher: f, Pool: pool})
	require.NoError(t, err)
	res, err := c.RenderPage(context.Background(), bomb.URL, MethodAuto)
	require.ErrorIs(t, err, fetch.ErrTooLarge)
	require.Len(t, res.Errors, 1, "no browser attempt after the http refusal")
	require.Equal(t, MethodHTTP, res.Errors[0].Method)
	require.False(t, errors.Is(err, render.ErrTooLarge))
}
