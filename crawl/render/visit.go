package render

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// probeEvery is how often the DOM is sampled while the network stays busy.
const probeEvery = 250 * time.Millisecond

// visit is the state of one render, fed by the page's protocol events
// (which arrive on chromedp's reader goroutine and must be handled fast)
// and by the interceptor.
type visit struct {
	mu        sync.Mutex
	inflight  map[network.RequestID]struct{}
	netChange time.Time                 // last request start or end
	domReady  map[cdp.LoaderID]bool     // loaders that reached DOMContentLoaded
	docStatus map[network.RequestID]int // main-frame document responses
	docURL    map[network.RequestID]string
	docFailed map[network.RequestID]string // main-frame document failures
	docOrigin map[string]bool              // origins of every document loaded (any frame)
	blocked   []blockedReq
	crashed   bool
	opened    bool // the page opened a window (a popup): its page is not reused
	frame     cdp.FrameID

	// The main frame's last document request (a navigation of the page's
	// own, by script or meta refresh, included), and the last one the
	// interceptor refused: they explain a page left on Chromium's error page.
	lastDoc     network.RequestID
	lastDocURL  string
	lastRefused *blockedReq

	// Bytes loaded, decoded, and their bounds: past either the visit ends
	// with tooLarge (a compression bomb must not reach the renderer whole).
	docBytes, allBytes int64
	maxDoc, maxAll     int64
	tooLarge           error
	pool               *Pool // for crashError

	notify chan struct{} // a state change; capacity 1
	dialog chan struct{} // a JavaScript dialog opened; capacity 1
}

type blockedReq struct {
	url string
	err error
}

func newVisit(frame cdp.FrameID, maxDoc, maxAll int) *visit {
	return &visit{
		maxDoc:    int64(maxDoc),
		maxAll:    int64(maxAll),
		inflight:  map[network.RequestID]struct{}{},
		netChange: time.Now(),
		domReady:  map[cdp.LoaderID]bool{},
		docStatus: map[network.RequestID]int{},
		docURL:    map[network.RequestID]string{},
		docFailed: map[network.RequestID]string{},
		docOrigin: map[string]bool{},
		frame:     frame,
		notify:    make(chan struct{}, 1),
		dialog:    make(chan struct{}, 1),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// onEvent records one page event. It runs on chromedp's reader goroutine.
func (v *visit) onEvent(ev any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		v.inflight[ev.RequestID] = struct{}{} // a redirect keeps its ID
		v.netChange = time.Now()
		if ev.Type == network.ResourceTypeDocument && ev.Request != nil {
			v.noteOrigin(ev.Request.URL)
			if ev.FrameID == v.frame {
				v.lastDoc, v.lastDocURL = ev.RequestID, ev.Request.URL
			}
		}
	case *network.EventLoadingFinished:
		delete(v.inflight, ev.RequestID)
		v.netChange = time.Now()
	case *network.EventLoadingFailed:
		delete(v.inflight, ev.RequestID)
		v.netChange = time.Now()
		if ev.Type == network.ResourceTypeDocument {
			v.docFailed[ev.RequestID] = ev.ErrorText
		}
	case *network.EventDataReceived:
		v.allBytes += ev.DataLength
		if _, doc := v.docStatus[ev.RequestID]; doc {
			v.docBytes += ev.DataLength
		}
		switch {
		case v.tooLarge != nil:
		case v.docBytes > v.maxDoc:
			v.tooLarge = fmt.Errorf("%w: the document passed %d bytes while loading, limit %d", ErrTooLarge, v.docBytes, v.maxDoc)
		case v.allBytes > v.maxAll:
			v.tooLarge = fmt.Errorf("%w: the page loaded more than %d bytes, limit %d", ErrTooLarge, v.allBytes, v.maxAll)
		default:
			return // a byte count is no state change worth a wake-up
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument && ev.FrameID == v.frame && ev.Response != nil {
			v.docStatus[ev.RequestID] = int(ev.Response.Status)
			v.docURL[ev.RequestID] = ev.Response.URL
		}
	case *page.EventLifecycleEvent:
		if ev.FrameID == v.frame && ev.Name == "DOMContentLoaded" {
			v.domReady[ev.LoaderID] = true
		}
	case *page.EventWindowOpen:
		v.opened = true
	case *page.EventJavascriptDialogOpening:
		signal(v.dialog)
	case *inspector.EventTargetCrashed:
		v.crashed = true
	default:
		return
	}
	signal(v.notify)
}

// noteOrigin records the origin of a document URL; v.mu is held.
func (v *visit) noteOrigin(raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	v.docOrigin[u.Scheme+"://"+host] = true
}

// origins lists the origins whose storage the visit may have touched: every
// document it loaded, and the page's final URL.
func (v *visit) origins(final string) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.noteOrigin(final)
	out := make([]string, 0, len(v.docOrigin))
	for o := range v.docOrigin {
		out = append(out, o)
	}
	return out
}

func (v *visit) openedWindow() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.opened
}

