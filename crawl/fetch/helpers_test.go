package fetch

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/crawl/netguard"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// site is a loopback test server that records every request it sees.
type site struct {
	*httptest.Server
	mu     sync.Mutex
	hits   map[string]int
	times  map[string][]time.Time
	robots string // body of /robots.txt; "" answers 404
}

// newSite starts a server whose handler h answers everything but
// /robots.txt.
func newSite(t *testing.T, h http.HandlerFunc) *site {
	t.Helper()
	s := &site{hits: map[string]int{}, times: map[string][]time.Time{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.times[r.URL.Path] = append(s.times[r.URL.Path], now)
		robots := s.robots
		s.mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			if robots == "" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(robots))
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) setRobots(body string) {
	s.mu.Lock()
	s.robots = body
	s.mu.Unlock()
}

func (s *site) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// total counts requests for every path but /robots.txt.
func (s *site) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if p != "/robots.txt" {
			n += c
		}
	}
	return n
}

func (s *site) timesOf(path string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]time.Time(nil), s.times[path]...)
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func (s *site) addrPort() netip.AddrPort {
	return netip.MustParseAddrPort(s.Listener.Addr().String())
}

// newFetcher builds a Fetcher whose guard allows exactly the given sites.
// Zero politeness and backoff fields get fast test values.
func newFetcher(t *testing.T, cfg Config, allowed ...*site) *Fetcher {
	t.Helper()
	if cfg.Guard == nil && !cfg.AllowPrivate {
		g := &netguard.Guard{}
		for _, s := range allowed {
			g.AllowAddrs = append(g.AllowAddrs, s.addrPort())
		}
		cfg.Guard = g
	}
	if cfg.HostDelay == 0 {
		cfg.HostDelay = -1
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = 5 * time.Millisecond
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = 20 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	f, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(f.Close)
	return f
}

func htmlHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

const simplePage = `<!DOCTYPE html><html><head><title>Ceasefire talks resume</title></head>
<body><article><h1>Ceasefire talks resume</h1><p>Negotiators met again on Monday.</p></article></body></html>`
