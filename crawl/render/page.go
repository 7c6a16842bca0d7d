package render

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"golang.org/x/sync/errgroup"
)

// backgroundLimit bounds a page creation or disposal that continues after
// its caller left. A browser that takes longer is stuck and is replaced.
const backgroundLimit = 60 * time.Second

// resetLimit bounds clearing a page between two visits; a page that takes
// longer is disposed of instead.
const resetLimit = 5 * time.Second

// pageRef is one page and the browser context made for it.
type pageRef struct {
	bc     cdp.BrowserContextID
	target target.ID
}

// slot is a page — a tab in a browser context of its own — with its
// protocol session, which serves successive visits (at most
// Config.MaxVisitsPerPage) so that the renderer process and the session
// are reused. Between visits it is cleared (see reset); after an error it is
// disposed of.
type slot struct {
	ref    pageRef
	ctx    context.Context // chromedp tab context, attached for the slot's life
	cancel context.CancelFunc
	cur    atomic.Pointer[visit] // the visit events go to; nil between visits
	visits int                   // visits served; touched by one owner at a time
	site   string                // scheme://host of the last visit
}

// onEvent hands the page's events to the current visit. It runs on
// chromedp's reader goroutine.
func (s *slot) onEvent(ev any) {
	if v := s.cur.Load(); v != nil {
		v.onEvent(ev)
	}
}

func siteOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// takeSlot returns an idle page of in, preferring one whose last visit was
// to u's site (the renderer process can then be reused), or opens a new
// one. On error the slot release has been handled as openPage describes.
func (p *Pool) takeSlot(ctx context.Context, in *instance, u *url.URL, release func()) (*slot, error) {
	if s := in.takeIdle(siteOf(u)); s != nil {
		p.stats.reused.Add(1)
		return s, nil
	}
	return p.openPage(ctx, in, release)
}

// openPage creates a browser context and a page in it and attaches a
// protocol session to the page.
//
// The creation runs on a goroutine of the instance, not the caller's: a
// command the browser carries out after the caller stopped waiting would
// otherwise leave a page nobody knows about. When ctx ends first, openPage
// returns at once and the goroutine disposes of whatever it created.
//
// release frees the caller's page slot. On error openPage has called it,
// or hands it to the goroutine, which calls it once the page is gone; on
// success the caller passes it to closePage or recycle.
func (p *Pool) openPage(ctx context.Context, in *instance, release func()) (*slot, error) {
	type created struct {
		s   *slot
		err error
	}
	ch := make(chan created)
	gone := make(chan struct{})
	started := in.goBackground(func() {
		cctx, cancel := context.WithTimeout(in.ctx, backgroundLimit)
		defer cancel()
		s, err := p.createPage(cctx, in)
		select {
		case ch <- created{s, err}:
		case <-gone:
			if err == nil {
				p.disposePage(in, s)
			}
			release()
		}
	})
	if !started {
		release()
		return nil, ErrBrowserLost
	}
	select {
	case c := <-ch:
		if c.err != nil {
			release()
		}
		return c.s, c.err
	case <-ctx.Done():
		close(gone)
		return nil, ctx.Err()
	}
}

func (p *Pool) createPage(ctx context.Context, in *instance) (*slot, error) {
	bc, err := cdp.Call(ctx, in.b, target.CreateBrowserContext, target.CreateBrowserContextParams{DisposeOnDetach: ptr(true)})
	if err != nil {
		return nil, p.setupFailed(in, "creating a browser context", err)
	}
	s := &slot{ref: pageRef{bc: bc.BrowserContextID}}
	if _, err := cdp.Call(ctx, in.b, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorDeny, BrowserContextID: s.ref.bc,
	}); err != nil {
		p.disposePage(in, s)
		return nil, p.setupFailed(in, "denying downloads", err)
	}
	tg, err := cdp.Call(ctx, in.b, target.CreateTarget, target.CreateTargetParams{
		URL: "about:blank", BrowserContextID: s.ref.bc,
	})
	if err != nil {
		p.disposePage(in, s)
		return nil, p.setupFailed(in, "opening a page", err)
	}
	s.ref.target = tg.TargetID
	// The session lives as long as the slot: chromedp binds a target to
	// the context of its first Run, so that Run gets the tab context
	// itself and ctx bounds it from outside. The session only detaches on
	// cancel; disposePage disposes of the browser context first, so the
	// detach then finds the session gone and returns at once.
	s.ctx, s.cancel = chromedp.NewContext(in.ctx,
		chromedp.WithTargetID(s.ref.target),
		chromedp.WithDetachOnCancel(),
		chromedp.WithListener(s.onEvent))
	abort := context.AfterFunc(ctx, s.cancel)
	err = chromedp.Do(s.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// chromedp turns these on for its DOM queries, which the pool
		// does not use; they make the renderer track every node and
		// style sheet.
		if _, err := cdp.Call(ctx, t, css.Disable, cdp.Empty{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, dom.Disable, cdp.Empty{}); err != nil {
			return err
		}
		// Nor does it read the console: every refused request and every
		// intervention would cross the pipe as a Log.entryAdded.
		if _, err := cdp.Call(ctx, t, log.Disable, cdp.Empty{}); err != nil {
			return err
		}
		// chromedp also has every page session discover all targets
		// (for its WaitNewTarget, unused here), so each title or URL
		// change of any page reached every other page's session: ten
		// events per visit with five pages open. Popups are seen through
		// Page.windowOpen and Target.getTargets instead.
		_, err := cdp.Call(ctx, t, target.SetDiscoverTargets, target.SetDiscoverTargetsParams{Discover: false})
		return err
	}))
	if !abort() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		p.disposePage(in, s)
		return nil, p.setupFailed(in, "attaching to the page", err)
	}
	return s, nil
}

