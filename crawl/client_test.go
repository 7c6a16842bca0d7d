package crawl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/crawl/extract"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/netguard"
	"github.com/masx-ai/masx/crawl/render"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const para = `The river delta flooded after three days of rain, and the regional authorities opened the northern spillway for the first time in a decade. Farmers in the lowlands moved their herds to the ridge roads while engineers watched the levees at Santa Maria and Porto Velho through the night.`

func articleHTML(paras int) string {
	var b strings.Builder
	for i := range paras {
		fmt.Fprintf(&b, "<p>%d. %s</p>\n", i+1, para)
	}
	return b.String()
}

const shell = `<!doctype html><html lang="en"><head><title>%s</title><meta name="author" content="Ana Ribeiro"></head>
<body><header><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav></header>
<main id="m">%s</main><footer>© 2026 Delta Daily · <a href="/privacy">Privacy</a></footer>%s</body></html>`

// newSite serves a static article, a page whose article a script inserts
// 200 ms after load, a 404 and a short page.
func newSite(t *testing.T, held, release chan struct{}) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	serve := func(path, title, main, script string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, shell, title, main, script)
		})
	}
	serve("/static", "Delta floods", "<article><h1>Delta floods</h1>"+articleHTML(8)+"</article>", "")
	serve("/js", "Delta floods (live)", "<p>Loading the story…</p>",
		"<script>setTimeout(() => { document.getElementById('m').innerHTML = `<article><h1>Delta floods</h1>"+articleHTML(8)+"</article>`; }, 200);</script>")
	serve("/short", "Brief", "<article><h1>Brief</h1><p>"+para+"</p></article>", "")
	mux.HandleFunc("/gone", http.NotFound)
	// /held reports its arrival, then waits for release (or the client
	// leaving) before serving the article.
	mux.HandleFunc("/held", func(w http.ResponseWriter, r *http.Request) {
		held <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, shell, "Delta floods", "<article><h1>Delta floods</h1>"+articleHTML(8)+"</article>", "")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func chromium(t *testing.T) string {
	t.Helper()
	path := render.ResolveChromiumPath(os.Getenv("MASX_CHROMIUM_PATH"))
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("Chromium not found at %s: install Debian's chromium (scripts/setup.sh) or set MASX_CHROMIUM_PATH", path)
		if os.Getenv("CI") == "true" {
			require.FailNow(t, msg)
		}
		t.Skip(msg)
	}
	return path
}

type bundle struct {
	site    *httptest.Server
	held    chan struct{}
	release chan struct{}
	client  *RenderClient
	pool    *render.Pool
	reg     *prometheus.Registry
}

// setup builds a client on a real fetcher, a real (lazily started) browser
// pool and real extraction, allowed to reach only the test site.
func setup(t *testing.T, withPool bool) *bundle {
	t.Helper()
	held, release := make(chan struct{}, 8), make(chan struct{})
	site := newSite(t, held, release)
	guard := &netguard.Guard{AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort(site.Listener.Addr().String())}}
	f, err := fetch.New(fetch.Config{Guard: guard, HostDelay: -1, IgnoreRobots: true, Retries: -1})
	require.NoError(t, err)
	t.Cleanup(f.Close)
	b := &bundle{site: site, held: held, release: release, reg: prometheus.NewRegistry()}
	cfg := Config{Fetcher: f, Registerer: b.reg}
	if withPool {
		b.pool, err = render.New(render.Config{ChromiumPath: chromium(t), Guard: guard, Timeout: 60 * time.Second})
		require.NoError(t, err)
		t.Cleanup(func() {
			require.NoError(t, b.pool.Stop(context.Background()), "stopping the pool")
		})
		cfg.Pool = b.pool
	}
	b.client, err = New(cfg)
	require.NoError(t, err)
	return b
}

