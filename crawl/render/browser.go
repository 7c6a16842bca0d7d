package render

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/masx-ai/masx/crawl/netguard"
)

// launchTimeout bounds starting Chromium and opening its protocol pipe.
const launchTimeout = 30 * time.Second

// maxInterceptors bounds the request-interception handlers running at once
// (each may wait on a DNS lookup). Past it the reader waits and the browser
// keeps the requests paused: backpressure, not an unbounded goroutine pile.
const maxInterceptors = 64

// gracefulClose is how long Stop lets the browser close itself.
const gracefulClose = 2 * time.Second

// instance is one Chromium process of the pool. A crashed or unhealthy
// instance is replaced by a new one with a fresh user-data directory.
type instance struct {
	gen  int
	dir  string // --user-data-dir, below the pool's directory
	pool *Pool

	allocCancel context.CancelFunc
	ctx         context.Context // chromedp browser context; done when the browser stops
	cancel      context.CancelFunc
	b           *chromedp.Browser
	pid         int     // the browser process (below a wrapper script, if any)
	sess        session // marks the browser's processes in /proc

	unhealthy atomic.Bool // a cleanup failed on a live browser: replace it

	bgMu      sync.Mutex
	closing   bool
	handlers  sync.WaitGroup // interceptors, page creations and disposals; Add under bgMu
	idle      []*slot        // pages between visits; under bgMu
	loopDone  chan struct{}
	unsub     func()
	authDone  chan struct{}
	unsubAuth func()
	closeOnce sync.Once
}

// chromiumArgs are the switches for a headless browser on a closed network:
// no background traffic, no updates, no sync, no QUIC (interception sees
// every request anyway, and QUIC to arbitrary hosts is one more path out),
// WebRTC limited to proxied TCP so it cannot reach private UDP addresses.
func (p *Pool) chromiumArgs(dir string) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p.cfg.ChromiumPath),
		chromedp.UserDataDir(dir),
		// A session of its own marks every process of the browser (see
		// procs.go). This replaces chromedp's own settings, so the
		// browser is again killed when this process dies.
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
		}),
	}
	for _, f := range []string{
		"headless", "disable-gpu",
		"disable-background-networking", "disable-component-update",
		"disable-sync", "no-first-run", "no-default-browser-check",
		"disable-quic", "disable-dev-shm-usage", "disable-extensions",
		"disable-default-apps", "disable-breakpad", "disable-crash-reporter",
		"disable-client-side-phishing-detection", "disable-domain-reliability",
		"disable-hang-monitor", "disable-prompt-on-repost", "no-pings",
		"metrics-recording-only", "mute-audio", "hide-scrollbars",
		"use-mock-keychain",
		"disable-background-timer-throttling", "disable-renderer-backgrounding",
		"disable-backgrounding-occluded-windows",
		// No GPU, so no shaders to keep; without this the shader caches
		// (GPUCache, DawnGraphiteCache, DawnWebGPUCache) are still
		// created, and the HTTP-cache clearing between two visits dooms
		// every entry of each of them on the browser's cache thread:
		// 10–11 ms of browser CPU per visit in Chromium traces.
		"disable-gpu-shader-disk-cache",
	} {
		opts = append(opts, chromedp.Flag(f, true))
	}
	opts = append(opts,
		chromedp.Flag("password-store", "basic"),
		// The second line is Chromium's speculative navigation: metrics on
		// every link of a page for the navigation predictor, prerendering
		// and prefetch heuristics, the LCP predictor. A crawler never
		// follows a page's links by itself, and on a news page with
		// hundreds of links they cost 6–9% of Chromium's CPU per page
		// (paired `masx bench render` runs, headless shell).
		// The third is RenderDocument, which gives every navigation a
		// new frame in the renderer, the about:blank that clears a page
		// included; a page reused for the same site then keeps its frame:
		// 9–18% less Chromium CPU per page in four side-by-side traced
		// runs.
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,BackForwardCache,"+
			"NavigationPredictor,AnchorElementInteraction,SpeculationRulesPrefetchFuture,Prerender2,PreloadingHeuristicsMLModel,LCPCriticalPathPredictor,"+
			"RenderDocument"),
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.Flag("window-size", "1280,1024"),
		chromedp.Flag("js-flags", fmt.Sprintf("--max-old-space-size=%d", p.cfg.JSHeapMB)),
		// Every connection, loopback included, goes through the egress
		// proxy, which checks the guard at dial time.
		chromedp.ProxyServer(p.proxy.URL()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	// --no-sandbox only where SandboxMode said so (as root, or without
	// user namespaces, Chromium does not start without it). Set either
	// way: false keeps chromedp from adding it whenever this process runs
	// as root, which would also disable a sandbox that works for the
	// browser's own user.
	opts = append(opts, chromedp.Flag("no-sandbox", !p.sandbox))
	if !p.cfg.LoadResources {
		// Blink then never asks for an image (img, picture, CSS
		// backgrounds), where interception would refuse each one after a
		// round trip through this process and four protocol events; a news
		// page holds dozens. Media and fonts are still refused there.
		opts = append(opts, chromedp.Flag("blink-settings", "imagesEnabled=false"))
	}
	if p.cfg.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(p.cfg.UserAgent))
	}
	for k, v := range p.cfg.extraArgs {
		opts = append(opts, chromedp.Flag(k, v))
	}
	return opts
}

