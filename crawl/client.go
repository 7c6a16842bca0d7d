package crawl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl/extract"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/netguard"
	"github.com/masx-ai/masx/crawl/render"
)

// Defaults for zero Config fields.
const (
	DefaultMinTextChars = 1000
	DefaultConcurrency  = 8
	// DefaultExtractTimeout bounds one extraction. A page cut at
	// extract.DefaultMaxTextNodes extracts in under a second on 2 cores;
	// ten leaves room for a loaded machine.
	DefaultExtractTimeout = 10 * time.Second
)

// Errors callers branch on; each comes wrapped in a [*MethodError].
var (
	// ErrShortText: the method got the page, but the extracted article is
	// shorter than Config.MinTextChars.
	ErrShortText = errors.New("article text too short")
	// ErrExtractTimeout: extracting the article took longer than
	// Config.ExtractTimeout.
	ErrExtractTimeout = errors.New("extraction timed out")
	// ErrNoBrowser: the browser method was asked for and Config.Pool is nil.
	ErrNoBrowser = errors.New("no browser pool configured")
)

// Config configures a [RenderClient]. Zero fields take the defaults named.
type Config struct {
	// Fetcher gets pages over plain HTTP. Required.
	Fetcher *fetch.Fetcher
	// Pool renders pages in Chromium. The client starts it on first use
	// (Start is idempotent); its owner stops it. Default nil: the browser
	// method fails with ErrNoBrowser and auto stops after HTTP.
	Pool *render.Pool
	// MinTextChars is the shortest article text, in characters, that
	// resolves a page; shorter text sends auto on to the browser. Default
	// DefaultMinTextChars (1000).
	MinTextChars int
	// Extract tunes extraction; its MinChars defaults to MinTextChars.
	Extract extract.Options
	// ExtractTimeout bounds one extraction (MASX_EXTRACT_TIMEOUT); past it
	// the page fails with ErrExtractTimeout. The extractors cannot be
	// interrupted, so the work runs on until it returns, holding its CPU
	// slot, and is counted as abandoned (masx_crawl_extractions_abandoned);
	// Extract.MaxTextNodes keeps that work under about a second. Default
	// DefaultExtractTimeout (10s); negative means none.
	ExtractTimeout time.Duration
	// IO, when set, bounds RenderPages (the shared I/O executor). Default
	// nil: RenderPages runs at most Concurrency pages at once.
	IO *executor.Pool
	// CPU, when set, runs extraction (CPU-heavy) on the shared CPU
	// executor. Default nil: extraction runs on the caller's goroutine.
	CPU *executor.Pool
	// Concurrency bounds RenderPages when IO is nil. Default 8.
	Concurrency int
	// Registerer receives the Prometheus collectors (see Metrics). Default
	// nil: none are registered.
	Registerer prometheus.Registerer
	// Logger receives diagnostics. Default: discarded.
	Logger *slog.Logger
}

// RenderClient gets articles: it fetches or renders a page, extracts the
// article and, for the auto method, falls back from HTTP to the browser.
// It is safe for concurrent use.
type RenderClient struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
}

// New validates cfg and builds a client.
func New(cfg Config) (*RenderClient, error) {
	if cfg.Fetcher == nil {
		return nil, errors.New("crawl: Config.Fetcher is nil: want a *fetch.Fetcher")
	}
	if cfg.MinTextChars < 0 {
		return nil, fmt.Errorf("crawl: Config.MinTextChars = %d: want ≥ 0", cfg.MinTextChars)
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("crawl: Config.Concurrency = %d: want ≥ 0", cfg.Concurrency)
	}
	if cfg.MinTextChars == 0 {
		cfg.MinTextChars = DefaultMinTextChars
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.ExtractTimeout == 0 {
		cfg.ExtractTimeout = DefaultExtractTimeout
	}
	if cfg.Extract.MinChars == 0 {
		cfg.Extract.MinChars = cfg.MinTextChars
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Extract.Logger == nil {
		cfg.Extract.Logger = cfg.Logger
	}
	c := &RenderClient{cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Pool)}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(c.metrics); err != nil {
			return nil, fmt.Errorf("registering crawl metrics: %w", err)
		}
	}
	return c, nil
}

// Result is one page as the client got it.
type Result struct {
	URL        string
	FinalURL   string
	StatusCode int
	HTML       []byte
	// Article is the resolving method's article; when no method resolved
	// the page, the longest article any method found (too short), or nil.
	Article *extract.Article
	// ResolvedBy is the method that resolved the page; "" when none did.
	ResolvedBy Method
	// Errors holds the failure of each method tried before (or instead
	// of) the resolving one, in the order tried.
	Errors   []*MethodError
	Duration time.Duration
}

// MethodError is one method's failure on one URL.
type MethodError struct {
	Method Method
	URL    string
	Err    error
}

