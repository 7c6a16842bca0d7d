package render

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
			require.Error(t, err, "Render succeeded (%+v); want an error wrapping netguard.ErrBlocked", res)
			require.ErrorIs(t, err, netguard.ErrBlocked)
			var ne *NavigationError
			require.ErrorAs(t, err, &ne)
			require.Equal(t, refused, ne.URL)
			require.ErrorContains(t, err, refused)
		})
	}
	// The page that failed is disposed of, and the pool still renders.
	_, err := p.Render(context.Background(), s.URL+"/article")
	require.NoError(t, err, "Render after the refused navigations")
}
