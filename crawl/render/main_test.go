package render

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/crawl/netguard"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// chromiumPath returns the browser the tests use, skipping the test when it
// is missing (failing under CI=true, where it must be installed).
func chromiumPath(t testing.TB) string {
	t.Helper()
	return requireBinary(t, ResolveChromiumPath(os.Getenv("MASX_CHROMIUM_PATH")))
}

// requireBinary skips the test when the browser at path is missing, or
// fails it under CI=true, where both Debian packages must be installed.
func requireBinary(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("Chromium not found at %s (%v): install Debian's chromium package (scripts/setup.sh does) or set MASX_CHROMIUM_PATH", path, err)
		if os.Getenv("CI") == "true" {
			require.FailNow(t, msg)
		}
		t.Skip(msg)
	}
	return path
}

// site is a local test web site with the pages the tests need.
type site struct {
	*httptest.Server
	held     chan struct{} // a /held request arrived
	release  chan struct{} // closed: /held requests answer
	requests atomic.Int64
}

const articleText = `The river delta flooded after three days of rain, and the regional authorities opened the northern spillway for the first time in a decade. Farmers in the lowlands moved their herds to the ridge roads while engineers watched the levees at Santa Maria and Porto Velho. `

func article(n int) string { return strings.Repeat(articleText, n) }

func newSite(t testing.TB) *site {
	t.Helper()
	s := &site{held: make(chan struct{}, 64), release: make(chan struct{})}
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body>%s</body></html>", title, body)
	}
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Static article", "<nav>Home | World</nav><article><h1>Flood</h1><p>"+article(8)+"</p></article>")
	})
	// The article arrives by script 200 ms after the page loaded.
	mux.HandleFunc("/js-article", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Script article", `<nav>Home | World</nav><main id="m">Loading…</main><script>
setTimeout(() => { document.getElementById('m').innerHTML = '<article><h1>Flood</h1><p>' + `+"`"+article(8)+"`"+` + '</p></article>'; }, 200);
</script>`)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		page(w, "Not found", "<p>No such page.</p>")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/article", http.StatusFound)
	})
	// /slow answers after a delay given in ms (?ms=), or when the client leaves.
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		var ms int
		fmt.Sscan(r.URL.Query().Get("ms"), &ms)
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		page(w, "Slow", "<p>"+article(2)+"</p>")
	})
	// /hang sends half a page and never the rest.
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><html><head><title>Hang</title></head><body><p>"+article(1))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	// /busy runs a script that never returns.
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Busy", "<p>spin</p><script>for(;;){}</script>")
	})
	// /held blocks until the test releases it or the client leaves.
	mux.HandleFunc("/held", func(w http.ResponseWriter, r *http.Request) {
		s.held <- struct{}{}
		select {
		case <-s.release:
		case <-r.Context().Done():
			return
		}
		page(w, "Held", "<p>"+article(2)+"</p>")
	})
	mux.HandleFunc("/dialog", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Dialog", `<p id="p">before</p><script>alert('hi'); confirm('sure?'); document.getElementById('p').textContent = 'after dialogs';</script>`)
	})
	mux.HandleFunc("/popup", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Popup", `<p id="r">opener</p><script>document.getElementById('r').textContent = window.open('/article', '_blank') ? 'popup-open' : 'popup-blocked';</script>`)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Big", "<p>"+article(100)+"</p>")
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
		s.Close()
	})
	return s
}

// addrPort is the server's loopback address:port, for netguard.AllowAddrs.
func (s *site) addrPort() netip.AddrPort {
	return netip.MustParseAddrPort(s.Listener.Addr().String())
}

// guardFor allows exactly the given servers, and nothing else private.
func guardFor(servers ...*httptest.Server) *netguard.Guard {
	g := &netguard.Guard{}
	for _, s := range servers {
		g.AllowAddrs = append(g.AllowAddrs, netip.MustParseAddrPort(s.Listener.Addr().String()))
	}
	return g
}

// startPool starts a pool for the test and stops it at cleanup, checking
// that Stop left no process and no directory behind.
func startPool(t testing.TB, cfg Config) *Pool {
	t.Helper()
	if cfg.ChromiumPath == "" {
		cfg.ChromiumPath = chromiumPath(t)
	} else {
		requireBinary(t, cfg.ChromiumPath)
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	p, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, p.Start(ctx))
	dir := p.UserDataDir()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, p.Stop(ctx), "Stop")
		require.Empty(t, p.processes(""), "Stop left Chromium processes")
		_, err := os.Stat(dir)
		require.ErrorIs(t, err, os.ErrNotExist, "Stop left the user-data dir %s", dir)
	})
	return p
}

// testLogger sends the pool's warnings to the test log (shown on failure
// or with -v); MASX_TEST_DEBUG=1 adds debug messages.
func testLogger(t testing.TB) *slog.Logger {
	lvl := slog.LevelWarn
	if os.Getenv("MASX_TEST_DEBUG") == "1" {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: lvl}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// countingServer counts TCP connections, not just requests: a preconnect
// that sends nothing still counts.
func countingServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprint(w, "TOP-SECRET")
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}
