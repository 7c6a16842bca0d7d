package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"

	"github.com/masx-ai/masx/concurrency/startstop"
)

// Result is one rendered page.
type Result struct {
	URL        string // as requested
	FinalURL   string // after redirects and script navigations
	StatusCode int    // of the main document; 0 when Chromium reported none
	HTML       []byte // serialized DOM after scripts ran, doctype included
	Title      string
	Method     string // always "browser"
	Timings    Timings
	// BlockedRequests counts the page's requests the guard refused.
	BlockedRequests int
}

// Timings splits a visit.
type Timings struct {
	Queue    time.Duration // waiting for a page (not part of the deadline)
	Navigate time.Duration // navigation start to DOMContentLoaded
	Wait     time.Duration // DOMContentLoaded to network idle or a stable DOM
	Total    time.Duration // page obtained to content read, cleanup excluded
}

// MethodBrowser is Result.Method.
const MethodBrowser = "browser"

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Active           int   // pages rendering now
	Queued           int   // requests waiting for a page
	Total            int64 // renders finished (any outcome)
	Succeeded        int64
	Failed           int64 // all failures, timeouts and cancellations included
	TimedOut         int64
	QueueFull        int64 // requests refused with ErrQueueFull (not in Total)
	BlockedRequests  int64 // page requests the guard refused
	BlockedResources int64 // images, media and fonts not loaded
	EgressBlocked    int64 // connections the egress proxy refused (preconnects, WebSockets, rebinding)
	Restarts         int64 // browsers started after the first
	CleanupFailures  int64 // pages whose cleanup failed (their browser was replaced)
	Reused           int64 // renders that reused an idle page instead of opening one
	RenderTime       time.Duration
	BrowserPID       int // 0 when no browser runs
}

type poolStats struct {
	active, queued                      atomic.Int64
	total, ok, failed, timedOut, full   atomic.Int64
	blockedRequests, blockedResources   atomic.Int64
	restarts, cleanupFailures, renderNS atomic.Int64
	egressBlocked, reused               atomic.Int64
}

const (
	stateNew = iota
	stateRunning
	stateStopping
	stateStopped
)

// Pool renders pages in one headless Chromium, at most Config.MaxPages at
// once, each page in its own browser context and reused, cleared, for up
// to Config.MaxVisitsPerPage visits. See the package documentation.
type Pool struct {
	cfg  Config
	log  *slog.Logger
	life startstop.Lifecycle

	slots chan struct{} // a token per rendering page
	stats poolStats
	hosts hostCache
	proxy *egress // set by Start; the browser's only way out
	// sandbox is SandboxMode's answer at Start: without it Chromium gets
	// --no-sandbox.
	sandbox bool

	// memKilledAt is when a renderer was last killed for passing
	// Config.RendererMB (unix nanoseconds): the visit whose page crashed
	// then reports ErrTooLarge rather than a crash.
	memKilledAt atomic.Int64
	// memSampledAt is when renderers' memory was last read (unix
	// nanoseconds), so concurrent visits share one sample per interval.
	memSampledAt atomic.Int64

	// visits maps a page's target ID (= its main frame ID) to the visit, so
	// the interceptor can tell a visit that its document was refused.
	visits sync.Map

	mu       sync.Mutex
	state    int // what Render and restarts go by; set by start and stop
	dir      string
	browser  *instance
	sessions []session // of every browser started, for finding leftovers
	gen      int
	inflight sync.WaitGroup // Render calls past admission
	kill     context.Context
	killNow  context.CancelFunc

	launchMu sync.Mutex // one (re)start at a time
}

// New validates cfg and returns a pool that is not started.
func New(cfg Config) (*Pool, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	kill, killNow := context.WithCancel(context.Background())
	return &Pool{
		cfg:     cfg,
		log:     cfg.Logger,
		slots:   make(chan struct{}, cfg.MaxPages),
		kill:    kill,
		killNow: killNow,
	}, nil
}

