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
			t.Fatal(msg)
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
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	b := &bundle{site: site, held: held, release: release, reg: prometheus.NewRegistry()}
	cfg := Config{Fetcher: f, Registerer: b.reg}
	if withPool {
		b.pool, err = render.New(render.Config{ChromiumPath: chromium(t), Guard: guard, Timeout: 60 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := b.pool.Stop(context.Background()); err != nil {
				t.Errorf("stopping the pool: %v", err)
			}
		})
		cfg.Pool = b.pool
	}
	b.client, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAutoFallsBackToBrowser(t *testing.T) {
	b := setup(t, true)
	ctx := context.Background()

	res, err := b.client.RenderPage(ctx, b.site.URL+"/static", MethodAuto)
	if err != nil {
		t.Fatal(err)
	}
	if res.ResolvedBy != MethodHTTP || len(res.Errors) != 0 {
		t.Errorf("static page: resolved by %q with errors %v; want http, none", res.ResolvedBy, res.Errors)
	}
	if b.pool.UserDataDir() != "" {
		t.Errorf("the browser started although HTTP resolved the page")
	}

	res, err = b.client.RenderPage(ctx, b.site.URL+"/js", MethodAuto)
	if err != nil {
		t.Fatal(err)
	}
	if res.ResolvedBy != MethodBrowser {
		t.Fatalf("script page: resolved by %q; want browser", res.ResolvedBy)
	}
	if len(res.Errors) != 1 || res.Errors[0].Method != MethodHTTP ||
		!(errors.Is(res.Errors[0], ErrShortText) || errors.Is(res.Errors[0], extract.ErrNoContent)) {
		t.Errorf("script page: errors %v; want one http error (too little text)", res.Errors)
	}
	if res.Article == nil || !strings.Contains(res.Article.Text, "Porto Velho") || textLen(res.Article) < DefaultMinTextChars {
		t.Errorf("script page: article %+v lacks the inserted text", res.Article)
	}
	if res.Article.Title != "Delta floods" {
		t.Errorf("title %q", res.Article.Title)
	}

	// HTTP alone gets the shell and says why it is not enough.
	res, err = b.client.RenderPage(ctx, b.site.URL+"/js", MethodHTTP)
	var pe *PageError
	if !errors.As(err, &pe) || res.ResolvedBy != "" || len(res.Errors) != 1 {
		t.Errorf("http only: err %v, resolved by %q; want a PageError and no method", err, res.ResolvedBy)
	}

	// RenderWithFallback with the order reversed resolves by the browser.
	res, err = b.client.RenderWithFallback(ctx, b.site.URL+"/static", MethodBrowser, MethodHTTP)
	if err != nil || res.ResolvedBy != MethodBrowser {
		t.Errorf("browser first: resolved by %q, err %v; want browser", res.ResolvedBy, err)
	}

	m := b.client.Metrics()
	if m["total_renders"].(int64) != 4 || m["fallbacks"].(int64) != 1 {
		t.Errorf("metrics %v; want 4 pages, 1 fallback", m)
	}
	by := m["resolved_by"].(map[string]int64)
	if by["http"] != 1 || by["browser"] != 2 {
		t.Errorf("resolved_by %v; want http 1, browser 2", by)
	}
	methods := m["methods"].(map[string]any)
	if got := methods["browser"].(map[string]any)["successful_renders"].(int64); got != 2 {
		t.Errorf("browser successful_renders = %d; want 2", got)
	}
	if got := methods["http"].(map[string]any)["failed_renders"].(int64); got != 2 {
		t.Errorf("http failed_renders = %d; want 2", got)
	}
	if _, ok := m["worker_metrics"].(map[string]any); !ok {
		t.Errorf("no worker_metrics in %v", m)
	}
	if n, err := testutil.GatherAndCount(b.reg, "masx_crawl_renders_total", "masx_crawl_pages_total", "masx_crawl_render_duration_seconds"); err != nil || n != 2+3+2 {
		t.Errorf("gathered %d series (err %v); want 7", n, err)
	}
	want := `
# HELP masx_crawl_fallbacks_total Pages sent on to the next method.
# TYPE masx_crawl_fallbacks_total counter
masx_crawl_fallbacks_total 1
`
	if err := testutil.GatherAndCompare(b.reg, strings.NewReader(want), "masx_crawl_fallbacks_total"); err != nil {
		t.Error(err)
	}
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
		if err == nil || len(res.Errors) != 1 || res.Errors[0].Method != MethodHTTP {
			t.Errorf("%s: err %v, errors %v; want one http failure and no browser attempt", tc.url, err, res.Errors)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v; want %v", tc.url, err, tc.want)
		}
	}
	var se *fetch.StatusError
	if _, err := b.client.RenderPage(ctx, b.site.URL+"/gone", MethodAuto); !errors.As(err, &se) || se.Code != 404 {
		t.Errorf("404: err %v; want a *fetch.StatusError 404", err)
	}
	// Without a pool, the browser is reported missing, not silently skipped.
	res, err := b.client.RenderPage(ctx, b.site.URL+"/short", MethodAuto)
	if !errors.Is(err, ErrNoBrowser) || !errors.Is(err, ErrShortText) || res.Article == nil {
		t.Errorf("short page without a browser: err %v, article %v; want ErrShortText then ErrNoBrowser, and the short article", err, res.Article)
	}
	if _, err := b.client.RenderPage(ctx, b.site.URL+"/static", "carrier-pigeon"); !errors.Is(err, ErrBadMethod) {
		t.Errorf("bad method: err %v; want ErrBadMethod", err)
	}
}

