package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/store"
)

// Defaults of Config's zero fields.
const (
	DefaultAddr           = "127.0.0.1:8080"
	DefaultMaxBodyBytes   = 1 << 20
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetryAfter     = 30 * time.Second
)

// Server timeouts around the per-request deadline. The header gets its own
// short limit so a slow-loris client cannot hold a connection for the
// whole request budget; writes get a margin past the request deadline so
// the timeout answer itself can still be sent.
const (
	readHeaderTimeout = 10 * time.Second
	writeMargin       = 5 * time.Second
	idleTimeout       = 2 * time.Minute
)

// ErrInsecure: no API key was configured and the address is not loopback,
// without Config.Insecure. `masx serve` exits 2 on it.
var ErrInsecure = errors.New("refusing to serve without an API key on a non-loopback address")

// Config tunes a Server. Zero fields take the documented defaults.
type Config struct {
	// Addr is the TCP address Start listens on (host:port; port 0 picks a
	// free one, see Server.Addr). Default "127.0.0.1:8080".
	Addr string
	// APIKey, when set, is required on every route but /healthz and
	// /readyz (MASX_API_KEY). Empty means no authentication, which is
	// only allowed on loopback unless Insecure is set.
	APIKey string
	// Insecure allows serving without an APIKey on a non-loopback
	// address: for a deployment that authenticates in a proxy in front.
	Insecure bool
	// MaxBodyBytes caps a request body; more is answered 413. It bounds
	// an inline "input" too. Default 1 MiB.
	MaxBodyBytes int64
	// RequestTimeout bounds every request, submission included; past it
	// the answer is 503. The http.Server's read and write timeouts are
	// derived from it. Default 30s.
	RequestTimeout time.Duration
	// RetryAfter is sent with 429 answers: roughly how long a worker
	// needs to make room in the queue. Default 30s.
	RetryAfter time.Duration
	// DrainDelay is how long Stop keeps the listener open answering
	// /readyz with 503 before it stops accepting connections, so a load
	// balancer sees the instance leave before connections are refused.
	// Default 0.
	DrainDelay time.Duration
	// Logger receives warnings, errors and, at debug, one access record
	// per request. Default: discard.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxBodyBytes < 0 || c.RequestTimeout < 0 || c.RetryAfter < 0 || c.DrainDelay < 0 {
		return c, fmt.Errorf("api: Config has a negative value (MaxBodyBytes=%d RequestTimeout=%s RetryAfter=%s DrainDelay=%s): want ≥ 0",
			c.MaxBodyBytes, c.RequestTimeout, c.RetryAfter, c.DrainDelay)
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Validate checks what can be checked before anything is built: the
// address's form and, without an APIKey, that it is loopback unless
// Insecure. Such a refusal wraps ErrInsecure.
func (c Config) Validate() error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("api: address %q: want host:port: %w", c.Addr, err)
	}
	if c.APIKey == "" && !c.Insecure && !loopbackHost(host) {
		return insecureError(c.Addr)
	}
	return nil
}

func insecureError(addr string) error {
	return fmt.Errorf("api: %w %s: set Config.APIKey, listen on loopback (127.0.0.1), or set Config.Insecure if a proxy in front authenticates",
		ErrInsecure, addr)
}

// loopbackHost reports whether host names only loopback. An empty host
// (every interface) and names other than localhost do not: what a name
// resolves to is not ours to trust.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Deps are what a Server works with.
type Deps struct {
	// Store is read for status and clusters, and pinged by /readyz.
	// Required. A store that implements jobs.MASXReader (PostgreSQL)
	// also serves runs by date.
	Store store.Store
	// Jobs submits runs. Required; it may be insert-only (Workers 0).
	Jobs *jobs.Jobs
	// Gatherer is exposed on /metrics. Default: a registry holding only
	// the API's own metrics.
	Gatherer prometheus.Gatherer
	// Registerer receives the API's metrics (masx_http_requests_total,
	// masx_http_request_duration_seconds). Default: Gatherer when it is
	// also a Registerer (a *prometheus.Registry).
	Registerer prometheus.Registerer
	// Ready is asked by /readyz after the store, for what the store
	// cannot tell (the inference runtime started, say); nil means ready.
	Ready func(context.Context) error
	// UI, when set, builds the handler for every path outside the API's
	// (/v1/…, /services/…, /healthz, /readyz, /metrics): the dashboard.
	// It is called once by New with the Server, whose Guard and Submit
	// it uses. Its requests get the metrics, the access log and the
	// request deadline, but neither the JSON headers nor the API-key
	// check: it authenticates browsers itself, through the Guard.
	UI func(*Server) (http.Handler, error)
}

