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

func TestGeneratedSite(t *testing.T) {
	pages := generate(30, 7)
	again := generate(30, 7)
	for i, p := range pages {
		if n := len(p.html); n < 100_000 || n > 200_000 {
			t.Errorf("page %d is %d bytes; want 100–200 KB", i, n)
		}
		if !bytes.Equal(p.html, again[i].html) {
			t.Errorf("page %d differs between two runs with the same seed", i)
		}
		if i > 0 && bytes.Equal(p.html, pages[i-1].html) {
			t.Errorf("pages %d and %d are identical", i-1, i)
		}
	}
	// The article must be findable among the boilerplate.
	a, err := extract.Extract(pages[0].html, "http://127.0.0.1/article/0.html", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Text) < 3000 || a.Title == "" {
		t.Errorf("extracted %d characters, title %q; want the article", len(a.Text), a.Title)
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
