package render

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

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
		if err == nil || !strings.Contains(err.Error(), "Config."+tc.field) {
			t.Errorf("New(%+v) = %v; want an error naming Config.%s", tc.cfg, err, tc.field)
		}
	}
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if p.cfg.MaxPages != 5 || p.cfg.QueueMax != 100 || p.cfg.Timeout != 30*time.Second || p.cfg.ChromiumPath != ResolveChromiumPath(AutoChromium) {
		t.Errorf("defaults not applied: %+v", p.cfg)
	}
}

func TestBadInputAndClosedPool(t *testing.T) {
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, u := range []string{"", "example.com/news", "ftp://example.com/", "http://", "javascript:alert(1)", "http://" + strings.Repeat("a", 9000)} {
		if _, err := p.Render(ctx, u); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("Render(%.40q) = %v; want ErrInvalidURL", u, err)
		}
	}
	if _, err := p.Render(ctx, "http://example.com/"); !errors.Is(err, ErrClosed) {
		t.Errorf("Render before Start = %v; want ErrClosed", err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Errorf("Stop before Start = %v; want nil", err)
	}
	missing, err := New(Config{ChromiumPath: "/nonexistent/chromium"})
	if err != nil {
		t.Fatal(err)
	}
	if err := missing.Start(ctx); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Start with a missing binary = %v; want an error naming it", err)
	}
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
	if st := p.Stats(); st.Active != 1 || st.Queued != 1 {
		t.Fatalf("stats %+v; want 1 active, 1 queued", st)
	}

	start := time.Now()
	_, err := p.Render(ctx, s.URL+"/article")
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third render: err = %v; want ErrQueueFull", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("ErrQueueFull took %s; want it at once", d)
	}

	// A queued request whose caller gives up leaves the queue.
	qcancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled queued render: err = %v; want context.Canceled", err)
	}
	if st := p.Stats(); st.Queued != 0 || st.QueueFull != 1 {
		t.Errorf("stats %+v; want nothing queued and one queue-full refusal", st)
	}
	close(s.release)
	if err := <-first; err != nil {
		t.Errorf("held render: %v", err)
	}
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
		t.Fatalf("Stop returned (%v) before the render in flight finished", err)
	default:
	}
	close(s.release)
	if err := <-done; err != nil {
		t.Errorf("render in flight during Stop: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := p.Render(ctx, s.URL+"/article"); !errors.Is(err, ErrClosed) {
		t.Errorf("Render after Stop = %v; want ErrClosed", err)
	}
	if err := p.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Stop = %v; want ErrClosed", err)
	}
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
	if err := p.Stop(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v; want context.DeadlineExceeded", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("render cut by Stop: err = %v; want ErrClosed", err)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(res.HTML), "after dialogs") {
			t.Errorf("script did not run past its dialogs: %s", res.HTML)
		}
	})
	t.Run("popups close with the page", func(t *testing.T) {
		res, err := p.Render(ctx, s.URL+"/popup")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(res.HTML), "popup-open") {
			t.Fatalf("the page could not open its popup: %s", between(string(res.HTML), `<p id="r">`, "</p>"))
		}
		requireNoPages(t, p)
	})
	t.Run("too large", func(t *testing.T) {
		if _, err := p.Render(ctx, s.URL+"/big"); !errors.Is(err, ErrTooLarge) {
			t.Errorf("err = %v; want ErrTooLarge", err)
		}
	})
	t.Run("images and media are not loaded", func(t *testing.T) {
		before := p.Stats().BlockedResources
		if _, err := p.Render(ctx, s.URL+"/images"); err != nil {
			t.Fatal(err)
		}
		if n := imgConns.Load(); n != 0 {
			t.Errorf("the image server got %d connections; want 0", n)
		}
		if p.Stats().BlockedResources == before {
			t.Errorf("no resource counted as blocked")
		}
	})
	t.Run("host names resolve through the guard", func(t *testing.T) {
		u := "http://news.test:" + itoa(port) + "/article"
		res, err := p.Render(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if res.FinalURL != u || res.Title != "Static article" {
			t.Errorf("got %q, %q", res.FinalURL, res.Title)
		}
		if _, err := p.Render(ctx, "http://evil.test/latest/meta-data/"); !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("name resolving to the metadata address: err = %v; want netguard.ErrBlocked", err)
		}
		var dnsErr *net.DNSError
		if _, err := p.Render(ctx, "http://unknown.test:"+itoa(port)+"/"); !errors.As(err, &dnsErr) {
			t.Errorf("unresolvable name: err = %v; want a *net.DNSError", err)
		}
	})
}

func itoa(n uint16) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), n).String()[len("0.0.0.0:"):]
}