// Server is the HTTP API. Handler serves it on any listener; Start and
// Stop run it on Config.Addr with server timeouts and a drain.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	key  *[32]byte // SHA-256 of the API key; nil: no authentication
	// loopbackOnly: served without a key on loopback, so only a loopback
	// Host is answered (a DNS-rebinding page names its own host).
	loopbackOnly bool
	csrf         *http.CrossOriginProtection
	guard        *Guard
	ui           http.Handler
	mux          *http.ServeMux
	routes       map[string]bool // registered patterns: the only route labels
	handler      http.Handler
	metrics      *httpMetrics
	gatherer     prometheus.Gatherer

	draining atomic.Bool
	stopped  atomic.Bool
	stopOnce sync.Once
	stopErr  error

	mu       sync.Mutex
	srv      *http.Server
	addr     string
	done     chan struct{}
	serveErr error
}

// New checks cfg (see Config.Validate), registers the API's metrics and
// builds the routes. Nothing listens until Start.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, _ := cfg.withDefaults()
	if deps.Store == nil {
		return nil, errors.New("api: Deps.Store is nil")
	}
	if deps.Jobs == nil {
		return nil, errors.New("api: Deps.Jobs is nil")
	}
	s := &Server{cfg: c, deps: deps, log: c.Logger, done: make(chan struct{})}
	if c.APIKey != "" {
		d := digest(c.APIKey)
		s.key = &d
	}
	host, _, _ := net.SplitHostPort(c.Addr)
	s.loopbackOnly = c.APIKey == "" && loopbackHost(host)
	s.csrf = http.NewCrossOriginProtection()
	s.guard = newGuard(s.key, s.loopbackOnly, s.csrf)
	var err error
	if s.metrics, s.gatherer, err = setupMetrics(deps); err != nil {
		return nil, err
	}
	s.routes = map[string]bool{}
	s.mux = http.NewServeMux()
	s.route("POST /v1/runs", s.postRun)
	s.route("GET /v1/runs/{id}", s.getRun)
	s.route("GET /v1/runs/{id}/clusters", s.getRunClusters)
	s.route("GET /v1/flashpoints/{id}/clusters", s.getFlashpointClusters)
	s.route("POST /services/run", s.postServicesRun)
	s.route("GET /healthz", s.healthz)
	s.route("GET /readyz", s.readyz)
	s.route("GET /metrics", s.metricsHandler().ServeHTTP)
	if deps.UI != nil {
		if s.ui, err = deps.UI(s); err != nil {
			return nil, fmt.Errorf("api: building the UI: %w", err)
		}
	}
	s.handler = s.wrap()

	switch {
	case c.APIKey == "" && !loopbackHost(host):
		s.log.Warn("api: no API key and a non-loopback address (insecure): anyone who reaches it can submit runs", "addr", c.Addr)
	case c.APIKey == "":
		s.log.Warn("api: no API key (MASX_API_KEY): the API is unauthenticated, reachable from this machine only", "addr", c.Addr)
	}
	return s, nil
}

func (s *Server) route(pattern string, h http.HandlerFunc) {
	s.routes[pattern] = true
	s.mux.HandleFunc(pattern, h)
}

// Guard returns the server's access policy, for handlers served beside
// the API.
func (s *Server) Guard() *Guard { return s.guard }

// Handler returns the API with authentication, limits, metrics and access
// log; Start serves the same handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on Config.Addr and serves in the background until Stop.
// ctx bounds the listen only.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.srv != nil:
		return errors.New("api: Start called twice")
	case s.draining.Load():
		return errors.New("api: Start after Stop")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("api: listening on %s: %w", s.cfg.Addr, err)
	}
	// "localhost" is accepted by Validate; check what it became.
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && s.key == nil && !s.cfg.Insecure && !ta.IP.IsLoopback() {
		_ = ln.Close()
		return insecureError(ln.Addr().String())
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + writeMargin,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("api: serving stopped", "addr", s.addr, "err", err)
			s.mu.Lock()
			s.serveErr = fmt.Errorf("api: serving on %s: %w", s.addr, err)
			s.mu.Unlock()
		}
	}()
	s.log.Info("api: listening", "addr", s.addr, "auth", s.key != nil)
	return nil
}

// Addr returns the address Start bound (with the port chosen for port 0),
// or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Done is closed when the server stops serving: after Stop, or on its own
// when the listener fails (Stop then returns why). Before Start it never
// closes.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop drains: from now on /readyz and every new request that is not a
// GET answer 503 "draining"; after Config.DrainDelay the listener closes
// and in-flight requests finish until ctx ends, when their connections
// are closed. Stop is idempotent: later calls wait for the first and
// return its result.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		s.stopped.Store(true)
		return nil
	}
	if s.cfg.DrainDelay > 0 {
		t := time.NewTimer(s.cfg.DrainDelay)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	var err error
	if serr := srv.Shutdown(ctx); serr != nil {
		err = errors.Join(fmt.Errorf("api: draining: %w", serr), srv.Close())
	}
	<-s.done
	s.stopped.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(err, s.serveErr)
}