// recycle clears a page whose visit succeeded and puts it back among the
// instance's idle pages, then calls done. The visit (s.cur) keeps
// recording the page's events until the page has left its document; final
// is the page's URL when it was read (which frees the page slot). A
// page that served Config.MaxVisitsPerPage visits, or that cannot be
// cleared, is disposed of instead. Like closePage it runs on a goroutine of
// the instance and does not wait.
func (p *Pool) recycle(in *instance, s *slot, final string, done func()) {
	s.visits++
	if s.visits >= p.cfg.MaxVisitsPerPage {
		s.cur.Store(nil)
		p.closePage(in, s, done)
		return
	}
	if !in.goBackground(func() {
		defer done()
		ctx, cancel := context.WithTimeout(s.ctx, min(resetLimit, p.cfg.CleanupTimeout))
		defer cancel()
		err := p.reset(ctx, in, s, final)
		s.cur.Store(nil)
		if err != nil {
			p.log.Debug("render: clearing a page failed; disposing of it", "err", err)
			p.disposePage(in, s)
			return
		}
		if !in.putIdle(s) {
			s.cancel() // the instance is closing: the page dies with it
		}
	}) {
		s.cur.Store(nil)
		s.cancel()
		done()
	}
}

// reset makes a page that served a visit fit for the next one: it leaves
// the document for about:blank (the back-forward cache is off, so the
// document is gone, not frozen: a later page that goes back in history
// loads the URL afresh, with the cookies already cleared), then clears the browser context's cookies
// and HTTP cache and the storage (local, session, IndexedDB, Cache API,
// service workers…) of every origin whose document the visit loaded. A
// context that holds any other target — a popup, a worker, a service
// worker — is not cleared but disposed of (a visit whose page opened a
// window never gets here: see visit).
func (p *Pool) reset(ctx context.Context, in *instance, s *slot, final string) error {
	_, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		nav, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: "about:blank"})
		if err != nil {
			return chromedp.Void{}, fmt.Errorf("navigating to about:blank: %w", err)
		}
		if nav.ErrorText != "" {
			return chromedp.Void{}, fmt.Errorf("navigating to about:blank: %s", nav.ErrorText)
		}
		v := s.cur.Load()
		if v == nil {
			return chromedp.Void{}, errors.New("no visit to clear after")
		}
		if v.openedWindow() {
			return chromedp.Void{}, errors.New("the page opened a window")
		}
		origins := v.origins(final)
		// The check for other targets and the clearing commands are
		// independent: sent together, they cost the slowest one's round
		// trip rather than the sum, which was most of the time a page spent
		// between two visits. A failed check disposes of the page however
		// the clearing went.
		var g errgroup.Group
		run := func(what string, call func() error) {
			g.Go(func() error {
				if err := call(); err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
				return nil
			})
		}
		run("checking the context", func() error {
			infos, err := cdp.Call(ctx, in.b, target.GetTargets, target.GetTargetsParams{})
			if err != nil {
				return err
			}
			for _, ti := range infos.TargetInfos {
				if ti.BrowserContextID == s.ref.bc && ti.TargetID != s.ref.target && ti.Type != "browser_ui" {
					return fmt.Errorf("the context holds a %s target", ti.Type)
				}
			}
			return nil
		})
		run("clearing cookies", func() error {
			_, err := cdp.Call(ctx, in.b, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: s.ref.bc})
			return err
		})
		for _, o := range origins {
			run("clearing the storage of "+o, func() error {
				_, err := cdp.Call(ctx, t, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: o, StorageTypes: "all"})
				return err
			})
		}
		run("clearing the cache", func() error {
			_, err := cdp.Call(ctx, t, network.ClearBrowserCache, cdp.Empty{})
			return err
		})
		return chromedp.Void{}, g.Wait()
	})
	return err
}

// closePage disposes of the page's browser context, which closes the page
// and any popup it opened, then calls done (which frees the page slot).
// The disposal runs on a goroutine of the instance and closePage does not
// wait for it: the caller has its result as soon as the page is read, and
// the slot stays taken until the page is really gone, so open pages never
// exceed MaxPages.
func (p *Pool) closePage(in *instance, s *slot, done func()) {
	if !in.goBackground(func() {
		defer done()
		p.disposePage(in, s)
	}) {
		s.cancel()
		done() // the instance is closing: its pages die with the process
	}
}

// disposePage disposes of a browser context, within CleanupTimeout, and
// ends the page's session. If a live browser fails to do it, the browser
// is replaced: a page nobody can close is a leak.
func (p *Pool) disposePage(in *instance, s *slot) {
	ctx, cancel := context.WithTimeout(in.ctx, p.cfg.CleanupTimeout)
	defer cancel()
	_, err := cdp.Call(ctx, in.b, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: s.ref.bc})
	if s.cancel != nil {
		s.cancel()
	}
	if err != nil && in.alive() {
		p.stats.cleanupFailures.Add(1)
		in.unhealthy.Store(true)
		p.log.Warn("render: closing a page failed; replacing the browser", "err", err)
	}
}

// setupFailed reports a failed page setup; on a live browser it means the
// browser no longer does what it is told, so it is replaced.
func (p *Pool) setupFailed(in *instance, what string, err error) error {
	if !in.alive() {
		return fmt.Errorf("%s: %w: %w", what, ErrBrowserLost, err)
	}
	in.unhealthy.Store(true)
	p.log.Warn("render: page setup failed on a live browser; replacing the browser", "step", what, "err", err)
	return fmt.Errorf("%s: %w", what, err)
}