func TestAutoFallsBackToBrowser(t *testing.T) {
	b := setup(t, true)
	ctx := context.Background()

	res, err := b.client.RenderPage(ctx, b.site.URL+"/static", MethodAuto)
	require.NoError(t, err)
	require.Equal(t, MethodHTTP, res.ResolvedBy, "static page: resolved by")
	require.Empty(t, res.Errors, "static page: errors")
	require.Empty(t, b.pool.UserDataDir(), "the browser started although HTTP resolved the page")

	res, err = b.client.RenderPage(ctx, b.site.URL+"/js", MethodAuto)
	require.NoError(t, err)
	require.Equal(t, MethodBrowser, res.ResolvedBy, "script page: resolved by")
	require.Len(t, res.Errors, 1, "script page: want one http error (too little text)")
	require.Equal(t, MethodHTTP, res.Errors[0].Method, "script page: errors %v; want one http error", res.Errors)
	require.True(t, errors.Is(res.Errors[0], ErrShortText) || errors.Is(res.Errors[0], extract.ErrNoContent),
		"script page: errors %v; want one http error (too little text)", res.Errors)
	require.NotNil(t, res.Article, "script page: article")
	require.Contains(t, res.Article.Text, "Porto Velho", "script page: article lacks the inserted text")
	require.GreaterOrEqual(t, textLen(res.Article), DefaultMinTextChars, "script page: article %+v lacks the inserted text", res.Article)
	require.Equal(t, "Delta floods", res.Article.Title, "title")

	// HTTP alone gets the shell and says why it is not enough.
	res, err = b.client.RenderPage(ctx, b.site.URL+"/js", MethodHTTP)
	var pe *PageError
	require.ErrorAs(t, err, &pe, "http only: want a PageError")
	require.Empty(t, res.ResolvedBy, "http only: want no method")
	require.Len(t, res.Errors, 1, "http only: errors")

	// RenderWithFallback with the order reversed resolves by the browser.
	res, err = b.client.RenderWithFallback(ctx, b.site.URL+"/static", MethodBrowser, MethodHTTP)
	require.NoError(t, err, "browser first")
	require.Equal(t, MethodBrowser, res.ResolvedBy, "browser first: resolved by")

	m := b.client.Metrics()
	require.Equal(t, int64(4), m["total_renders"], "metrics %v; want 4 pages", m)
	require.Equal(t, int64(1), m["fallbacks"], "metrics %v; want 1 fallback", m)
	by := m["resolved_by"].(map[string]int64)
	require.Equal(t, int64(1), by["http"], "resolved_by %v; want http 1", by)
	require.Equal(t, int64(2), by["browser"], "resolved_by %v; want browser 2", by)
	methods := m["methods"].(map[string]any)
	require.Equal(t, int64(2), methods["browser"].(map[string]any)["successful_renders"], "browser successful_renders")
	require.Equal(t, int64(2), methods["http"].(map[string]any)["failed_renders"], "http failed_renders")
	require.IsType(t, map[string]any{}, m["worker_metrics"], "no worker_metrics in %v", m)
	n, err := testutil.GatherAndCount(b.reg, "masx_crawl_renders_total", "masx_crawl_pages_total", "masx_crawl_render_duration_seconds")
	require.NoError(t, err, "gathering the series")
	require.Equal(t, 2+3+2, n, "gathered series")
	want := `
# HELP masx_crawl_fallbacks_total Pages sent on to the next method.
# TYPE masx_crawl_fallbacks_total counter
masx_crawl_fallbacks_total 1
`
	require.NoError(t, testutil.GatherAndCompare(b.reg, strings.NewReader(want), "masx_crawl_fallbacks_total"))
}

func TestNoFallbackWhenPointless(t *testing.T) {
	b := setup(t, false)
	ctx := context.Background()
	for _, tc := range []struct {
		url  string
		want error
	}{
		{"http://127.0.0.1:1/secret", netguard.ErrBlocked},
		{"http://169.254.169.254/latest/meta-data/", netguard.ErrBlocked},
		{b.site.URL + "/gone", nil},
		{"not a url", fetch.ErrBadURL},
	} {
		res, err := b.client.RenderPage(ctx, tc.url, MethodAuto)
		require.Error(t, err, "%s: want one http failure", tc.url)
		require.Len(t, res.Errors, 1, "%s: want one http failure and no browser attempt", tc.url)
		require.Equal(t, MethodHTTP, res.Errors[0].Method, "%s: want one http failure and no browser attempt", tc.url)
		if tc.want != nil {
			require.ErrorIs(t, err, tc.want, tc.url)
		}
	}
	var se *fetch.StatusError
	_, err := b.client.RenderPage(ctx, b.site.URL+"/gone", MethodAuto)
	require.ErrorAs(t, err, &se, "404: want a *fetch.StatusError")
	require.Equal(t, 404, se.Code, "404: status code")
	// Without a pool, the browser is reported missing, not silently skipped.
	res, err := b.client.RenderPage(ctx, b.site.URL+"/short", MethodAuto)
	require.ErrorIs(t, err, ErrNoBrowser, "short page without a browser")
	require.ErrorIs(t, err, ErrShortText, "short page without a browser: want ErrShortText then ErrNoBrowser")
	require.NotNil(t, res.Article, "short page without a browser: want the short article")
	_, err = b.client.RenderPage(ctx, b.site.URL+"/static", "carrier-pigeon")
	require.ErrorIs(t, err, ErrBadMethod, "bad method")
}

