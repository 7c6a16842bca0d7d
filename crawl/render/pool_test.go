package render

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDeadline(t *testing.T) {
	s := newSite(t)
	const limit = 2 * time.Second
	p := startPool(t, Config{Guard: guardFor(s.Server), Timeout: limit})
	for _, path := range []string{"/slow?ms=20000", "/hang", "/busy"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			_, err := p.Render(context.Background(), s.URL+path)
			took := time.Since(start)
			require.ErrorIs(t, err, ErrTimeout)
			require.ErrorIs(t, err, context.DeadlineExceeded, "want ErrTimeout wrapping context.DeadlineExceeded")
			require.LessOrEqual(t, took, limit+time.Second, "took too long; want ≤ %s + 1s", limit)
			t.Logf("%s: %v after %s", path, err, took)
		})
	}
	requireNoPages(t, p)
}

// checkArticles renders the plain, script-built and missing pages of s.
func checkArticles(t *testing.T, p *Pool, s *site) {
	ctx := context.Background()
	before := p.Stats()

	res, err := p.Render(ctx, s.URL+"/redirect")
	require.NoError(t, err)
	require.Equal(t, 200, res.StatusCode, "status")
	require.Equal(t, "Static article", res.Title, "title")
	require.Equal(t, "browser", res.Method, "method")
	require.Equal(t, s.URL+"/article", res.FinalURL, "FinalURL")
	require.Contains(t, string(res.HTML), "Santa Maria", "HTML lacks the article")
	require.True(t, strings.HasPrefix(string(res.HTML), "<!DOCTYPE html>"), "HTML lacks the doctype: %.120q", res.HTML)
	require.True(t, res.Timings.Total > 0 && res.Timings.Navigate > 0 && res.Timings.Wait > 0, "timings not filled: %+v", res.Timings)
	t.Logf("timings %+v", res.Timings)

	// The article a script inserts 200 ms after load is in the HTML.
	res, err = p.Render(ctx, s.URL+"/js-article")
	require.NoError(t, err)
	require.Contains(t, withoutScripts(string(res.HTML)), "Porto Velho", "script-inserted article missing")

	res, err = p.Render(ctx, s.URL+"/missing")
	require.NoError(t, err)
	require.Equal(t, 404, res.StatusCode, "status")
	requireNoPages(t, p)
	st := p.Stats()
	require.Equal(t, before.Succeeded+3, st.Succeeded, "stats %+v (before: %+v); want 3 more succeeded", st, before)
	require.Equal(t, before.Failed, st.Failed, "stats %+v (before: %+v); want no failure", st, before)
}

// TestWaitSettles checks both ends of the wait after DOMContentLoaded: a
// page whose network rests is read once IdleWindow has passed, and a page
// that keeps polling is read once its DOM has not changed for
// StableWindow, which starts counting only after the first IdleWindow.
func TestWaitSettles(t *testing.T) {
	s := newSite(t)
	s.Config.Handler = withPages(s.Config.Handler, map[string]string{
		// A request always in flight, and a DOM that changes once, late.
		"/polling": `<!doctype html><title>Polling</title><p id="p">` + article(2) + `</p><script>
(function poll() { fetch('/slow?ms=300').then(r => r.text()).then(poll, poll); })();
setTimeout(() => { document.getElementById('p').insertAdjacentHTML('afterend', '<p>late paragraph</p>'); }, 400);
</script>`,
	})
	const idle, stable = 200 * time.Millisecond, 600 * time.Millisecond
	p := startPool(t, Config{Guard: guardFor(s.Server), IdleWindow: idle, StableWindow: stable, Timeout: 20 * time.Second})
	ctx := context.Background()

	res, err := p.Render(ctx, s.URL+"/article")
	require.NoError(t, err)
	// The idle window runs from the last request's end, which may come
	// before DOMContentLoaded, so only its upper end is certain.
	w := res.Timings.Wait
	require.True(t, w > 0 && w < idle+stable, "a resting page waited %s; want at most the idle window, well below %s", w, idle+stable)

	res, err = p.Render(ctx, s.URL+"/polling")
	require.NoError(t, err)
	w = res.Timings.Wait
	require.True(t, w >= idle+stable && w <= 10*time.Second,
		"a polling page waited %s; want ≥ %s (idle window, then a stable DOM) and far below the deadline", w, idle+stable)
	require.Contains(t, withoutScripts(string(res.HTML)), "late paragraph", "the wait ended before the DOM changed")
	t.Logf("polling page waited %s", res.Timings.Wait)
}
