package renderbench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/masx-ai/masx/crawl/extract"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The site is etl/demo's cluttered synthetic site (tested there); here:
// pages of the weight the bench promises, the same for a seed, and an
// article to find in each.
func TestGeneratedSite(t *testing.T) {
	_, pages, err := generate(Config{Pages: 30, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	_, again, _ := generate(Config{Pages: 30, Seed: 7})
	for i, p := range pages {
		if n := len(p); n < PageBytes-1000 || n > PageBytes+1000 {
			t.Errorf("page %d is %d bytes; want about %d", i, n, PageBytes)
		}
		if !bytes.Equal(p, again[i]) {
			t.Errorf("page %d differs between two runs with the same seed", i)
		}
		if i > 0 && bytes.Equal(p, pages[i-1]) {
			t.Errorf("pages %d and %d are identical", i-1, i)
		}
	}
	// The article must be findable among the boilerplate.
	a, err := extract.Extract(pages[0], "http://127.0.0.1/news/0/0", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Text) < 1500 || a.Title == "" {
		t.Errorf("extracted %d characters, title %q; want the article", len(a.Text), a.Title)
	}
	if _, small, err := generate(Config{Pages: 2, Seed: 1}); err != nil || len(small) != 2 {
		t.Errorf("a site of 2 pages: %d pages, %v", len(small), err)
	}
}

func TestRunSmall(t *testing.T) {
	path := render.ResolveChromiumPath(os.Getenv("MASX_CHROMIUM_PATH")) // "" is auto, the default
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("Chromium not found at %s: install Debian's chromium (scripts/setup.sh) or set MASX_CHROMIUM_PATH", path)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	const timeout = 120 * time.Second // a loaded test machine
	rep, err := Run(context.Background(), Config{
		Fetch:  fetch.Config{Timeout: timeout},
		Render: render.Config{ChromiumPath: path, Timeout: timeout},
		Pages:  6, Sequential: 2, PoolPages: 3, HTTPConns: 4, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BrowserPoolPagesPerSec <= 0 || rep.BrowserSequentialPagesPerSec <= 0 || rep.HTTPPagesPerSec <= 0 || rep.ExtractPagesPerSec <= 0 {
		t.Errorf("a rate is missing: %+v", rep)
	}
	if rep.Chromium != path {
		t.Errorf("chromium = %q; want the binary that ran, %q", rep.Chromium, path)
	}
	if rep.BrowserCPUMSPerPage <= 0 {
		t.Errorf("browser_cpu_ms_per_page = %v; want Chromium's CPU time", rep.BrowserCPUMSPerPage)
	}
	if rep.BrowserFailures+rep.HTTPFailures+rep.ExtractFailures != 0 {
		t.Errorf("failures in %+v", rep)
	}
	if len(rep.Met) != 3 {
		t.Errorf("targets_met %v; want 3 entries", rep.Met)
	}
}