// Start creates the pool's user-data directory and starts the browser. ctx
// bounds the start only. Start follows the lifecycle contract of package
// startstop: a second Start is a no-op, and a pool that was stopped, or
// whose Stop came before Start, cannot start again (ErrClosed, and
// startstop.ErrStopped).
func (p *Pool) Start(ctx context.Context) error {
	err := p.life.Start(func() error { return p.start(ctx) })
	if errors.Is(err, startstop.ErrStopped) {
		return fmt.Errorf("starting render pool: %w: %w", ErrClosed, err)
	}
	return err
}

func (p *Pool) start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := os.Stat(p.cfg.ChromiumPath); err != nil {
		return fmt.Errorf("starting render pool: %w: %q: %w (install Debian's chromium package)", ErrNoChromium, p.cfg.ChromiumPath, err)
	}
	on, why, err := SandboxMode(p.cfg)
	if err != nil {
		return fmt.Errorf("starting render pool: %w", err)
	}
	p.sandbox = on
	p.log.Info("render: chromium sandbox", "on", on, "reason", why)
	sweepStaleProfiles(os.TempDir(), p.log)
	dir, err := os.MkdirTemp("", profilePattern())
	if err != nil {
		return fmt.Errorf("starting render pool: %w", err)
	}
	p.dir = dir
	p.gen = 1
	if p.proxy, err = startEgress(p.cfg.Guard, p.log, &p.stats.egressBlocked); err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("starting render pool: %w", err)
	}
	in, err := p.launch(ctx, p.gen)
	if err != nil {
		p.proxy.close()
		_ = os.RemoveAll(dir)
		return fmt.Errorf("starting render pool: %w", err)
	}
	p.browser = in
	p.sessions = append(p.sessions, in.sess)
	p.state = stateRunning
	p.log.Debug("render: pool started", "dir", dir, "pid", in.pid)
	return nil
}

// Stop refuses new renders, waits for those admitted (queued or running) to
// finish, then kills the browser and removes the user-data directory. It
// follows the lifecycle contract of package startstop: if ctx ends first,
// Stop cancels the renders still queued or running, waits for their
// cleanup (each bounded by Config.CleanupTimeout), finishes the shutdown
// and returns ctx's error. Stop before Start latches (a later Start fails
// with ErrClosed), and any number of Stop calls are safe.
func (p *Pool) Stop(ctx context.Context) error {
	if err := p.life.Stop(ctx, p.stop); err != nil {
		return fmt.Errorf("stopping render pool: %w", err)
	}
	return nil
}

// stop is Stop's work, run once; abort ends when a Stop's ctx does.
func (p *Pool) stop(abort context.Context) error {
	p.mu.Lock()
	p.state = stateStopping
	p.mu.Unlock()

	drained := make(chan struct{})
	go func() { p.inflight.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-abort.Done():
		p.killNow()
		<-drained
	}
	p.killNow()

	p.launchMu.Lock() // no restart may be half done
	p.mu.Lock()
	in := p.browser
	p.browser = nil
	p.state = stateStopped
	p.mu.Unlock()
	p.launchMu.Unlock()
	if in != nil {
		in.close()
	}
	p.proxy.close()
	return os.RemoveAll(p.dir)
}

