package render

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/crawl/netguard"
)

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{MaxPages: -1}, "MaxPages"},
		{Config{QueueMax: -2}, "QueueMax"},
		{Config{Timeout: -time.Second}, "Timeout"},
		{Config{MaxHTMLBytes: -5}, "MaxHTMLBytes"},
		{Config{CleanupTimeout: -1}, "CleanupTimeout"},
		{Config{MaxVisitsPerPage: -1}, "MaxVisitsPerPage"},
	} {
		_, err := New(tc.cfg)
		require.ErrorContains(t, err, "Config."+tc.field, "New(%+v)", tc.cfg)
	}
	p, err := New(Config{})
	require.NoError(t, err)
	require.Equal(t, 5, p.cfg.MaxPages, "default MaxPages")
	require.Equal(t, 100, p.cfg.QueueMax, "default QueueMax")
	require.Equal(t, 30*time.Second, p.cfg.Timeout, "default Timeout")
	require.Equal(t, ResolveChromiumPath(AutoChromium), p.cfg.ChromiumPath, "default ChromiumPath")
}

func TestBadInputAndClosedPool(t *testing.T) {
	p, err := New(Config{})
	require.NoError(t, err)
	ctx := context.Background()
	for _, u := range []string{"", "example.com/news", "ftp://example.com/", "http://", "javascript:alert(1)", "http://" + strings.Repeat("a", 9000)} {
		_, err := p.Render(ctx, u)
		require.ErrorIs(t, err, ErrInvalidURL, "Render(%.40q)", u)
	}
	_, err = p.Render(ctx, "http://example.com/")
	require.ErrorIs(t, err, ErrClosed, "Render before Start")
	require.NoError(t, p.Stop(ctx), "Stop before Start")
	missing, err := New(Config{ChromiumPath: "/nonexistent/chromium"})
	require.NoError(t, err)
	require.ErrorContains(t, missing.Start(ctx), "/nonexistent/chromium", "Start with a missing binary: want an error naming it")
}

func TestQueueFull(t *testing.T) {
	s := newSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server), MaxPages: 1, QueueMax: 1})
	ctx := context.Background()

	first := make(chan error, 1)
	go func() { _, err := p.Render(ctx, s.URL+"/held"); first <- err }()
	<-s.held // the only page is busy

	qctx, qcancel := context.WithCancel(ctx)
	second := make(chan error, 1)
	go func() { _, err := p.Render(qctx, s.URL+"/article"); second <- err }()
	waitFor(10*time.Second, func() bool { return p.Stats().Queued == 1 })
	st := p.Stats()
	require.Equal(t, 1, st.Active, "stats %+v; want 1 active", st)
	require.Equal(t, 1, st.Queued, "stats %+v; want 1 queued", st)

	start := time.Now()
	_, err := p.Render(ctx, s.URL+"/article")
	require.ErrorIs(t, err, ErrQueueFull, "third render")
	require.LessOrEqual(t, time.Since(start), time.Second, "ErrQueueFull took too long; want it at once")

	// A queued request whose caller gives up leaves the queue.
	qcancel()
	require.ErrorIs(t, <-second, context.Canceled, "cancelled queued render")
	st = p.Stats()
	require.Zero(t, st.Queued, "stats %+v; want nothing queued", st)
	require.Equal(t, int64(1), st.QueueFull, "stats %+v; want one queue-full refusal", st)
	close(s.release)
	require.NoError(t, <-first, "held render")
}

