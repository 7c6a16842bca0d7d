// Package renderbench is `masx bench render`: browser pool against
// sequential browser renders, the plain HTTP path with politeness lifted,
// and article extraction, all on one generated local news site in one run:
// etl/demo's synthetic site with cluttered pages, each as heavy as a real
// news article page.
package renderbench

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/crawl/extract"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/netguard"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/internal/bench/procstat"
)

// Targets the report is judged against.
const (
	TargetPoolSpeedup     = 4.0
	TargetHTTPPagesPerSec = 300.0
	TargetExtractPerCore  = 40.0
)

// Config sets the run; zero fields take the defaults named.
type Config struct {
	// Fetch and Render are the fetcher's and the browser pool's settings
	// (binary, timeout, User-Agent, …); the zero values take the
	// libraries' defaults. The benchmark overrides what it measures: the
	// guard, the widths, retries and politeness.
	Fetch  fetch.Config
	Render render.Config

	Pages      int    // site size and pages per pool/HTTP/extract pass; default 200
	Sequential int    // pages rendered one at a time; default 40
	PoolPages  int    // pages the pool renders at once; default 5
	HTTPConns  int    // fetches in flight; default 32
	Seed       uint64 // site generator seed; default 1
	Logf       func(string, ...any)
}

// Report is the result. Rates are pages per second of wall time.
type Report struct {
	Pages     int     `json:"pages"`
	AvgPageKB float64 `json:"avg_page_kb"`
	// Chromium is the browser binary the renders ran on (MASX_CHROMIUM_PATH
	// resolved): the full browser costs 2.5 times the headless shell's CPU per page.
	Chromium   string `json:"chromium"`
	Cores      int    `json:"cores"`
	PoolPages  int    `json:"pool_pages"`
	Sequential int    `json:"sequential_pages"`

	BrowserPoolPagesPerSec       float64 `json:"browser_pool_pages_per_sec"`
	BrowserSequentialPagesPerSec float64 `json:"browser_sequential_pages_per_sec"`
	BrowserPoolSpeedup           float64 `json:"browser_pool_speedup"`
	BrowserAvgRenderMS           float64 `json:"browser_avg_render_ms"`
	// BrowserCPUMSPerPage is Chromium's CPU time per page over the
	// sequential and pool passes: user and system time of all its
	// processes, the renderers its zygote reaped included, read from /proc
	// before the browser stops (render.Pool.BrowserCPU). With C cores the
	// pool cannot beat C / that many pages per second, however wide it is.
	BrowserCPUMSPerPage float64 `json:"browser_cpu_ms_per_page"`
	BrowserFailures     int     `json:"browser_failures"`

	HTTPPagesPerSec float64 `json:"http_pages_per_sec"`
	HTTPConns       int     `json:"http_conns"`
	HTTPFailures    int     `json:"http_failures"`

	// ExtractPagesPerSec is pages per CPU-second of this process while
	// one goroutine extracts: the rate of one core, however loaded the
	// machine is. ExtractWallPagesPerSec is the same pass over wall time.
	ExtractPagesPerSec     float64 `json:"extract_pages_per_sec"`
	ExtractWallPagesPerSec float64 `json:"extract_wall_pages_per_sec"`
	ExtractAvgChars        int     `json:"extract_avg_chars"`
	ExtractFailures        int     `json:"extract_failures"`

	// LoadAvg is the machine's 1-minute load average before and after the
	// run: browser rates on a machine busy with other work say little.
	LoadAvgBefore float64 `json:"load_avg_before"`
	LoadAvgAfter  float64 `json:"load_avg_after"`

	Targets map[string]float64 `json:"targets"`
	Met     map[string]bool    `json:"targets_met"`
}