// noteBlocked records a request of this page's main frame that the guard
// or robots.txt refused; doc says it was a document, a navigation of the
// page.
func (v *visit) noteBlocked(u string, err error, doc bool) {
	v.mu.Lock()
	b := blockedReq{u, err}
	v.blocked = append(v.blocked, b)
	if doc {
		v.lastRefused = &b
	}
	v.mu.Unlock()
	signal(v.notify)
}

// visit renders u on the current browser. release frees the page slot; it
// is called once the page is gone, which may be after visit returns (see
// closePage).
//
// It runs past 80 lines because one visit's lifetimes nest here and must
// unwind in this order: the deadline, the page slot and its recycling, the
// memory watch, the dialog handler, then the protocol calls; split up, each
// piece would need the others' cancel functions.
func (p *Pool) visit(ctx context.Context, u *url.URL, release func()) (res *Result, err error) {
	start := time.Now()
	deadline := start.Add(p.cfg.Timeout)
	// wctx carries the caller's cancellation, the visit's deadline and
	// the pool's hard stop.
	wctx, wcancel := context.WithDeadline(ctx, deadline)
	defer wcancel()
	defer context.AfterFunc(p.kill, wcancel)()

	in, err := p.current(wctx)
	if err != nil {
		release()
		return nil, p.visitError(ctx, wctx, nil, p.cfg.Timeout, err)
	}
	sl, err := p.takeSlot(wctx, in, u, release)
	if err != nil {
		return nil, p.visitError(ctx, wctx, in, p.cfg.Timeout, err)
	}
	v := newVisit(cdp.FrameID(sl.ref.target), p.cfg.MaxHTMLBytes, p.cfg.MaxLoadBytes)
	v.pool = p
	sl.site = siteOf(u)
	sl.cur.Store(v)
	p.visits.Store(sl.ref.target, v)
	defer func() {
		p.visits.Delete(sl.ref.target)
		if err != nil || wctx.Err() != nil || v.openedWindow() {
			// Never reuse a page after an error: it may be stuck, crashed
			// or half-way through something.
			sl.cur.Store(nil)
			p.closePage(in, sl, release)
			return
		}
		// v keeps recording until the page has left the document, so a
		// navigation the page starts after the read still has its
		// origin's storage cleared.
		p.recycle(in, sl, res.FinalURL, release)
	}()
	vctx, vcancel := context.WithCancel(sl.ctx)
	defer vcancel()
	defer context.AfterFunc(wctx, vcancel)()

	var memWatch sync.WaitGroup
	defer memWatch.Wait()
	memWatch.Go(func() { p.watchRenderers(vctx) })

	var dialogs sync.WaitGroup
	defer dialogs.Wait()
	defer vcancel() // runs before dialogs.Wait

	res = &Result{URL: u.String(), Method: MethodBrowser}
	var navigated, ready time.Time
	_, err = chromedp.Run(vctx, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		// A dialog (alert, confirm) blocks the page's scripts, and with
		// them every evaluation; dismiss each one as it opens.
		dialogs.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-v.dialog:
					_, _ = cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				}
			}
		})
		navigated = time.Now()
		nav, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: u.String()})
		if err != nil {
			return chromedp.Void{}, err
		}
		if nav.ErrorText != "" {
			return chromedp.Void{}, v.navError(u, nav.ErrorText)
		}
		if nav.IsDownload {
			return chromedp.Void{}, &NavigationError{URL: u.String(), Reason: "the response is a download, not a page"}
		}
		if err := v.waitDOM(ctx, u, nav.LoaderID); err != nil {
			return chromedp.Void{}, err
		}
		ready = time.Now()
		if err := v.waitSettled(ctx, t, p.cfg.IdleWindow, p.cfg.StableWindow); err != nil {
			return chromedp.Void{}, err
		}
		res.Timings.Navigate = ready.Sub(navigated)
		res.Timings.Wait = time.Since(ready)
		return chromedp.Void{}, p.read(ctx, t, v, nav.LoaderID, res)
	})
	res.Timings.Total = time.Since(start)
	if err != nil {
		return nil, p.visitError(ctx, wctx, in, p.cfg.Timeout, err)
	}
	return res, nil
}