func TestRenderPagesKeepsOrder(t *testing.T) {
	b := setup(t, false)
	urls := []string{b.site.URL + "/static", "bad url", b.site.URL + "/gone", b.site.URL + "/static?x=2"}
	res, errs := b.client.RenderPages(context.Background(), urls, MethodHTTP)
	if len(res) != 4 || len(errs) != 4 {
		t.Fatalf("got %d results, %d errors; want 4, 4", len(res), len(errs))
	}
	for i, wantErr := range []bool{false, true, true, false} {
		if (errs[i] != nil) != wantErr {
			t.Errorf("url %d (%s): err %v; want error %v", i, urls[i], errs[i], wantErr)
		}
		if res[i] == nil || res[i].URL != urls[i] {
			t.Errorf("url %d: result %+v not in order", i, res[i])
		}
	}
	if res[3].ResolvedBy != MethodHTTP || res[3].Article == nil {
		t.Errorf("last page not resolved: %+v", res[3])
	}

	// A cancelled batch reports the context's error for what did not run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errs = b.client.RenderPages(ctx, urls, MethodHTTP)
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled batch, url %d: err %v; want context.Canceled", i, err)
		}
	}
}

func TestConfigAndMethods(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "Fetcher") {
		t.Errorf("New without a fetcher: %v; want an error naming Config.Fetcher", err)
	}
	f, err := fetch.New(fetch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := New(Config{Fetcher: f, MinTextChars: -1}); err == nil || !strings.Contains(err.Error(), "MinTextChars") {
		t.Errorf("negative MinTextChars: %v", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Config{Fetcher: f, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Fetcher: f, Registerer: reg}); err == nil {
		t.Errorf("registering a second client on the same registry succeeded; want an error")
	}
	for in, want := range map[string]Method{"": MethodAuto, "HTTP": MethodHTTP, " browser ": MethodBrowser, "auto": MethodAuto} {
		if got, err := ParseMethod(in); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMethod("playwright"); !errors.Is(err, ErrBadMethod) || !strings.Contains(err.Error(), "playwright") {
		t.Errorf("ParseMethod(playwright) = %v; want ErrBadMethod naming it", err)
	}
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
	if pid == 0 {
		t.Fatal("no browser pid while a page renders")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-b.held // the second try, on a new browser
	close(b.release)
	o := <-done
	if o.err != nil || o.res.ResolvedBy != MethodBrowser {
		t.Fatalf("after the kill: resolved by %q, err %v; want the browser, no error", o.res.ResolvedBy, o.err)
	}
	if st := b.pool.Stats(); st.Restarts != 1 || st.BrowserPID == pid {
		t.Errorf("pool stats %+v; want one restart and a new pid (old %d)", st, pid)
	}
}