// Render visits rawURL and returns the rendered page. It waits for a free
// page while the queue has room, else fails with ErrQueueFull at once. The
// visit has a hard deadline of Config.Timeout; the page is cleared for the
// next visit after a success and its browser context closed on every other
// path, also after ctx is cancelled.
func (p *Pool) Render(ctx context.Context, rawURL string) (*Result, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("rendering %s: %w", rawURL, err) }

	p.mu.Lock()
	if p.state != stateRunning {
		p.mu.Unlock()
		return nil, wrap(ErrClosed)
	}
	p.inflight.Add(1)
	p.mu.Unlock()
	defer p.inflight.Done()

	// Refuse a blocked URL before it takes a page. The interceptor checks
	// the document request (and every redirect hop) again.
	gctx, gcancel := context.WithTimeout(ctx, p.cfg.Timeout)
	err = p.checkURL(gctx, u)
	gcancel()
	if err != nil {
		p.count(0, err)
		return nil, wrap(err)
	}

	queued := time.Now()
	if err := p.acquire(ctx); err != nil {
		if err == ErrQueueFull {
			p.stats.full.Add(1)
		} else {
			p.count(0, err)
		}
		return nil, wrap(err)
	}
	waited := time.Since(queued)
	p.stats.active.Add(1)
	release := sync.OnceFunc(func() {
		p.stats.active.Add(-1)
		<-p.slots
	})
	res, err := p.visit(ctx, u, release)
	if res != nil {
		res.Timings.Queue = waited
	}
	if err != nil {
		p.count(0, err)
		return nil, wrap(err)
	}
	p.count(res.Timings.Total, nil)
	return res, nil
}

// acquire takes a page slot, waiting in the queue if there is room.
func (p *Pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	if p.stats.queued.Add(1) > int64(p.cfg.QueueMax) {
		p.stats.queued.Add(-1)
		return ErrQueueFull
	}
	defer p.stats.queued.Add(-1)
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.kill.Done():
		return ErrClosed
	}
}

func (p *Pool) count(d time.Duration, err error) {
	p.stats.total.Add(1)
	if err != nil {
		p.stats.failed.Add(1)
		if isTimeout(err) {
			p.stats.timedOut.Add(1)
		}
		return
	}
	p.stats.ok.Add(1)
	p.stats.renderNS.Add(int64(d))
}

// current returns the running browser, starting a new one when the last
// one died or was marked unhealthy.
func (p *Pool) current(ctx context.Context) (*instance, error) {
	p.mu.Lock()
	in, state := p.browser, p.state
	p.mu.Unlock()
	if state != stateRunning && state != stateStopping {
		return nil, ErrClosed
	}
	if in != nil && in.alive() {
		return in, nil
	}
	p.launchMu.Lock()
	defer p.launchMu.Unlock()
	p.mu.Lock()
	in, state = p.browser, p.state
	p.mu.Unlock()
	if state == stateStopped {
		return nil, ErrClosed
	}
	if in != nil && in.alive() {
		return in, nil // another caller restarted it
	}
	if in != nil {
		p.log.Warn("render: browser lost, starting a new one", "pid", in.pid, "unhealthy", in.unhealthy.Load())
		in.close()
	}
	p.mu.Lock()
	p.gen++
	gen := p.gen
	p.mu.Unlock()
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(p.kill, stop)()
	nin, err := p.launch(lctx, gen)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.browser = nil
		return nil, fmt.Errorf("%w: %w", ErrBrowserLost, err)
	}
	p.browser = nin
	p.sessions = append(p.sessions, nin.sess)
	p.stats.restarts.Add(1)
	return nin, nil
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool) Stats() Stats {
	s := &p.stats
	st := Stats{
		Active:           int(s.active.Load()),
		Queued:           int(s.queued.Load()),
		Total:            s.total.Load(),
		Succeeded:        s.ok.Load(),
		Failed:           s.failed.Load(),
		TimedOut:         s.timedOut.Load(),
		QueueFull:        s.full.Load(),
		BlockedRequests:  s.blockedRequests.Load(),
		BlockedResources: s.blockedResources.Load(),
		EgressBlocked:    s.egressBlocked.Load(),
		Restarts:         s.restarts.Load(),
		CleanupFailures:  s.cleanupFailures.Load(),
		Reused:           s.reused.Load(),
	}
	if st.Succeeded > 0 {
		st.RenderTime = time.Duration(s.renderNS.Load() / st.Succeeded)
	}
	p.mu.Lock()
	if p.browser != nil && p.browser.alive() {
		st.BrowserPID = p.browser.pid
	}
	p.mu.Unlock()
	return st
}