// launch starts a browser in <pool dir>/browser-<gen> and turns on
// browser-wide request interception. ctx bounds the start only.
func (p *Pool) launch(ctx context.Context, gen int) (*instance, error) {
	dir := filepath.Join(p.dir, "browser-"+strconv.Itoa(gen))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("starting chromium: %w", err)
	}
	in := &instance{gen: gen, dir: dir, pool: p, loopDone: make(chan struct{}), authDone: make(chan struct{})}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), p.chromiumArgs(dir)...)
	logf := func(f string, a ...any) { p.log.Debug("chromium: " + fmt.Sprintf(f, a...)) }
	bctx, bcancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	in.allocCancel, in.ctx, in.cancel = allocCancel, bctx, bcancel

	// The first Run binds the browser's life to its ctx, so it gets bctx
	// itself; the start is bounded by cancelling bctx from outside.
	abort := context.AfterFunc(ctx, bcancel)
	timer := time.AfterFunc(launchTimeout, bcancel)
	err := chromedp.Do(bctx)
	timer.Stop()
	if !abort() && err == nil {
		err = context.Cause(ctx) // ctx ended just as the start finished
	}
	if err == nil && bctx.Err() != nil {
		err = fmt.Errorf("no answer within %s", launchTimeout)
	}
	if err != nil {
		in.close()
		return nil, fmt.Errorf("starting chromium %s: %w", p.cfg.ChromiumPath, err)
	}
	in.b = chromedp.FromContext(bctx).Browser
	if proc := in.b.Process(); proc != nil {
		in.sess.sid = proc.Pid // a session leader's pid is its session id
		in.pid, in.sess.exe = browserProcess(proc.Pid)
		if in.pid == 0 {
			in.pid = proc.Pid
		}
	}

	// Interception at the browser level, not per page: it also sees the
	// requests of workers, service workers and out-of-process iframes,
	// which a page session's Fetch domain does not.
	events, unsub := in.b.Subscribe(fetch.RequestPaused.Method)
	in.unsub = unsub
	go in.interceptLoop(events)
	auths, unsubAuth := in.b.Subscribe(fetch.AuthRequired.Method)
	in.unsubAuth = unsubAuth
	go in.authLoop(auths)
	handleAuth := true // the egress proxy asks for its password
	if _, err := cdp.Call(bctx, in.b, fetch.Enable, fetch.EnableParams{
		Patterns:           []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}},
		HandleAuthRequests: &handleAuth,
	}); err != nil {
		in.close()
		return nil, fmt.Errorf("starting chromium %s: enabling request interception: %w", p.cfg.ChromiumPath, err)
	}
	return in, nil
}

// alive reports whether the browser still answers and is trusted.
func (in *instance) alive() bool {
	if in.unhealthy.Load() || in.ctx.Err() != nil {
		return false
	}
	select {
	case <-in.b.LostConnection:
		return false
	default:
		return true
	}
}

