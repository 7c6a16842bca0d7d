package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/store"
)

// Defaults of Config's zero fields.
const (
	// DefaultSessionTTL is how long a login lasts: a working day.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultPageSize is how many articles one page lists.
	DefaultPageSize = 100
	// DefaultRunsShown is how many runs the front page lists.
	DefaultRunsShown = 30
	// DefaultRefresh is how often a live page asks for fresh numbers.
	DefaultRefresh = 2 * time.Second
	// DefaultMaxUploadBytes bounds an uploaded input file, as the API
	// bounds a request body (api.DefaultMaxBodyBytes).
	DefaultMaxUploadBytes = api.DefaultMaxBodyBytes
)

// Config tunes a Dashboard. Zero fields take the documented defaults.
type Config struct {
	// SessionTTL is how long the cookie a login gives stays valid.
	// Default 12h.
	SessionTTL time.Duration
	// PageSize is how many articles a cluster page or a status group
	// lists per page. Default 100.
	PageSize int
	// RunsShown is how many runs, newest first, the front page lists.
	// Default 30.
	RunsShown int
	// Refresh is how often a page showing an unfinished run asks for
	// fresh numbers. Default 2s.
	Refresh time.Duration
	// MaxUploadBytes bounds the submit form's body, file included; set it
	// to the API's MaxBodyBytes. Default 1 MiB.
	MaxUploadBytes int64
}

func (c Config) withDefaults() (Config, error) {
	if c.SessionTTL < 0 || c.PageSize < 0 || c.RunsShown < 0 || c.Refresh < 0 || c.MaxUploadBytes < 0 {
		return c, fmt.Errorf("dashboard: Config has a negative value (SessionTTL=%s PageSize=%d RunsShown=%d Refresh=%s MaxUploadBytes=%d): want ≥ 0",
			c.SessionTTL, c.PageSize, c.RunsShown, c.Refresh, c.MaxUploadBytes)
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.RunsShown == 0 {
		c.RunsShown = DefaultRunsShown
	}
	if c.Refresh == 0 {
		c.Refresh = DefaultRefresh
	}
	if c.MaxUploadBytes == 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	return c, nil
}

// Deps are what a Dashboard works with.
type Deps struct {
	// Store is read for every page. Required.
	Store store.Store
	// Server is the API the dashboard is served beside: its Guard
	// decides who may look, its Submit queues the form's runs. Required.
	Server *api.Server
	// Logger receives errors the pages do not show. Default: discard.
	Logger *slog.Logger
}

// Dashboard is the web UI of `masx serve`: an http.Handler for the paths
// the API leaves free (api.Deps.UI).
type Dashboard struct {
	cfg   Config
	deps  Deps
	log   *slog.Logger
	guard *api.Guard
	t     *templates
	mux   *http.ServeMux
}

// New builds the dashboard. It fails on a bad Config or missing Deps.
func New(cfg Config, deps Deps) (*Dashboard, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if deps.Store == nil || deps.Server == nil {
		return nil, errors.New("dashboard: Deps.Store and Deps.Server are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	d := &Dashboard{cfg: c, deps: deps, log: deps.Logger, guard: deps.Server.Guard(), t: t, mux: http.NewServeMux()}
	d.mux.HandleFunc("GET /{$}", d.runsPage)
	d.mux.HandleFunc("GET /runs/{run}", d.runPage)
	d.mux.HandleFunc("GET /runs/{run}/flashpoints/{fp}", d.flashpointPage)
	d.mux.HandleFunc("GET /runs/{run}/flashpoints/{fp}/clusters/{cluster}", d.clusterPage)
	d.mux.HandleFunc("GET /runs/{run}/missing", d.missingPage)
	d.mux.HandleFunc("GET /submit", d.submitPage)
	d.mux.HandleFunc("POST /submit", d.submitPost)
	d.mux.HandleFunc("POST /logout", d.logout)
	return d, nil
}

// securityHeaders are sent with every answer. The policy allows only
// this server's own stylesheet and script: no inline script, so markup
// that escaped the templates still could not run.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "same-origin",
	"Cache-Control":          "no-store",
}

// ServeHTTP refuses foreign Hosts and cross-site writes as the API does,
// serves the stylesheet, script and login form to anyone who reaches it,
// and everything else only with a valid session when an API key is set.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if err := d.guard.CheckHost(r); err != nil {
		d.errorPage(w, r, http.StatusMisdirectedRequest, err.Error())
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err := d.guard.CheckOrigin(r); err != nil {
			d.errorPage(w, r, http.StatusForbidden, err.Error())
			return
		}
	}
	switch r.URL.Path {
	case "/static/style.css", "/static/live.js":
		serveStatic(w, r)
		return
	case "/login":
		d.login(w, r)
		return
	}
	sess, ok := d.session(r)
	if !ok {
		d.loginForm(w, r, http.StatusUnauthorized, "")
		return
	}
	d.mux.ServeHTTP(w, r.WithContext(withSession(r.Context(), sess)))
}

// errorPage answers code with a page saying msg.
func (d *Dashboard) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	d.render(w, r, code, "error", page{Title: http.StatusText(code), Body: msg})
}

// render executes the page template name into a buffer first, so a
// template error is a clean 500 rather than half a page.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	if p.CSRF == "" {
		p.CSRF = d.csrfToken(r)
	}
	p.Keyed = d.guard.Keyed()
	var b bytes.Buffer
	if err := d.t.execute(&b, name, p); err != nil {
		d.log.Error("dashboard: rendering", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error; the server log has the cause", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// page is what every page template gets.
type page struct {
	Title  string
	Crumbs []crumb
	// CSRF is the token mutating forms carry; Keyed shows the log-out
	// button.
	CSRF  string
	Keyed bool
	// Live: the page shows an unfinished run, so its script refreshes it
	// every Refresh milliseconds.
	Live    bool
	Refresh int64
	// Report: a self-contained file (inline CSS, in-page links).
	Report bool
	CSS    template.CSS
	Body   any
}

type crumb struct{ Name, Href string }
