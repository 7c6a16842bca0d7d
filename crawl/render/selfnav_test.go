package render

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/masx-ai/masx/crawl/netguard"
)

// TestSelfNavigationToRefusedURLEndsBlocked protects against a page that,
// once loaded, sends itself to an address the guard refuses: Chromium
// then shows its error page (chrome-error://chromewebdata/, an empty
// document), which must not count as a rendered page. The visit ends
// blocked, naming the refused URL, by script and by meta refresh.
func TestSelfNavigationToRefusedURLEndsBlocked(t *testing.T) {
	const refused = "http://169.254.169.254/latest/meta-data/"
	s := newSite(t)
	s.Config.Handler = withPages(s.Config.Handler, map[string]string{
		"/script-nav": `<!doctype html><html><head><title>Away</title></head><body><p>` + article(2) + `</p>
<script>addEventListener('load', () => { location.href = "` + refused + `"; });</script></body></html>`,
		"/meta-refresh": `<!doctype html><html><head><title>Away</title>
<meta http-equiv="refresh" content="0;url=` + refused + `"></head><body><p>` + article(2) + `</p></body></html>`,
	})
	p := startPool(t, Config{Guard: guardFor(s.Server)})
	for _, path := range []string{"/script-nav", "/meta-refresh"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			res, err := p.Render(context.Background(), s.URL+path)
			if err == nil {
				t.Fatalf("Render succeeded (FinalURL %s, %d bytes of HTML); want an error wrapping netguard.ErrBlocked", res.FinalURL, len(res.HTML))
			}
			var ne *NavigationError
			if !errors.Is(err, netguard.ErrBlocked) || !errors.As(err, &ne) {
				t.Fatalf("err = %v; want a *NavigationError wrapping netguard.ErrBlocked", err)
			}
			if ne.URL != refused || !strings.Contains(err.Error(), refused) {
				t.Errorf("err = %v (NavigationError.URL %q); want it to name %s", err, ne.URL, refused)
			}
		})
	}
	// The page that failed is disposed of, and the pool still renders.
	if _, err := p.Render(context.Background(), s.URL+"/article"); err != nil {
		t.Errorf("Render after the refused navigations: %v", err)
	}
}
