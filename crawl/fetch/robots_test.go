package fetch

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRobots(t *testing.T) {
	t.Parallel()
	const txt = `# comment line
User-agent: *
Disallow: /private/
Allow: /private/open
Disallow: /*.pdf$
Disallow: /search?q=
Crawl-delay: 10

User-agent: GoodBot
User-agent: masx
Disallow: /no-masx/   # trailing comment
Allow: /
Disallow: /*/drafts/*.html

user-agent: other
disallow: /

Sitemap: https://example.com/sitemap.xml
User-Agent: MASX/2.0
Disallow: /merged/
`
	masx := parseRobots([]byte(txt), "masx")
	star := parseRobots([]byte(txt), "unlisted-bot")
	other := parseRobots([]byte(txt), "other")
	cases := []struct {
		r    *robotsRules
		path string
		want bool
	}{
		{star, "/", true},
		{star, "/private/", false},
		{star, "/private/x", false},
		{star, "/private/open", true},         // longer Allow wins
		{star, "/private/opener", true},       // prefix match
		{star, "/files/report.pdf", false},    // wildcard and anchor
		{star, "/files/report.pdf?x=1", true}, // anchor stops the match
		{star, "/search?q=iran", false},
		{star, "/search", true},
		{star, "/robots.txt", true},
		{masx, "/private/x", true}, // its own group replaces *
		{masx, "/no-masx/a", false},
		{masx, "/a/drafts/b.html", false},
		{masx, "/a/drafts/b.htm", true},
		{masx, "/merged/x", false}, // groups for one agent merge
		{other, "/", false},
		{other, "/robots.txt", true},
	}
	for _, c := range cases {
		require.Equal(t, c.want, c.r.allowed(c.path), "path %s", c.path)
	}
	require.Nil(t, parseRobots([]byte("User-agent: someone\nDisallow: /\n"), "masx"), "no matching group allows all")
	require.Nil(t, parseRobots(nil, "masx"))
	require.True(t, parseRobots([]byte("Disallow: /\n"), "masx").allowed("/x"), "rules before any user-agent are ignored")
}

func TestRobotsTieGoesToAllow(t *testing.T) {
	t.Parallel()
	r := parseRobots([]byte("User-agent: *\nDisallow: /page\nAllow: /page\n"), "masx")
	require.True(t, r.allowed("/page"))
	r = parseRobots([]byte("User-agent: *\nAllow: /page\nDisallow: /page\n"), "masx")
	require.True(t, r.allowed("/page"))
}

func TestRobotsMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"/", "/anything", true},
		{"/fish", "/fish.html", true},
		{"/fish", "/Fish", false},
		{"/fish$", "/fish", true},
		{"/fish$", "/fish/", false},
		{"/*.php", "/index.php", true},
		{"/*.php", "/a/b.php?x", true},
		{"/*.php$", "/a/b.php?x", false},
		{"/a*b*c", "/aXXbYYc", true},
		{"/a*b*c", "/aXXcYYb", false},
		{"*", "/", true},
		{"/**x", "/yyx", true},
		{"/$", "/", true},
	}
	for _, c := range cases {
		require.Equal(t, c.want, robotsMatch(c.pattern, c.path), "%s ~ %s", c.pattern, c.path)
	}
}

func TestProductToken(t *testing.T) {
	t.Parallel()
	require.Equal(t, "masx", productToken("masx/0.1 (+https://github.com/masx-ai/masx)"))
	require.Equal(t, "mybot", productToken(" MyBot "))
	require.Equal(t, "*", productToken("*"))
}

func TestFetchHonoursRobots(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	s.setRobots("User-agent: *\nDisallow: /private/\nAllow: /private/ok\n\nUser-agent: masx\nDisallow: /no-masx\n")
	f := newFetcher(t, Config{}, s)
	ctx := context.Background()

	_, err := f.Fetch(ctx, s.URL+"/no-masx/1")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
	require.Contains(t, err.Error(), `/no-masx/1 for user-agent "masx"`)
	_, err = f.Fetch(ctx, s.URL+"/private/x") // masx's own group has no rule for it
	require.NoError(t, err)

	other := newFetcher(t, Config{UserAgent: "otherbot/1"}, s)
	_, err = other.Fetch(ctx, s.URL+"/private/x")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
	_, err = other.Fetch(ctx, s.URL+"/private/ok")
	require.NoError(t, err)
	_, err = other.Fetch(ctx, s.URL+"/no-masx/1")
	require.NoError(t, err)

	require.Zero(t, s.hitsOf("/no-masx/1")-1, "only otherbot fetched /no-masx/1")
	require.Zero(t, s.hitsOf("/private/x")-1, "only masx fetched /private/x")
	require.Equal(t, 2, s.hitsOf("/robots.txt"), "one robots.txt per fetcher, cached")
	require.Equal(t, int64(1), f.Stats().RobotsDisallowed)

	ignoring := newFetcher(t, Config{IgnoreRobots: true}, s)
	_, err = ignoring.Fetch(ctx, s.URL+"/no-masx/2")
	require.NoError(t, err)
	require.Equal(t, 2, s.hitsOf("/robots.txt"), "IgnoreRobots does not ask")
}