// Run generates the site, serves it on loopback and measures.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Pages, 200)
	def(&cfg.Sequential, 40)
	def(&cfg.PoolPages, 5)
	def(&cfg.HTTPConns, 32)
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cfg.Sequential = min(cfg.Sequential, cfg.Pages)

	load := procstat.LoadAvg()
	site, pages, err := generate(cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{Pages: cfg.Pages, Cores: runtime.GOMAXPROCS(0), PoolPages: cfg.PoolPages, Sequential: cfg.Sequential, HTTPConns: cfg.HTTPConns,
		Chromium: render.ResolveChromiumPath(cfg.Render.ChromiumPath)}
	var total int
	for _, p := range pages {
		total += len(p)
	}
	rep.AvgPageKB = float64(total) / float64(len(pages)) / 1024

	srv, err := demo.Serve(ctx, site)
	if err != nil {
		return nil, fmt.Errorf("serving the bench site: %w", err)
	}
	defer srv.Close()
	// The site is on loopback: allow exactly its address, nothing else
	// private.
	addr, err := netip.ParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		return nil, fmt.Errorf("serving the bench site: %w", err)
	}
	guard := &netguard.Guard{AllowAddrs: []netip.AddrPort{addr}}
	urls := make([]string, len(pages))
	for i := range pages {
		urls[i] = site.ArticleURL(srv.URL, i)
	}

	logf("extracting %d pages (%.0f KB on average) on one goroutine", len(pages), rep.AvgPageKB)
	if err := benchExtract(ctx, pages, urls, rep); err != nil {
		return nil, err
	}
	logf("fetching %d pages over HTTP, %d at once, politeness lifted", len(pages), cfg.HTTPConns)
	if err := benchHTTP(ctx, cfg, guard, urls, rep, logf); err != nil {
		return nil, err
	}
	logf("rendering %d pages one at a time, then %d with a pool of %d pages", cfg.Sequential, len(pages), cfg.PoolPages)
	if err := benchBrowser(ctx, cfg, guard, urls, rep, logf); err != nil {
		return nil, err
	}

	rep.LoadAvgBefore, rep.LoadAvgAfter = load, procstat.LoadAvg()
	rep.Targets = map[string]float64{
		"browser_pool_speedup":  TargetPoolSpeedup,
		"http_pages_per_sec":    TargetHTTPPagesPerSec,
		"extract_pages_per_sec": TargetExtractPerCore,
	}
	rep.Met = map[string]bool{
		"browser_pool_speedup":  rep.BrowserPoolSpeedup >= TargetPoolSpeedup,
		"http_pages_per_sec":    rep.HTTPPagesPerSec >= TargetHTTPPagesPerSec,
		"extract_pages_per_sec": rep.ExtractPagesPerSec >= TargetExtractPerCore,
	}
	return rep, nil
}

// PageBytes is the size of the site's pages: the weight of a real news
// article page, boilerplate and all.
const PageBytes = 150_000

// generate makes the site, deterministically from cfg.Seed: cfg.Pages
// cluttered article pages (etl/demo's synthetic site), and the bytes of
// each, for the extraction pass.
func generate(cfg Config) (*demo.SyntheticSite, [][]byte, error) {
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: cfg.Pages, Topics: min(cfg.Pages, demo.DefaultSyntheticTopics),
		Seed: int64(cfg.Seed), PageBytes: PageBytes, Clutter: true})
	if err != nil {
		return nil, nil, err
	}
	pages := make([][]byte, cfg.Pages)
	for i := range pages {
		if pages[i], err = site.Page(i); err != nil {
			return nil, nil, err
		}
	}
	return site, pages, nil
}

func benchExtract(ctx context.Context, pages [][]byte, urls []string, rep *Report) error {
	opts := extract.Options{}
	cpu0 := procstat.CPU()
	start := time.Now()
	chars := 0
	for i, p := range pages {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, err := extract.Extract(p, urls[i], opts)
		if err != nil {
			rep.ExtractFailures++
			continue
		}
		chars += len([]rune(a.Text))
	}
	rep.ExtractWallPagesPerSec = float64(len(pages)) / time.Since(start).Seconds()
	rep.ExtractPagesPerSec = float64(len(pages)) / (procstat.CPU() - cpu0).Seconds()
	if ok := len(pages) - rep.ExtractFailures; ok > 0 {
		rep.ExtractAvgChars = chars / ok
	}
	return nil
}