// OpenPages counts the browser's pages and browser contexts that belong to
// renders: those outside the browser's default context, where the pool
// never renders, less the idle pages kept for the next renders (at most
// Config.MaxPages, one context each; see [Pool.IdlePages]). Between
// renders it is 0; anything else is a leak. It is exported for monitoring
// and for tests.
func (p *Pool) OpenPages(ctx context.Context) (pages, contexts int, err error) {
	p.mu.Lock()
	in := p.browser
	p.mu.Unlock()
	if in == nil || !in.alive() {
		return 0, 0, ErrClosed
	}
	infos, err := cdp.Call(ctx, in.b, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		return 0, 0, fmt.Errorf("listing targets: %w", err)
	}
	bcs, err := cdp.Call(ctx, in.b, target.GetBrowserContexts, cdp.Empty{})
	if err != nil {
		return 0, 0, fmt.Errorf("listing browser contexts: %w", err)
	}
	idleT, idleBC := in.idleTargets()
	def := bcs.DefaultBrowserContextID
	for _, t := range infos.TargetInfos {
		if t.BrowserContextID != def && !idleT[t.TargetID] && !idleBC[t.BrowserContextID] {
			pages++
		}
	}
	for _, bc := range bcs.BrowserContextIDs {
		if !idleBC[bc] {
			contexts++
		}
	}
	return pages, contexts, nil
}

// closeIdle disposes of the idle pages of the running browser.
func (p *Pool) closeIdle() {
	p.mu.Lock()
	in := p.browser
	p.mu.Unlock()
	if in == nil {
		return
	}
	for _, s := range in.drainIdle() {
		p.disposePage(in, s)
	}
}

// IdlePages is how many pages wait, cleared, for the next render (see
// Config.MaxVisitsPerPage). Each holds a browser context and a renderer
// process; there are never more than Config.MaxPages.
func (p *Pool) IdlePages() int {
	p.mu.Lock()
	in := p.browser
	p.mu.Unlock()
	if in == nil {
		return 0
	}
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	return len(in.idle)
}

// RendererProcesses counts the live Chromium renderer processes of this
// pool, for monitoring and leak tests.
func (p *Pool) RendererProcesses() int {
	return len(p.processes("renderer"))
}

// processes lists the live processes of every browser the pool started;
// with typ, only those with --type=typ.
func (p *Pool) processes(typ string) []int {
	p.mu.Lock()
	dir, sessions := p.dir, slices.Clone(p.sessions)
	p.mu.Unlock()
	if dir == "" {
		return nil
	}
	return slices.Sorted(maps.Keys(procsUsing(dir, sessions, typ)))
}

// BrowserCPU is the CPU time, user and system, that the running browser's
// processes have used so far, the renderers and other children they
// reaped included, read from /proc. A browser that was replaced takes its
// time with it. For monitoring and benchmarks: Chromium's time reaches the
// Go process's own child usage only partly (the processes it reaps itself).
func (p *Pool) BrowserCPU() time.Duration {
	p.mu.Lock()
	in := p.browser
	p.mu.Unlock()
	if in == nil {
		return 0
	}
	return procsCPU(in.dir, in.sess)
}

// UserDataDir is the pool's Chromium profile directory; each browser it
// starts uses a subdirectory. Removed by Stop.
func (p *Pool) UserDataDir() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dir
}

const maxURLLen = 8 << 10

func parseURL(raw string) (*url.URL, error) {
	if len(raw) > maxURLLen {
		return nil, fmt.Errorf("rendering %.64q…: %w: longer than %d bytes", raw, ErrInvalidURL, maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("rendering %q: %w: %v", raw, ErrInvalidURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("rendering %q: %w: want an absolute http or https URL", raw, ErrInvalidURL)
	}
	return u, nil
}