func TestRobotsOnARedirectTarget(t *testing.T) {
	t.Parallel()
	target := newSite(t, htmlHandler(simplePage))
	target.setRobots("User-agent: *\nDisallow: /\n")
	origin := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/article", http.StatusMovedPermanently)
	})
	f := newFetcher(t, Config{}, origin, target)
	_, err := f.Fetch(context.Background(), origin.URL+"/a")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
	require.Zero(t, target.hitsOf("/article"))
}

func TestRobotsStatuses(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	status := map[string]int{}
	var robotsRequests atomic.Int64
	var flip atomic.Int32 // 1: answer the status once, then 200
	s := newSite(t, htmlHandler(simplePage))
	// Wrap: robots.txt answers with the status chosen for the host path
	// prefix; newSite's own robots handling is bypassed by a custom server.
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsRequests.Add(1)
			mu.Lock()
			code := status["robots"]
			mu.Unlock()
			if flip.CompareAndSwap(1, 2) {
				w.WriteHeader(code) // this once; then an empty 200 (no rules)
				return
			}
			if flip.Load() == 2 {
				return
			}
			if code == http.StatusMovedPermanently {
				http.Redirect(w, r, "/real-robots.txt", code)
				return
			}
			w.WriteHeader(code)
			return
		}
		if r.URL.Path == "/real-robots.txt" {
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /\n"))
			return
		}
		htmlHandler(simplePage)(w, r)
	})
	set := func(code int) {
		mu.Lock()
		status["robots"] = code
		mu.Unlock()
	}
	ctx := context.Background()

	set(http.StatusNotFound)
	_, err := newFetcher(t, Config{}, s).Fetch(ctx, s.URL+"/a")
	require.NoError(t, err, "404 robots.txt allows everything")

	set(http.StatusForbidden)
	_, err = newFetcher(t, Config{}, s).Fetch(ctx, s.URL+"/a")
	require.NoError(t, err, "403 robots.txt allows everything (RFC 9309)")

	// An unreachable robots.txt used to block the host's articles for good
	// (ErrRobotsDisallowed is terminal). It disallows only for now: a
	// temporary error, and robots.txt is retried as a page is.
	set(http.StatusServiceUnavailable)
	robotsRequests.Store(0)
	_, err = newFetcher(t, Config{Retries: 2}, s).Fetch(ctx, s.URL+"/a")
	require.ErrorIs(t, err, ErrRobotsUnavailable, "an unreachable robots.txt disallows for now")
	require.NotErrorIs(t, err, ErrRobotsDisallowed)
	require.Contains(t, err.Error(), "unreachable (HTTP 503")
	require.Equal(t, int64(3), robotsRequests.Swap(0), "robots.txt is retried like any fetch (1 + Retries)")

	// One failed request is not the answer: a 503 then a 200 reads the
	// rules.
	set(http.StatusServiceUnavailable)
	flip.Store(1)
	_, err = newFetcher(t, Config{Retries: 2}, s).Fetch(ctx, s.URL+"/a")
	require.NoError(t, err, "the retry found robots.txt allowing the page")
	flip.Store(0)

	set(http.StatusMovedPermanently)
	_, err = newFetcher(t, Config{}, s).Fetch(ctx, s.URL+"/a")
	require.ErrorIs(t, err, ErrRobotsDisallowed, "robots.txt redirects are followed")
}

func TestRobotsIsFetchedOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	s.setRobots("User-agent: *\nAllow: /\n")
	f := newFetcher(t, Config{HostConcurrency: 8}, s)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.Fetch(context.Background(), s.URL+"/p") })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, s.hitsOf("/robots.txt"))
	require.Equal(t, int64(1), f.Stats().RobotsFetches)
}

func FuzzParseRobots(f *testing.F) {
	f.Add("User-agent: *\nDisallow: /a*b$\nAllow: /a\n", "/a/b")
	f.Add("user-agent:masx\ndisallow:/\n", "/x?y")
	f.Add(strings.Repeat("Disallow: /*/*/*/*\n", 50), "/a/b/c/d/e")
	f.Fuzz(func(t *testing.T, txt, path string) {
		r := parseRobots([]byte("User-agent: *\n"+txt), "masx")
		allowed := r.allowed(path)
		if path == "/robots.txt" && !allowed {
			t.Fatal("/robots.txt itself must always be allowed")
		}
		if r == nil && !allowed {
			t.Fatal("no rules must allow everything")
		}
	})
}
