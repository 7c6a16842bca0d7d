// Package chromiumtest starts a real headless Chromium for tests of the
// dashboard and records what a user would not see: console errors,
// uncaught exceptions, refused resources (a Content-Security-Policy
// violation is one) and JavaScript dialogs (an alert that hostile
// content managed to run).
package chromiumtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	crawlrender "github.com/masx-ai/masx/crawl/render"
)

// Browser is one headless Chromium with one tab.
type Browser struct {
	t   testing.TB
	ctx context.Context

	mu      sync.Mutex
	errors  []string
	dialogs []string
}

// Path returns the Chromium to test with, skipping the test when it is
// missing (failing under CI=true, where it must be installed).
func Path(t testing.TB) string {
	t.Helper()
	path := crawlrender.ResolveChromiumPath(os.Getenv("MASX_CHROMIUM_PATH"))
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("Chromium not found at %s (%v): install Debian's chromium package (scripts/setup.sh does) or set MASX_CHROMIUM_PATH", path, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// Start launches Chromium with a 1280×900 window; the test's cleanup
// closes it. Every action through the Browser is bounded by timeout.
func Start(t testing.TB, timeout time.Duration) *Browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("window-size", "1280,900"), chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"), chromedp.Flag("font-render-hinting", "none"),
	}
	b := &Browser{t: t}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithListener(b.onEvent))
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(func() {
		cancel()
		_ = chromedp.Cancel(bctx) // close the browser before the allocator is cancelled
		bcancel()
		acancel()
	})
	b.ctx = ctx
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{})
		return err
	})), "starting Chromium")
	return b
}

func (b *Browser) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Text+describe(ev.ExceptionDetails.Exception))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, describe(a))
			}
			b.errors = append(b.errors, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
		// Dismissed from another goroutine: the listener must not block
		// the connection's reader.
		go func() {
			_ = chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				return err
			}))
		}()
	}
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return " " + o.Description
	}
	return " " + string(o.Value)
}

// Problems returns the console errors, exceptions and dialogs so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append(append([]string(nil), b.errors...), b.dialogs...)
}

// TakeProblems returns the problems so far and forgets them: for a test
// that caused one on purpose (a refused page) and checks it.
func (b *Browser) TakeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := append(b.errors, b.dialogs...)
	b.errors, b.dialogs = nil, nil
	return p
}

// Open navigates to url and waits until sel is visible.
func (b *Browser) Open(url, sel string) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, chromedp.Navigate(url), chromedp.WaitVisible(sel)), "opening %s", url)
}

// Eval returns the value of a JavaScript expression in the page.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, "evaluating %s", expr)
	return v
}

// EvalAwait is Eval for an expression that gives a promise.
func EvalAwait[T any](b *Browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, "evaluating %s", expr)
	return v
}

// WaitFor evaluates a JavaScript expression every 50 ms until it is
// true, through navigations (an evaluation that meets a page being
// replaced is tried again), for at most within.
func (b *Browser) WaitFor(expr string, within time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		last = err
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			require.FailNow(b.t, "timed out waiting", "%s (last error: %v)", expr, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Fill sets the value of the input matching sel.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, chromedp.SetValue(sel, value, chromedp.NodeVisible)), "filling %s", sel)
}

// Upload puts files into the file input matching sel.
func (b *Browser) Upload(sel string, files ...string) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, chromedp.SetUploadFiles(sel, files, chromedp.NodeReady)), "choosing files for %s", sel)
}

// Click clicks the first element matching sel.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, chromedp.Click(sel, chromedp.NodeVisible)), "clicking %s", sel)
}

// DisableScript turns JavaScript off (on) for the pages loaded next.
func (b *Browser) DisableScript(off bool) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})))
}

// Screenshot writes a PNG of the whole page to dir/name.png and returns
// its bytes.
func (b *Browser) Screenshot(dir, name string) []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err, "screenshot %s", name)
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
	return png
}

// ViewportScreenshot returns a PNG of what the viewport shows.
func (b *Browser) ViewportScreenshot() []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err, "screenshot")
	return png
}

// ClipScreenshot returns a PNG of the page's region (CSS pixels from the
// document's top left), scaled by scale.
func (b *Browser) ClipScreenshot(x, y, w, h, scale float64) []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tg, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: ptr(true), FromSurface: ptr(true),
			Clip: &page.Viewport{X: x, Y: y, Width: w, Height: h, Scale: scale},
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
	require.NoError(b.t, err, "screenshot")
	return png
}

func ptr[T any](v T) *T { return &v }

// Viewport sets the page's viewport size.
func (b *Browser) Viewport(w, h int64) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, chromedp.EmulateViewport(w, h)))
}
