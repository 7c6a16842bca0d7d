package demo

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	crawlrender "github.com/masx-ai/masx/crawl/render"
)

// chromiumPath returns the browser to test with, skipping when it is
// missing (failing under CI=true, where it must be installed).
func chromiumPath(t *testing.T) string {
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

// TestJSPagesRenderInChromium loads every JavaScript page in a real
// headless Chromium and checks that the script puts the whole article in
// the page: the static HTML has almost no text (TestServeEveryFeed), so
// this is what a browser fallback must see.
func TestJSPagesRenderInChromium(t *testing.T) {
	path := chromiumPath(t)
	srv := startSite(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	defer chromedp.Cancel(bctx) // close the browser before the allocator is cancelled

	n := 0
	for _, x := range Expect(srv.URL) {
		if x.Class != ClassNeedsBrowser {
			continue
		}
		n++
		// data-state turns "ready" when the script has inserted the body.
		err := chromedp.Do(ctx, chromedp.Navigate(x.URL), chromedp.WaitVisible(`#story-body[data-state="ready"]`))
		if err != nil {
			t.Fatalf("rendering %s: %v", x.URL, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(`#story-body`))
		if err != nil {
			t.Fatalf("reading %s: %v", x.URL, err)
		}
		lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
		if err != nil {
			t.Fatalf("reading %s: %v", x.URL, err)
		}
		if got := runes(text); got < minArticleChars || lang != x.Language {
			t.Errorf("%s: rendered %d characters in %q; want ≥ %d in %q", x.URL, got, lang, minArticleChars, x.Language)
		}
	}
	if n == 0 {
		t.Fatal("no page needs a browser")
	}
}
