package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const jsonType = "application/json"

// routeOther labels requests that match no registered pattern; routeUI
// those answered by Deps.UI.
const (
	routeOther = "other"
	routeUI    = "ui"
)

// wrap builds what every request goes through, outermost first: metrics
// and access log; JSON and no-store headers; authentication; JSON answers
// for unknown routes and methods; the drain gate; the request deadline;
// the routes.
func (s *Server) wrap() http.Handler {
	body, _ := json.Marshal(errorBody{Error: fmt.Sprintf("request timed out after %s", s.cfg.RequestTimeout)})
	// TimeoutHandler rather than a bare context deadline: it also bounds
	// a handler stuck in something that ignores its context.
	inner := http.TimeoutHandler(s.mux, s.cfg.RequestTimeout, string(body))
	var ui http.Handler
	if s.ui != nil {
		ui = http.TimeoutHandler(s.ui, s.cfg.RequestTimeout, fmt.Sprintf("request timed out after %s", s.cfg.RequestTimeout))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		var route string
		if ui != nil && !apiPath(r.URL.Path) {
			route = routeUI
			ui.ServeHTTP(sw, r)
		} else {
			route = s.serve(sw, r, inner)
		}
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(route, code, d)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "api: request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("code", code), slog.Duration("duration", d), slog.Int64("bytes", sw.n),
			slog.String("remote", r.RemoteAddr))
	})
}

// apiPath reports whether path belongs to the API rather than Deps.UI.
func apiPath(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics", "/v1", "/services":
		return true
	}
	return strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/services/")
}

// serve answers r and returns its route label.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, inner http.Handler) string {
	h, pattern := s.mux.Handler(r)
	route := pattern
	if !s.routes[pattern] {
		route = routeOther
	}
	// Set before the routes run: TimeoutHandler's own 503 body is JSON
	// too and gets no header of its own.
	hd := w.Header()
	hd.Set("Content-Type", jsonType)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")

	if !s.sameSite(w, r, route) {
		return route
	}
	probe := route == "GET /healthz" || route == "GET /readyz"
	if !probe && !s.authorized(r) {
		hd.Set("WWW-Authenticate", `Bearer realm="masx"`)
		writeError(w, http.StatusUnauthorized, "", "missing or wrong API key: send it as X-API-Key: KEY or Authorization: Bearer KEY")
		return route
	}
	if route == routeOther {
		s.unmatched(w, r, h)
		return route
	}
	if s.draining.Load() && r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusServiceUnavailable, "", "draining: this server is shutting down; send the request to another instance")
		return route
	}
	inner.ServeHTTP(w, r)
	return route
}

// jsonBodyRoutes are the routes that read a JSON body.
var jsonBodyRoutes = map[string]bool{"POST /v1/runs": true}

// sameSite refuses, and answers, what a web page in a browser could send
// to an API on this machine: a request for a foreign Host when the API is
// served without a key on loopback (DNS rebinding: the page's own name,
// resolved to 127.0.0.1, lets it read the answers); a state-changing
// request whose Origin or Sec-Fetch-Site shows another site (CSRF); and a
// JSON route's body sent as something else, which a form or a no-CORS
// fetch can send without a preflight (415).
func (s *Server) sameSite(w http.ResponseWriter, r *http.Request, route string) bool {
	if s.guard.CheckHost(r) != nil {
		writeError(w, http.StatusMisdirectedRequest, "Host", fmt.Sprintf("Host %q refused: this API serves without a key, so only to loopback names (localhost, 127.0.0.1, [::1])", r.Host))
		return false
	}
	if err := s.guard.CheckOrigin(r); err != nil {
		writeError(w, http.StatusForbidden, "Origin", "cross-site request refused: the Origin or Sec-Fetch-Site header shows another site")
		return false
	}
	if jsonBodyRoutes[route] {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != jsonType {
			writeError(w, http.StatusUnsupportedMediaType, "Content-Type", fmt.Sprintf("Content-Type %q: want %s", r.Header.Get("Content-Type"), jsonType))
			return false
		}
	}
	return true
}

// unmatched turns the mux's plain-text 404, 405 and redirects into JSON
// answers with the same status and headers.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request, h http.Handler) {
	c := &captureWriter{header: http.Header{}}
	h.ServeHTTP(c, r)
	code := c.code
	if code == 0 {
		code = http.StatusNotFound
	}
	for _, k := range []string{"Allow", "Location"} {
		if v := c.header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	msg := fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)
	switch {
	case code == http.StatusMethodNotAllowed:
		msg = fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, c.header.Get("Allow"))
	case code >= 300 && code < 400:
		msg = "moved to " + c.header.Get("Location")
	}
	writeError(w, code, "", msg)
}

type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", jsonType)
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, field, msg string) {
	writeJSON(w, code, errorBody{Error: msg, Field: field})
}

func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))))
}

// statusWriter records the status and size of an answer for the metrics
// and the access log.
type statusWriter struct {
	http.ResponseWriter
	code int
	n    int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureWriter keeps only the status and headers of the mux's fallback
// handlers; their plain-text bodies are replaced.
type captureWriter struct {
	header http.Header
	code   int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return len(b), nil
}
