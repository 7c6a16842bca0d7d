package render

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
)

// backgroundLimit bounds a page creation or disposal that continues after
// its caller left. A browser that takes longer is stuck and is replaced.
const backgroundLimit = 60 * time.Second

// pageRef is one page and the browser context made for it.
type pageRef struct {
	bc     cdp.BrowserContextID
	target target.ID
}

// openPage creates a browser context and a page in it.
//
// The creation runs on a goroutine of the instance, not the caller's: a
// command the browser carries out after the caller stopped waiting would
// otherwise leave a page nobody knows about. When ctx ends first, openPage
// returns at once and the goroutine disposes of whatever it created.
//
// release frees the caller's page slot. On error openPage has called it,
// or hands it to the goroutine, which calls it once the page is gone; on
// success the caller passes it to closePage.
func (p *Pool) openPage(ctx context.Context, in *instance, release func()) (pageRef, error) {
	type created struct {
		ref pageRef
		err error
	}
	ch := make(chan created)
	gone := make(chan struct{})
	started := in.goBackground(func() {
		cctx, cancel := context.WithTimeout(in.ctx, backgroundLimit)
		defer cancel()
		ref, err := p.createPage(cctx, in)
		select {
		case ch <- created{ref, err}:
		case <-gone:
			if err == nil {
				p.disposePage(in, ref)
			}
			release()
		}
	})
	if !started {
		release()
		return pageRef{}, ErrBrowserLost
	}
	select {
	case c := <-ch:
		if c.err != nil {
			release()
		}
		return c.ref, c.err
	case <-ctx.Done():
		close(gone)
		return pageRef{}, ctx.Err()
	}
}

func (p *Pool) createPage(ctx context.Context, in *instance) (pageRef, error) {
	bc, err := cdp.Call(ctx, in.b, target.CreateBrowserContext, target.CreateBrowserContextParams{DisposeOnDetach: ptr(true)})
	if err != nil {
		return pageRef{}, p.setupFailed(in, "creating a browser context", err)
	}
	ref := pageRef{bc: bc.BrowserContextID}
	if _, err := cdp.Call(ctx, in.b, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorDeny, BrowserContextID: ref.bc,
	}); err != nil {
		p.disposePage(in, ref)
		return pageRef{}, p.setupFailed(in, "denying downloads", err)
	}
	tg, err := cdp.Call(ctx, in.b, target.CreateTarget, target.CreateTargetParams{
		URL: "about:blank", BrowserContextID: ref.bc, NewWindow: ptr(true),
	})
	if err != nil {
		p.disposePage(in, ref)
		return pageRef{}, p.setupFailed(in, "opening a page", err)
	}
	ref.target = tg.TargetID
	return ref, nil
}

// closePage disposes of the page's browser context, which closes the page
// and any popup it opened, then calls done (which frees the page slot).
// The disposal runs on a goroutine of the instance and closePage does not
// wait for it: the caller has its result as soon as the page is read, and
// the slot stays taken until the page is really gone, so open pages never
// exceed MaxPages.
func (p *Pool) closePage(in *instance, ref pageRef, done func()) {
	if !in.goBackground(func() {
		defer done()
		p.disposePage(in, ref)
	}) {
		done() // the instance is closing: its pages die with the process
	}
}

// disposePage disposes of a browser context, within CleanupTimeout. If a
// live browser fails to do it, the browser is replaced: a page nobody can
// close is a leak.
func (p *Pool) disposePage(in *instance, ref pageRef) {
	ctx, cancel := context.WithTimeout(in.ctx, p.cfg.CleanupTimeout)
	defer cancel()
	_, err := cdp.Call(ctx, in.b, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: ref.bc})
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