func TestStopDrainsThenRefuses(t *testing.T) {
	s := newSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server)})
	ctx := context.Background()

	done := make(chan error, 1)
	go func() { _, err := p.Render(ctx, s.URL+"/held"); done <- err }()
	<-s.held
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop(ctx) }()
	// Stop waits for the render in flight and refuses new ones meanwhile.
	waitFor(10*time.Second, func() bool {
		_, err := p.Render(ctx, s.URL+"/article")
		return errors.Is(err, ErrClosed)
	})
	select {
	case err := <-stopped:
		require.FailNow(t, "Stop returned before the render in flight finished", "Stop = %v", err)
	default:
	}
	close(s.release)
	require.NoError(t, <-done, "render in flight during Stop")
	require.NoError(t, <-stopped, "Stop")
	_, err := p.Render(ctx, s.URL+"/article")
	require.ErrorIs(t, err, ErrClosed, "Render after Stop")
	require.ErrorIs(t, p.Start(ctx), ErrClosed, "Start after Stop")
}

func TestStopDeadlineCancelsRenders(t *testing.T) {
	s := newSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server)})
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { _, err := p.Render(ctx, s.URL+"/held"); done <- err }()
	<-s.held
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, p.Stop(sctx), context.DeadlineExceeded, "Stop")
	require.ErrorIs(t, <-done, ErrClosed, "render cut by Stop")
}

// mapResolver answers from a fixed table, for names in tests.
type mapResolver map[string]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestPageBehaviour(t *testing.T) {
	s := newSite(t)
	img, imgConns := countingServer(t)
	g := guardFor(s.Server, img)
	g.Resolver = mapResolver{
		"news.test": netip.MustParseAddr("127.0.0.1"),
		"evil.test": netip.MustParseAddr("169.254.169.254"),
	}
	s.Config.Handler = withPages(s.Config.Handler, map[string]string{
		"/images": `<!doctype html><title>Images</title><p>` + article(2) + `</p><img src="` + img.URL + `/a.png"><video src="` + img.URL + `/v.mp4"></video>`,
	})
	p := startPool(t, Config{Guard: g, MaxHTMLBytes: 20_000})
	ctx := context.Background()
	port := s.addrPort().Port()

	t.Run("articles", func(t *testing.T) { checkArticles(t, p, s) })
	t.Run("dialogs are dismissed", func(t *testing.T) {
		res, err := p.Render(ctx, s.URL+"/dialog")
		require.NoError(t, err)
		require.Contains(t, withoutScripts(string(res.HTML)), "after dialogs", "script did not run past its dialogs")
	})
	t.Run("popups close with the page", func(t *testing.T) {
		res, err := p.Render(ctx, s.URL+"/popup")
		require.NoError(t, err)
		require.Contains(t, withoutScripts(string(res.HTML)), "popup-open", "the page could not open its popup: %s", between(string(res.HTML), `<p id="r">`, "</p>"))
		requireNoPages(t, p)
	})
	t.Run("too large", func(t *testing.T) {
		_, err := p.Render(ctx, s.URL+"/big")
		require.ErrorIs(t, err, ErrTooLarge)
	})
	t.Run("images and media are not loaded", func(t *testing.T) {
		before := p.Stats().BlockedResources
		_, err := p.Render(ctx, s.URL+"/images")
		require.NoError(t, err)
		require.Zero(t, imgConns.Load(), "connections to the image server")
		require.NotEqual(t, before, p.Stats().BlockedResources, "no resource counted as blocked")
	})
	t.Run("host names resolve through the guard", func(t *testing.T) {
		u := "http://news.test:" + itoa(port) + "/article"
		res, err := p.Render(ctx, u)
		require.NoError(t, err)
		require.Equal(t, u, res.FinalURL, "FinalURL")
		require.Equal(t, "Static article", res.Title, "title")
		_, err = p.Render(ctx, "http://evil.test/latest/meta-data/")
		require.ErrorIs(t, err, netguard.ErrBlocked, "name resolving to the metadata address")
		var dnsErr *net.DNSError
		_, err = p.Render(ctx, "http://unknown.test:"+itoa(port)+"/")
		require.ErrorAs(t, err, &dnsErr, "unresolvable name: want a *net.DNSError")
	})
}

func itoa(n uint16) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), n).String()[len("0.0.0.0:"):]
}
