package render

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
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
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v; want ErrTimeout wrapping context.DeadlineExceeded", err)
			}
			if took > limit+time.Second {
				t.Errorf("took %s; want ≤ %s + 1s", took, limit)
			}
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
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Title != "Static article" || res.Method != "browser" {
		t.Errorf("got status %d title %q method %q; want 200, %q, browser", res.StatusCode, res.Title, res.Method, "Static article")
	}
	if res.FinalURL != s.URL+"/article" {
		t.Errorf("FinalURL = %q; want %q", res.FinalURL, s.URL+"/article")
	}
	if !strings.Contains(string(res.HTML), "Santa Maria") || !strings.HasPrefix(string(res.HTML), "<!DOCTYPE html>") {
		t.Errorf("HTML lacks the article or the doctype: %.120q", res.HTML)
	}
	if res.Timings.Total <= 0 || res.Timings.Navigate <= 0 || res.Timings.Wait <= 0 {
		t.Errorf("timings not filled: %+v", res.Timings)
	}
	t.Logf("timings %+v", res.Timings)

	// The article a script inserts 200 ms after load is in the HTML.
	res, err = p.Render(ctx, s.URL+"/js-article")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.HTML), "Porto Velho") {
		t.Errorf("script-inserted article missing: %.300q", res.HTML)
	}

	res, err = p.Render(ctx, s.URL+"/missing")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 404 {
		t.Errorf("status = %d; want 404", res.StatusCode)
	}
	requireNoPages(t, p)
	st := p.Stats()
	if st.Succeeded-before.Succeeded != 3 || st.Failed != before.Failed {
		t.Errorf("stats %+v (before: %+v); want 3 more succeeded, no failure", st, before)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	// The idle window runs from the last request's end, which may come
	// before DOMContentLoaded, so only its upper end is certain.
	if w := res.Timings.Wait; w <= 0 || w >= idle+stable {
		t.Errorf("a resting page waited %s; want at most the idle window, well below %s", w, idle+stable)
	}

	res, err = p.Render(ctx, s.URL+"/polling")
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Timings.Wait; w < idle+stable || w > 10*time.Second {
		t.Errorf("a polling page waited %s; want ≥ %s (idle window, then a stable DOM) and far below the deadline", w, idle+stable)
	}
	if !strings.Contains(string(res.HTML), "late paragraph") {
		t.Errorf("the wait ended before the DOM changed: %.200q", res.HTML)
	}
	t.Logf("polling page waited %s", res.Timings.Wait)
}