func TestRenderPagesKeepsOrder(t *testing.T) {
	b := setup(t, false)
	urls := []string{b.site.URL + "/static", "bad url", b.site.URL + "/gone", b.site.URL + "/static?x=2"}
	res, errs := b.client.RenderPages(context.Background(), urls, MethodHTTP)
	require.Len(t, res, 4, "results")
	require.Len(t, errs, 4, "errors")
	for i, wantErr := range []bool{false, true, true, false} {
		require.Equal(t, wantErr, errs[i] != nil, "url %d (%s): err %v; want an error", i, urls[i], errs[i])
		require.NotNil(t, res[i], "url %d: result", i)
		require.Equal(t, urls[i], res[i].URL, "url %d: result not in order", i)
	}
	require.Equal(t, MethodHTTP, res[3].ResolvedBy, "last page not resolved: %+v", res[3])
	require.NotNil(t, res[3].Article, "last page not resolved: %+v", res[3])

	// A cancelled batch reports the context's error for what did not run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errs = b.client.RenderPages(ctx, urls, MethodHTTP)
	for i, err := range errs {
		require.ErrorIs(t, err, context.Canceled, "cancelled batch, url %d", i)
	}
}

func TestConfigAndMethods(t *testing.T) {
	_, err := New(Config{})
	require.ErrorContains(t, err, "Fetcher", "New without a fetcher: want an error naming Config.Fetcher")
	f, err := fetch.New(fetch.Config{})
	require.NoError(t, err)
	defer f.Close()
	_, err = New(Config{Fetcher: f, MinTextChars: -1})
	require.ErrorContains(t, err, "MinTextChars", "negative MinTextChars")
	reg := prometheus.NewRegistry()
	_, err = New(Config{Fetcher: f, Registerer: reg})
	require.NoError(t, err)
	_, err = New(Config{Fetcher: f, Registerer: reg})
	require.Error(t, err, "registering a second client on the same registry succeeded; want an error")
	for in, want := range map[string]Method{"": MethodAuto, "HTTP": MethodHTTP, " browser ": MethodBrowser, "auto": MethodAuto} {
		got, err := ParseMethod(in)
		require.NoError(t, err, "ParseMethod(%q)", in)
		require.Equal(t, want, got, "ParseMethod(%q)", in)
	}
	_, err = ParseMethod("playwright")
	require.ErrorIs(t, err, ErrBadMethod, "ParseMethod(playwright)")
	require.ErrorContains(t, err, "playwright", "ParseMethod(playwright) names it")
}

// TestBrowserLostIsRetried kills Chromium under a page: the client renders
// it again on the browser the pool starts in its place.
func TestBrowserLostIsRetried(t *testing.T) {
	b := setup(t, true)
	type out struct {
		res *Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := b.client.RenderPage(context.Background(), b.site.URL+"/held", MethodBrowser)
		done <- out{res, err}
	}()
	<-b.held
	pid := b.pool.Stats().BrowserPID
	require.NotZero(t, pid, "no browser pid while a page renders")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	<-b.held // the second try, on a new browser
	close(b.release)
	o := <-done
	require.NoError(t, o.err, "after the kill")
	require.Equal(t, MethodBrowser, o.res.ResolvedBy, "after the kill: want the browser")
	st := b.pool.Stats()
	require.Equal(t, int64(1), st.Restarts, "pool stats %+v; want one restart", st)
	require.NotEqual(t, pid, st.BrowserPID, "pool stats: want a new pid")
}
