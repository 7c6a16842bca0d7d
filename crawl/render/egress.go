package render

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/crawl/netguard"
)

// egress is a forward proxy on loopback that every connection of the
// browser goes through (--proxy-server, loopback included). It applies the
// guard where request interception cannot: at dial time, on the address
// actually dialled. That covers what the DevTools Fetch domain never sees
// (speculative preconnects that Chromium opens when a navigation starts,
// WebSocket handshakes) and closes the DNS-rebinding gap of checking a name
// before the browser resolves it again. Interception stays the first line:
// it fails refused requests with BlockedByClient and tells the page which.
type egress struct {
	// secret is the proxy password: the proxy answers only its own
	// browser (Proxy-Authorization: Basic masx:secret), so it is no open
	// forward proxy for the other users of the machine while masx runs.
	secret    string
	authz     [32]byte // SHA-256 of the expected Proxy-Authorization value
	ln        net.Listener
	srv       *http.Server
	proxy     *httputil.ReverseProxy
	transport *http.Transport
	guard     *netguard.Guard
	dialer    *net.Dialer
	self      netip.AddrPort
	log       *slog.Logger
	blocked   *atomic.Int64

	serving sync.WaitGroup // the Serve goroutine

	mu       sync.Mutex
	tunnels  map[net.Conn]struct{}
	closed   bool
	handlers sync.WaitGroup // ServeHTTP calls, tunnels included; Add under mu
}

func startEgress(g *netguard.Guard, log *slog.Logger, blocked *atomic.Int64) (*egress, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the egress proxy: %w", err)
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting the egress proxy: making its password: %w", err)
	}
	secret := hex.EncodeToString(raw[:])
	e := &egress{
		secret:  secret,
		authz:   sha256.Sum256([]byte("Basic " + base64.StdEncoding.EncodeToString([]byte(proxyUser+":"+secret)))),
		ln:      ln,
		guard:   g,
		dialer:  &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second},
		self:    netip.MustParseAddrPort(ln.Addr().String()),
		log:     log,
		blocked: blocked,
		tunnels: map[net.Conn]struct{}{},
	}
	e.transport = &http.Transport{
		Proxy:                 nil, // the guard must see the real destination
		DialContext:           e.dial,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	e.proxy = &httputil.ReverseProxy{
		// The request is already in absolute form: keep it as it is, and
		// add no X-Forwarded-* headers (Rewrite strips them).
		Rewrite:      func(*httputil.ProxyRequest) {},
		Transport:    e.transport,
		ErrorHandler: e.fail,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	e.serving.Go(func() { _ = e.srv.Serve(ln) })
	return e, nil
}

// proxyUser is the user name the browser gives the egress proxy.
const proxyUser = "masx"

// authorized reports whether r carries the proxy's password; the digests
// are compared in constant time.
func (e *egress) authorized(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get("Proxy-Authorization")))
	return subtle.ConstantTimeCompare(got[:], e.authz[:]) == 1
}

// URL is the value for --proxy-server.
func (e *egress) URL() string { return "http://" + e.self.String() }

// dial resolves and dials through the guard, refusing the proxy itself.
func (e *egress) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if ap, err := netip.ParseAddrPort(addr); err == nil && ap.Addr().Unmap() == e.self.Addr() && ap.Port() == e.self.Port() {
		return nil, &netguard.BlockedError{Host: addr, Addr: ap, Reason: "the render proxy itself"}
	}
	conn, err := e.guard.DialContextWith(ctx, e.dialer, network, addr)
	if err != nil && errors.Is(err, netguard.ErrBlocked) {
		e.blocked.Add(1)
		e.log.Debug("render: egress refused", "addr", addr, "err", err)
	}
	return conn, err
}

func (e *egress) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, netguard.ErrBlocked) {
		http.Error(w, "refused by the masx egress guard: "+err.Error(), http.StatusForbidden)
		return
	}
	if r.Context().Err() == nil {
		e.log.Debug("render: egress upstream error", "url", r.URL.String(), "err", err)
	}
	http.Error(w, "upstream error: "+err.Error(), http.StatusBadGateway)
}

func (e *egress) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	e.handlers.Add(1)
	e.mu.Unlock()
	defer e.handlers.Done()
	if !e.authorized(r) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="masx-render"`)
		http.Error(w, "proxy authorization required", http.StatusProxyAuthRequired)
		return
	}
	r.Header.Del("Proxy-Authorization")
	switch {
	case r.Method == http.MethodConnect:
		e.tunnel(w, r)
	case r.URL.IsAbs() && (r.URL.Scheme == "http" || r.URL.Scheme == "https"):
		r.Header.Del("Proxy-Connection")
		e.proxy.ServeHTTP(w, r)
	default:
		http.Error(w, "this is a forward proxy for the render pool's browser", http.StatusBadRequest)
	}
}

// tunnel serves CONNECT (https and WebSockets): dial the destination through
// the guard, then copy bytes both ways until either side closes.
func (e *egress) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	up, err := e.dial(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		code := http.StatusBadGateway
		if errors.Is(err, netguard.ErrBlocked) {
			code = http.StatusForbidden
		}
		http.Error(w, err.Error(), code)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "cannot tunnel", http.StatusInternalServerError)
		return
	}
	down, rw, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !e.track(down, up) {
		return
	}
	defer e.untrack(down, up)
	if _, err := down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Bytes the client sent after the CONNECT line are in rw's buffer.
		_, _ = io.Copy(up, rw)
		closeWrite(up)
	}()
	_, _ = io.Copy(down, up)
	closeWrite(down)
	<-done
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// track registers the two ends of a tunnel so close can cut them; false
// (and both closed) when the proxy is shutting down.
func (e *egress) track(conns ...net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		e.tunnels[c] = struct{}{}
	}
	return true
}

func (e *egress) untrack(conns ...net.Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range conns {
		c.Close()
		delete(e.tunnels, c)
	}
}

// close stops the proxy, cuts open tunnels and waits for every handler.
func (e *egress) close() {
	e.mu.Lock()
	e.closed = true
	for c := range e.tunnels {
		c.Close()
	}
	e.mu.Unlock()
	_ = e.srv.Close()
	e.serving.Wait()
	e.handlers.Wait()
	e.transport.CloseIdleConnections()
}