func (e *MethodError) Error() string { return fmt.Sprintf("%s: %v", e.Method, e.Err) }
func (e *MethodError) Unwrap() error { return e.Err }

// PageError is returned when no method resolved a page. errors.Is and
// errors.As see every method's error.
type PageError struct {
	URL    string
	Errors []*MethodError
}

func (e *PageError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, me := range e.Errors {
		parts[i] = me.Error()
	}
	return fmt.Sprintf("getting %s: %s", e.URL, strings.Join(parts, "; "))
}

func (e *PageError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, me := range e.Errors {
		errs[i] = me
	}
	return errs
}

// RenderPage gets url with method: http, browser, or auto (http, then the
// browser). The Result is never nil; the error is a *PageError when no
// method resolved the page.
func (c *RenderClient) RenderPage(ctx context.Context, url string, method Method) (*Result, error) {
	chain, err := method.chain()
	if err != nil {
		return &Result{URL: url}, err
	}
	return c.run(ctx, url, chain)
}

// RenderWithFallback tries primary, then fallback when primary fails or
// finds less than MinTextChars of text. Both are http or browser; a
// fallback equal to primary (or "") means no fallback.
func (c *RenderClient) RenderWithFallback(ctx context.Context, url string, primary, fallback Method) (*Result, error) {
	chain := []Method{primary}
	if fallback != "" && fallback != primary {
		chain = append(chain, fallback)
	}
	for _, m := range chain {
		if m != MethodHTTP && m != MethodBrowser {
			return &Result{URL: url}, fmt.Errorf("%w %q: want http or browser", ErrBadMethod, string(m))
		}
	}
	return c.run(ctx, url, chain)
}

// RenderPages gets every URL with method, at most Config.Concurrency (or
// the IO executor's limit) at once, and returns results and errors in the
// order of urls, one pair per URL.
func (c *RenderClient) RenderPages(ctx context.Context, urls []string, method Method) ([]*Result, []error) {
	one := func(ctx context.Context, u string) (*Result, error) { return c.RenderPage(ctx, u, method) }
	if c.cfg.IO != nil {
		return executor.Map(ctx, c.cfg.IO, urls, one)
	}
	results := make([]*Result, len(urls))
	errs := make([]error, len(urls))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, u := range urls {
		acquired := false
		if ctx.Err() == nil {
			select {
			case sem <- struct{}{}:
				acquired = true
			case <-ctx.Done():
			}
		}
		if err := ctx.Err(); err != nil {
			if acquired {
				<-sem
			}
			results[i], errs[i] = &Result{URL: u}, err
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i], errs[i] = one(ctx, u)
		})
	}
	wg.Wait()
	return results, errs
}

// run tries the chain in order until a method resolves the page.
func (c *RenderClient) run(ctx context.Context, url string, chain []Method) (*Result, error) {
	start := time.Now()
	res := &Result{URL: url}
	var best *extract.Article
	for i, m := range chain {
		got, err := c.try(ctx, url, m)
		if got != nil && got.article != nil && (best == nil || textLen(got.article) > textLen(best)) {
			best = got.article
		}
		if err == nil {
			res.FinalURL, res.StatusCode, res.HTML = got.finalURL, got.status, got.html
			res.Article, res.ResolvedBy = got.article, m
			break
		}
		res.Errors = append(res.Errors, &MethodError{Method: m, URL: url, Err: err})
		if got != nil && res.HTML == nil {
			res.FinalURL, res.StatusCode, res.HTML = got.finalURL, got.status, got.html
		}
		if i < len(chain)-1 && !worthFallback(ctx, err) {
			break
		}
		if i < len(chain)-1 {
			c.metrics.fallbacks.Add(1)
			c.log.Debug("crawl: falling back", "url", url, "from", m, "to", chain[i+1], "err", err)
		}
	}
	res.Duration = time.Since(start)
	c.metrics.page(res.ResolvedBy, res.Duration)
	if res.ResolvedBy == "" {
		res.Article = best
		return res, &PageError{URL: url, Errors: res.Errors}
	}
	return res, nil
}

// worthFallback says whether another method could do better after err. A
// refused address, a bad URL, robots.txt, a page over the size caps and the
// caller's cancellation hold for every method; a page the server says does
// not exist too.
func worthFallback(ctx context.Context, err error) bool {
	var se *fetch.StatusError
	switch {
	case ctx.Err() != nil,
		errors.Is(err, netguard.ErrBlocked),
		errors.Is(err, fetch.ErrBadURL),
		errors.Is(err, render.ErrInvalidURL),
		errors.Is(err, fetch.ErrRobotsDisallowed),
		errors.Is(err, fetch.ErrRobotsUnavailable), // the browser asks the same robots.txt
		// Too large stays too large in a browser, which has no cheaper way
		// to refuse it: a compression bomb the fetcher stopped at the cap
		// drove a renderer to 4.39 GB.
		errors.Is(err, fetch.ErrTooLarge),
		errors.Is(err, extract.ErrTooLarge),
		errors.Is(err, ErrExtractTimeout), // a rendered DOM is no cheaper to extract
		errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone):
		return false
	}
	return true
}