// navError turns Chromium's navigation failure into an error, naming the
// guard's refusal when the document or a redirect hop was blocked.
func (v *visit) navError(u *url.URL, text string) error {
	ne := &NavigationError{URL: u.String(), Reason: text}
	v.mu.Lock()
	defer v.mu.Unlock()
	if text == "net::ERR_BLOCKED_BY_CLIENT" && len(v.blocked) > 0 {
		ne.Blocked = v.blocked[0].err
	}
	return ne
}

// chromeErrorPage is the URL scheme of the page Chromium shows in place of
// a document it could not load (chrome-error://chromewebdata/).
const chromeErrorPage = "chrome-error:"

// errorPageError explains a page that ended on Chromium's error page after
// the first document loaded: the page navigated itself (script, meta
// refresh) to a URL that was refused or failed. A refusal by the guard or
// robots.txt wraps that refusal, so the visit ends blocked, naming the URL.
func (v *visit) errorPageError() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	const by = ", navigated to by the page itself"
	if b := v.lastRefused; b != nil {
		return &NavigationError{URL: b.url, Reason: "net::ERR_BLOCKED_BY_CLIENT" + by, Blocked: b.err}
	}
	reason, ok := v.docFailed[v.lastDoc]
	if !ok {
		reason = "Chromium's error page"
	}
	return &NavigationError{URL: v.lastDocURL, Reason: reason + by}
}

// waitDOM waits for the navigation's DOMContentLoaded.
func (v *visit) waitDOM(ctx context.Context, u *url.URL, loader cdp.LoaderID) error {
	for {
		v.mu.Lock()
		ready, crashed, tooLarge := v.domReady[loader], v.crashed, v.tooLarge
		failed, hasFailed := v.docFailed[network.RequestID(loader)]
		v.mu.Unlock()
		switch {
		case tooLarge != nil:
			return tooLarge
		case crashed:
			return v.crashError()
		case hasFailed && !ready:
			return v.navError(u, failed)
		case ready:
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-v.notify:
		}
	}
}

// waitSettled waits until no request has been in flight for idle, or, when
// the network never rests, until the DOM has not changed for stable.
func (v *visit) waitSettled(ctx context.Context, t *chromedp.Target, idle, stable time.Duration) error {
	// One timer, set to the next moment something can change the answer:
	// the idle window running out or the next DOM probe. Events wake the
	// loop through v.notify. (A ticker would end the wait up to a tick
	// after the window, on every visit.)
	timer := time.NewTimer(idle)
	defer timer.Stop()
	var lastSig string
	sigSince := time.Now()
	// Most pages rest within the idle window and never need the DOM
	// probed: the first probe waits for the window to pass (each costs a
	// round trip and a walk of the page, twice per visit on the bench
	// pages). A page whose network never rests ends one idle window later
	// than if probing started at once.
	nextProbe := time.Now().Add(max(idle, probeEvery))
	for {
		now := time.Now()
		v.mu.Lock()
		resting := len(v.inflight) == 0
		idleAt := v.netChange.Add(idle)
		crashed, tooLarge := v.crashed, v.tooLarge
		v.mu.Unlock()
		if tooLarge != nil {
			return tooLarge
		}
		if crashed {
			return v.crashError()
		}
		if resting && !now.Before(idleAt) {
			return nil
		}
		if !now.Before(nextProbe) {
			sig, err := chromedp.Run(ctx, chromedp.Evaluate[string](domSignature))
			if err != nil {
				return fmt.Errorf("probing the DOM: %w", err)
			}
			now = time.Now()
			if sig != lastSig {
				lastSig, sigSince = sig, now
			} else if now.Sub(sigSince) >= stable {
				return nil
			}
			nextProbe = now.Add(probeEvery)
		}
		next := nextProbe
		if resting && idleAt.Before(next) {
			next = idleAt
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-v.notify:
		case <-timer.C:
		}
	}
}

// domSignature changes when elements or text are added or removed; cheap
// enough to sample a few times a second on a 200 KB page.
const domSignature = `(() => { const b = document.body; return document.getElementsByTagName('*').length + ':' + (b ? b.textContent.length : 0); })()`

