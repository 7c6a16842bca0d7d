package render

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stateSite serves /set, which leaves a cookie (by header and by script),
// localStorage, sessionStorage, IndexedDB and a Cache API entry behind,
// and /get, which reports what it finds of them.
func stateSite(t *testing.T) (*site, *atomic.Value) {
	s := newSite(t)
	var cookieSeen atomic.Value // the Cookie header /get arrived with
	cookieSeen.Store("")
	set := `<!doctype html><html><head><title>Set</title></head><body><p id="out">setting</p><script>
document.cookie = 'js=1; max-age=3600';
localStorage.setItem('ls', '1');
sessionStorage.setItem('ss', '1');
const req = indexedDB.open('db', 1);
req.onupgradeneeded = () => req.result.createObjectStore('s');
req.onsuccess = () => {
  const tx = req.result.transaction('s', 'readwrite');
  tx.objectStore('s').put('1', 'k');
  tx.oncomplete = () => caches.open('c').then(c => c.put('/x', new Response('1'))).then(() => {
    document.getElementById('out').textContent = 'set ' + document.cookie + ' ' + localStorage.getItem('ls') + ' ' + sessionStorage.getItem('ss');
  });
};
</script></body></html>`
	get := `<!doctype html><html><head><title>Get</title></head><body><p id="out">reading</p><script>
(async () => {
  const found = [];
  if (document.cookie) found.push('cookie:' + document.cookie);
  if (localStorage.length) found.push('localStorage');
  if (sessionStorage.length) found.push('sessionStorage');
  const dbs = await indexedDB.databases();
  if (dbs.length) found.push('indexedDB');
  if ((await caches.keys()).length) found.push('caches');
  found.push('history:' + history.length);
  document.getElementById('out').textContent = 'found ' + found.join(' ');
})();
</script></body></html>`
	pages := withPages(s.Config.Handler, map[string]string{"/get": get})
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "hdr", Value: "1", MaxAge: 3600})
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(set))
			return
		case "/get":
			cookieSeen.Store(r.Header.Get("Cookie"))
		}
		pages.ServeHTTP(w, r)
	})
	return s, &cookieSeen
}

// TestReuseClearsState renders a page that stores state of every kind,
// then another page of the same origin in the same (reused) page: it must
// find nothing.
func TestReuseClearsState(t *testing.T) {
	s, cookieSeen := stateSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server), MaxPages: 1})
	ctx := context.Background()

	res, err := p.Render(ctx, s.URL+"/set")
	require.NoError(t, err)
	set := between(string(res.HTML), `<p id="out">`, "</p>")
	for _, want := range []string{"set", "js=1", "hdr=1"} {
		require.Contains(t, set, want, "/set did not store its state")
	}
	res, err = p.Render(ctx, s.URL+"/get")
	require.NoError(t, err)
	got := between(string(res.HTML), `<p id="out">`, "</p>")
	t.Logf("/get says %q; its Cookie header: %q", got, cookieSeen.Load())
	require.True(t, strings.HasPrefix(got, "found history:"), "the next page in the same page found state of the previous one: %q", got)
	require.Empty(t, cookieSeen.Load().(string), "the next page was requested with the previous page's cookies")
	require.Positive(t, p.BrowserCPU(), "BrowserCPU after two renders")
	require.Equal(t, int64(1), p.Stats().Reused, "Reused (the test must run both pages in one page)")
	requireNoPages(t, p)
}

// TestReuseLimits checks that a page serves at most MaxVisitsPerPage
// visits, that a failed visit's page is never reused, and that a page
// whose visit opened a popup is not reused either.
func TestReuseLimits(t *testing.T) {
	s := newSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server), MaxPages: 1, MaxVisitsPerPage: 3, IdleWindow: 100 * time.Millisecond})
	ctx := context.Background()
	render := func(path string, wantErr bool) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		_, err := p.Render(rctx, s.URL+path)
		require.Equal(t, wantErr, err != nil, "%s: err = %v; want an error", path, err)
	}
	reused := func(want int64) {
		t.Helper()
		// The page goes back to the idle list after Render returns.
		waitFor(5*time.Second, func() bool { return p.Stats().Active == 0 })
		require.Equal(t, want, p.Stats().Reused, "Reused")
	}
	for range 5 { // new, reused, reused, new (3 visits served), reused
		render("/article", false)
	}
	reused(3)
	render("/hang", true) // takes the idle page, fails: disposed of
	reused(4)
	render("/article", false) // a fresh page
	reused(4)
	render("/popup", false) // the popup keeps its context from reuse
	reused(5)
	require.Zero(t, p.IdlePages(), "IdlePages after a visit that opened a popup")
	render("/article", false)
	reused(5)
	require.Equal(t, 1, p.IdlePages(), "IdlePages")
	requireNoPages(t, p)
}