type attempt struct {
	finalURL string
	status   int
	html     []byte
	article  *extract.Article
}

// try gets and extracts the page with one method. A short article comes
// back with ErrShortText and the attempt, so auto can keep the longest.
func (c *RenderClient) try(ctx context.Context, url string, m Method) (*attempt, error) {
	mm := c.metrics.method(m)
	mm.active.Add(1)
	start := time.Now()
	a, err := c.get(ctx, url, m)
	if err == nil {
		a.article, err = c.extract(ctx, a)
		if err == nil {
			if n := textLen(a.article); n < c.cfg.MinTextChars {
				err = fmt.Errorf("%w: %d characters, want ≥ %d", ErrShortText, n, c.cfg.MinTextChars)
			}
		}
	}
	d := time.Since(start)
	mm.active.Add(-1)
	mm.done(d, err == nil)
	c.metrics.hist.WithLabelValues(string(m)).Observe(d.Seconds())
	return a, err
}

func (c *RenderClient) get(ctx context.Context, url string, m Method) (*attempt, error) {
	switch m {
	case MethodHTTP:
		p, err := c.cfg.Fetcher.Fetch(ctx, url)
		if err != nil {
			return nil, err
		}
		return &attempt{finalURL: p.FinalURL, status: p.Status, html: p.HTML}, nil
	case MethodBrowser:
		pool := c.cfg.Pool
		if pool == nil {
			return nil, ErrNoBrowser
		}
		if err := pool.Start(ctx); err != nil {
			return nil, err
		}
		// The browser is held to what the fetcher keeps to: the guard,
		// robots.txt, and the host's turn (MASX_HOST_CONCURRENCY,
		// MASX_HOST_DELAY_MS). Redirect hops are checked by the pool's
		// Robots hook.
		if f := c.cfg.Fetcher; f != nil {
			release, err := f.Admit(ctx, url)
			if err != nil {
				return nil, err
			}
			defer release()
		}
		r, err := pool.Render(ctx, url)
		if errors.Is(err, render.ErrBrowserLost) && ctx.Err() == nil {
			// The browser died under this page (perhaps because of
			// another one); the pool has started a new one. Once more.
			c.log.Debug("crawl: browser lost; rendering again", "url", url, "err", err)
			r, err = pool.Render(ctx, url)
		}
		if err != nil {
			return nil, err
		}
		a := &attempt{finalURL: r.FinalURL, status: r.StatusCode, html: r.HTML}
		if r.StatusCode >= 400 {
			return a, &fetch.StatusError{URL: r.FinalURL, Code: r.StatusCode, Status: fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode))}
		}
		return a, nil
	}
	return nil, fmt.Errorf("%w %q", ErrBadMethod, string(m))
}

// extract runs on the CPU executor when one is configured, within
// Config.ExtractTimeout.
func (c *RenderClient) extract(ctx context.Context, a *attempt) (*extract.Article, error) {
	// The task outlives an extraction that times out: it tells the
	// abandoned count when it is done (state: 0 running, 1 done, 2
	// abandoned by its caller).
	var state atomic.Int32
	run := func(context.Context) (*extract.Article, error) {
		defer func() {
			if !state.CompareAndSwap(0, 1) {
				c.metrics.abandoned.Add(-1)
			}
		}()
		art, err := extract.Extract(a.html, a.finalURL, c.cfg.Extract)
		if err != nil {
			return nil, fmt.Errorf("extracting: %w", err)
		}
		return art, nil
	}
	xctx := ctx
	if d := c.cfg.ExtractTimeout; d > 0 {
		var cancel context.CancelFunc
		xctx, cancel = context.WithTimeoutCause(ctx, d, ErrExtractTimeout)
		defer cancel()
	}
	var art *extract.Article
	var err error
	if c.cfg.CPU != nil {
		art, err = executor.Run(xctx, c.cfg.CPU, run)
	} else {
		art, err = runUntil(xctx, run)
	}
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(xctx), ErrExtractTimeout) {
		if state.CompareAndSwap(0, 2) {
			c.metrics.abandoned.Add(1)
		}
		return nil, fmt.Errorf("%w after %v (%d bytes of HTML)", ErrExtractTimeout, c.cfg.ExtractTimeout, len(a.html))
	}
	return art, err
}

// runUntil runs fn on a goroutine of its own and waits for it or for ctx.
func runUntil[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

func textLen(a *extract.Article) int {
	if a == nil {
		return 0
	}
	return utf8.RuneCountInString(a.Text)
}