// close kills the browser, waits for every goroutine of the instance, kills
// leftover child processes and removes the user-data directory. It runs once.
func (in *instance) close() {
	in.closeOnce.Do(func() {
		in.bgMu.Lock()
		in.closing = true
		in.bgMu.Unlock()
		// Ask a live browser to close (it flushes its logs), briefly; then
		// kill the whole process tree, or chromedp's own shutdown waits up
		// to a second for children that still hold the output pipe.
		if in.b != nil && in.alive() {
			gctx, cancel := context.WithTimeout(in.ctx, gracefulClose)
			_ = chromedp.Cancel(gctx)
			cancel()
		}
		killLeftovers(in.dir, in.sess)
		in.cancel()      // stops the handler, reaps the process
		in.allocCancel() // waits for the allocator's goroutines
		if in.unsub != nil {
			in.unsub()
			<-in.loopDone
		}
		if in.unsubAuth != nil {
			in.unsubAuth()
			<-in.authDone
		}
		in.handlers.Wait()
		for _, s := range in.drainIdle() {
			s.cancel()
		}
		killLeftovers(in.dir, in.sess)
		if err := os.RemoveAll(in.dir); err != nil {
			in.pool.log.Warn("render: removing browser profile", "dir", in.dir, "err", err)
		}
	})
}

// goBackground runs f on a goroutine the instance owns and close waits
// for; false (f not run) once the instance is closing.
func (in *instance) goBackground(f func()) bool {
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	if in.closing {
		return false
	}
	in.handlers.Go(f)
	return true
}

// takeIdle removes and returns an idle page, one whose last visit was to
// site if there is one; nil when none is idle or the instance is closing.
func (in *instance) takeIdle(site string) *slot {
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	if in.closing || len(in.idle) == 0 {
		return nil
	}
	i := len(in.idle) - 1
	for j, s := range in.idle {
		if s.site == site {
			i = j
			break
		}
	}
	s := in.idle[i]
	in.idle = append(in.idle[:i], in.idle[i+1:]...)
	return s
}

// putIdle keeps a cleared page for the next visit; false once the instance
// is closing.
func (in *instance) putIdle(s *slot) bool {
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	if in.closing {
		return false
	}
	in.idle = append(in.idle, s)
	return true
}

// drainIdle removes and returns every idle page.
func (in *instance) drainIdle() []*slot {
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	idle := in.idle
	in.idle = nil
	return idle
}

// idleTargets is the set of idle pages and their browser contexts.
func (in *instance) idleTargets() (map[target.ID]bool, map[cdp.BrowserContextID]bool) {
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	ts, bcs := map[target.ID]bool{}, map[cdp.BrowserContextID]bool{}
	for _, s := range in.idle {
		ts[s.ref.target], bcs[s.ref.bc] = true, true
	}
	return ts, bcs
}

// next waits for a subscription's next event; false when the subscription
// closed (the browser stopped, or close unsubscribed) or the browser is
// gone: one that died before its subscription was closed (a start
// cancelled half-way) never closes it.
func (in *instance) next(events <-chan jsonv2.Value) (jsonv2.Value, bool) {
	select {
	case raw, ok := <-events:
		return raw, ok
	case <-in.ctx.Done():
		return nil, false
	}
}

// authLoop answers authentication challenges: the egress proxy's gets its
// password; a site's is cancelled (masx never logs in to the sites it
// reads). It ends as interceptLoop does.
func (in *instance) authLoop(events <-chan jsonv2.Value) {
	defer close(in.authDone)
	for {
		raw, ok := in.next(events)
		if !ok {
			return
		}
		var ev fetch.EventAuthRequired
		if err := jsonv2.Unmarshal(raw, &ev, chromedp.DefaultUnmarshalOptions); err != nil {
			in.pool.log.Warn("render: undecodable Fetch.authRequired", "err", err)
			continue
		}
		answer := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
		if c := ev.AuthChallenge; c != nil && c.Source == fetch.AuthChallengeSourceProxy {
			answer = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials,
				Username: proxyUser, Password: in.pool.proxy.secret}
		}
		in.goBackground(func() {
			_, err := cdp.Call(in.ctx, in.b, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: answer})
			if err != nil && in.ctx.Err() == nil {
				in.pool.log.Debug("render: answering an auth challenge", "err", err)
			}
		})
	}
}

// interceptLoop answers every paused request. It ends when the subscription
// closes: the browser stopped, or close unsubscribed.
func (in *instance) interceptLoop(events <-chan jsonv2.Value) {
	defer close(in.loopDone)
	sem := make(chan struct{}, maxInterceptors)
	for {
		raw, ok := in.next(events)
		if !ok {
			return
		}
		var ev fetch.EventRequestPaused
		if err := jsonv2.Unmarshal(raw, &ev, chromedp.DefaultUnmarshalOptions); err != nil {
			in.pool.log.Warn("render: undecodable Fetch.requestPaused", "err", err)
			continue
		}
		sem <- struct{}{}
		if !in.goBackground(func() {
			defer func() { <-sem }()
			in.intercept(&ev)
		}) {
			<-sem
		}
	}
}