// readScript serializes the page. The size check runs in the page so an
// oversized DOM is never shipped over the pipe.
const readScript = `((limit) => {
	const d = document;
	const dt = d.doctype ? new XMLSerializer().serializeToString(d.doctype) : '';
	const h = d.documentElement ? d.documentElement.outerHTML : '';
	const n = dt.length + h.length;
	return {url: location.href, title: d.title, size: n, html: n > limit ? '' : dt + '\n' + h};
})(%d)`

type pageContent struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Size  int    `json:"size"`
	HTML  string `json:"html"`
}

func (p *Pool) read(ctx context.Context, t *chromedp.Target, v *visit, loader cdp.LoaderID, res *Result) error {
	pc, err := chromedp.Evaluate[pageContent](fmt.Sprintf(readScript, p.cfg.MaxHTMLBytes))(ctx, t)
	if err != nil {
		return fmt.Errorf("reading the page: %w", err)
	}
	if strings.HasPrefix(pc.URL, chromeErrorPage) {
		return v.errorPageError()
	}
	if pc.Size > p.cfg.MaxHTMLBytes || len(pc.HTML) > p.cfg.MaxHTMLBytes {
		return fmt.Errorf("%w: %d characters, limit %d bytes", ErrTooLarge, pc.Size, p.cfg.MaxHTMLBytes)
	}
	v.mu.Lock()
	res.StatusCode = v.docStatus[network.RequestID(loader)]
	res.BlockedRequests = len(v.blocked)
	v.mu.Unlock()
	res.FinalURL, res.Title, res.HTML = pc.URL, pc.Title, []byte(pc.HTML)
	return nil
}

// visitError classifies a failed visit: the caller's cancellation, the
// pool's stop, a lost browser, the deadline, or the error itself.
func (p *Pool) visitError(ctx, wctx context.Context, in *instance, limit time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		if cause := context.Cause(ctx); cause != ctx.Err() {
			return fmt.Errorf("%w: %w", ctx.Err(), cause)
		}
		return ctx.Err()
	case p.kill.Err() != nil:
		return ErrClosed
	case errors.Is(err, ErrBrowserLost):
		return err
	case in != nil && !in.alive() && !in.unhealthy.Load():
		return fmt.Errorf("%w: %w", ErrBrowserLost, err)
	case errors.Is(wctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w after %s: %w", ErrTimeout, limit, context.DeadlineExceeded)
	}
	return err
}

func isTimeout(err error) bool {
	return errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

func ptr[T any](v T) *T { return &v }

// rendererSample is how often renderers' memory is read while a page
// renders: a /proc read per renderer, cheap next to a visit's ~200 ms of
// browser CPU, and often enough to catch a page growing by gigabytes.
const rendererSample = 250 * time.Millisecond

// watchRenderers enforces Config.RendererMB while a page renders: a
// renderer over the ceiling is killed. Renderers cannot be told apart by
// page, so a killed renderer's own visit learns why when its page crashes
// (crashError); the other pages never see it.
func (p *Pool) watchRenderers(ctx context.Context) {
	limit := int64(p.cfg.RendererMB) << 20
	tick := time.NewTicker(rendererSample)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			// One /proc walk per interval for the whole pool, however
			// many pages render: the visit that finds the last sample old
			// enough takes it.
			last := p.memSampledAt.Load()
			if now.UnixNano()-last < int64(rendererSample)*9/10 || !p.memSampledAt.CompareAndSwap(last, now.UnixNano()) {
				continue
			}
		}
		for _, pid := range p.processes("renderer") {
			rss := residentBytes(pid)
			if rss <= limit {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				p.memKilledAt.Store(time.Now().UnixNano())
				p.log.Warn("render: killed a renderer over its memory ceiling", "pid", pid, "rss_mb", rss>>20, "limit_mb", p.cfg.RendererMB)
			}
		}
	}
}

// crashError explains a crashed page: ErrTooLarge when a renderer was just
// killed for its memory, else a crash.
func (v *visit) crashError() error {
	if v.pool != nil && time.Since(time.Unix(0, v.pool.memKilledAt.Load())) < 5*time.Second {
		return fmt.Errorf("%w: the page's renderer passed its memory ceiling of %d MB and was killed", ErrTooLarge, v.pool.cfg.RendererMB)
	}
	return errors.New("page crashed")
}

// residentBytes is a process's resident memory, from /proc; 0 when it is
// gone.
func residentBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