func benchHTTP(ctx context.Context, cfg Config, guard *netguard.Guard, urls []string, rep *Report, logf func(string, ...any)) error {
	fc := cfg.Fetch
	fc.Guard = guard
	fc.HostDelay = -1
	fc.HostConcurrency = cfg.HTTPConns
	fc.IgnoreRobots = true
	fc.Retries = -1
	f, err := fetch.New(fc)
	if err != nil {
		return err
	}
	defer f.Close()
	// Warm the connections, then time a full pass.
	if _, errs := parallel(ctx, urls[:min(len(urls), cfg.HTTPConns)], cfg.HTTPConns, logf, func(ctx context.Context, u string) error {
		_, err := f.Fetch(ctx, u)
		return err
	}); errs > 0 {
		return fmt.Errorf("warming up the HTTP path: %d fetches failed", errs)
	}
	d, errs := parallel(ctx, urls, cfg.HTTPConns, logf, func(ctx context.Context, u string) error {
		_, err := f.Fetch(ctx, u)
		return err
	})
	rep.HTTPPagesPerSec = float64(len(urls)) / d.Seconds()
	rep.HTTPFailures = errs
	return ctx.Err()
}

func benchBrowser(ctx context.Context, cfg Config, guard *netguard.Guard, urls []string, rep *Report, logf func(string, ...any)) error {
	rc := cfg.Render
	rc.Guard = guard
	rc.MaxPages = cfg.PoolPages
	rc.QueueMax = len(urls) + cfg.PoolPages
	pool, err := render.New(rc)
	if err != nil {
		return err
	}
	if err := pool.Start(ctx); err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = pool.Stop(context.WithoutCancel(ctx))
		}
	}()
	var all atomic.Int64
	var renderNS atomic.Int64
	var renders atomic.Int64
	renderOne := func(ctx context.Context, u string) error {
		res, err := pool.Render(ctx, u)
		all.Add(1)
		if err == nil {
			renderNS.Add(int64(res.Timings.Total))
			renders.Add(1)
		}
		return err
	}
	// Warm up: the first pages of a fresh browser are slower.
	if _, errs := parallel(ctx, urls[:min(len(urls), cfg.PoolPages)], cfg.PoolPages, logf, renderOne); errs > 0 {
		return fmt.Errorf("warming up the browser: %d renders failed", errs)
	}
	renderNS.Store(0)
	renders.Store(0)
	all.Store(0)
	// Chromium's time is read from /proc while it runs: its renderers are
	// reaped by its zygote, which the kill at Stop orphans, so this
	// process's child usage never sees most of it.
	chrome0 := pool.BrowserCPU()
	seqD, seqErrs := parallel(ctx, urls[:cfg.Sequential], 1, logf, renderOne)
	poolD, poolErrs := parallel(ctx, urls, cfg.PoolPages, logf, renderOne)
	if err := ctx.Err(); err != nil {
		return err
	}
	chrome := pool.BrowserCPU() - chrome0
	if pool.Stats().Restarts > 0 {
		logf("the browser was restarted: browser_cpu_ms_per_page misses the time of the browser replaced")
	}
	stopped = true
	if err := pool.Stop(ctx); err != nil {
		return err
	}
	rep.BrowserCPUMSPerPage = float64(chrome) / float64(all.Load()) / 1e6
	rep.BrowserSequentialPagesPerSec = float64(cfg.Sequential) / seqD.Seconds()
	rep.BrowserPoolPagesPerSec = float64(len(urls)) / poolD.Seconds()
	rep.BrowserPoolSpeedup = rep.BrowserPoolPagesPerSec / rep.BrowserSequentialPagesPerSec
	rep.BrowserFailures = seqErrs + poolErrs
	if n := renders.Load(); n > 0 {
		rep.BrowserAvgRenderMS = float64(renderNS.Load()) / float64(n) / 1e6
	}
	if rep.BrowserFailures > (cfg.Sequential+len(urls))/10 {
		return fmt.Errorf("rendering: %d of %d renders failed; the numbers would mean nothing", rep.BrowserFailures, cfg.Sequential+len(urls))
	}
	return nil
}

// parallel runs fn over items with n workers and returns the wall time and
// the number of failures.
func parallel(ctx context.Context, items []string, n int, logf func(string, ...any), fn func(context.Context, string) error) (time.Duration, int) {
	var next, failed atomic.Int64
	var first sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range min(n, len(items)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, items[i]); err != nil {
					failed.Add(1)
					first.Do(func() { logf("first failure: %v", err) })
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), int(failed.Load())
}