// intercept applies the resource policy and the SSRF guard to one request.
func (in *instance) intercept(ev *fetch.EventRequestPaused) {
	p := in.pool
	reason, blockErr := p.judge(in.ctx, ev)
	var err error
	if reason != "" {
		if blockErr != nil {
			p.stats.blockedRequests.Add(1)
			if v, ok := p.visits.Load(target.ID(ev.FrameID)); ok {
				v.(*visit).noteBlocked(ev.Request.URL, blockErr, ev.ResourceType == network.ResourceTypeDocument)
			}
			p.log.Debug("render: request refused", "url", ev.Request.URL, "err", blockErr)
		} else {
			p.stats.blockedResources.Add(1)
		}
		_, err = cdp.Call(in.ctx, in.b, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: reason})
	} else {
		_, err = cdp.Call(in.ctx, in.b, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
	}
	if err != nil && in.ctx.Err() == nil {
		// Usually the page closed while its request was paused.
		p.log.Debug("render: answering paused request", "url", ev.Request.URL, "err", err)
	}
}

// judge returns "" to let a request through, or the reason to fail it with
// and, for guard refusals, the refusal.
func (p *Pool) judge(ctx context.Context, ev *fetch.EventRequestPaused) (network.ErrorReason, error) {
	if !p.cfg.LoadResources {
		switch ev.ResourceType {
		case network.ResourceTypeImage, network.ResourceTypeMedia, network.ResourceTypeFont:
			return network.ErrorReasonBlockedByClient, nil
		}
	}
	if ev.Request == nil {
		return network.ErrorReasonBlockedByClient, &netguard.BlockedError{Reason: netguard.ReasonNoHost}
	}
	u, err := url.Parse(ev.Request.URL)
	if err != nil {
		return network.ErrorReasonBlockedByClient, &netguard.BlockedError{Host: ev.Request.URL, Reason: netguard.ReasonBadAddress}
	}
	if err := p.checkURL(ctx, u); err != nil {
		if errors.Is(err, netguard.ErrBlocked) {
			return network.ErrorReasonBlockedByClient, err
		}
		return network.ErrorReasonNameNotResolved, nil
	}
	if p.cfg.Robots != nil && ev.ResourceType == network.ResourceTypeDocument {
		if err := p.cfg.Robots(ctx, u); err != nil {
			return network.ErrorReasonBlockedByClient, err
		}
	}
	return "", nil
}

// checkURL applies the guard to a URL: scheme and IP literals directly,
// host names after resolving them (every address must pass). Chromium
// resolves the name again when it connects, so a name that changes its
// answer in between (DNS rebinding) is not caught here; the plain HTTP path
// checks at dial time and has no such gap.
func (p *Pool) checkURL(ctx context.Context, u *url.URL) error {
	g := p.cfg.Guard
	if err := g.CheckURL(u); err != nil {
		return err
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // an IP literal: CheckURL judged it
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return &netguard.BlockedError{Host: u.Host, Reason: netguard.ReasonBadAddress}
	}
	return p.hosts.check(ctx, g, host, uint16(n))
}

// hostCache remembers host verdicts for a short time: a page asks for many
// resources from few hosts, and each lookup would otherwise sit between the
// browser and the network.
type hostCache struct {
	mu      sync.Mutex
	entries map[string]hostVerdict
}

type hostVerdict struct {
	err     error
	expires time.Time
}

const (
	hostCacheTTL = 30 * time.Second
	hostCacheMax = 4096
	lookupLimit  = 5 * time.Second
)

func (c *hostCache) check(ctx context.Context, g *netguard.Guard, host string, port uint16) error {
	key := net.JoinHostPort(strings.ToLower(host), strconv.Itoa(int(port)))
	now := time.Now()
	c.mu.Lock()
	if v, ok := c.entries[key]; ok && now.Before(v.expires) {
		c.mu.Unlock()
		return v.err
	}
	c.mu.Unlock()
	lctx, cancel := context.WithTimeout(ctx, lookupLimit)
	err := g.CheckHost(lctx, host, port)
	cancel()
	if err != nil && !errors.Is(err, netguard.ErrBlocked) {
		return err // lookup failures are not cached
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= hostCacheMax {
		c.entries = make(map[string]hostVerdict)
	}
	c.entries[key] = hostVerdict{err: err, expires: now.Add(hostCacheTTL)}
	c.mu.Unlock()
	return err
}
