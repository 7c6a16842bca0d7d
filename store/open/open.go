// Package open turns a database URL into a store, choosing the driver by
// scheme. It lives apart from package store so the interface package
// imports no driver, and the drivers (which import store) cause no cycle.
//
// Accepted forms:
//
//	sqlite:///abs/path/masx.db   SQLite, absolute path
//	sqlite://relative/masx.db    SQLite, relative to the working folder
//	/abs/masx.db, data/masx.db   SQLite, a bare file path
//	postgres://…, postgresql://… PostgreSQL (any URL pgx accepts)
//
// SQLite paths are taken literally (no %-decoding), matching how the
// settings build the default sqlite://<data dir>/masx.db. Anything else,
// including an unknown scheme, query parameters on a SQLite URL or a
// libpq "key=value" string, is store.ErrBadURL with a message naming the
// value (its password removed) and the forms above.
package open

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/sqlite"
)

// Kind names a driver.
type Kind string

// Drivers.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// Target is a parsed database URL.
type Target struct {
	Kind Kind
	// Path is the SQLite file, as given (relative or absolute).
	Path string
	// URL is the PostgreSQL URL, unchanged.
	URL string
}

// String shows the target without a password.
func (t Target) String() string {
	if t.Kind == SQLite {
		return "sqlite:" + t.Path
	}
	return Redact(t.URL)
}

const forms = "want sqlite:///abs/path.db, sqlite://relative/path.db, a file path, or postgres://…"

var (
	keywordDSN = regexp.MustCompile(`^[a-z_]+\s*=`)
	dsnPass    = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)
)

// Parse reads a database URL.
func Parse(raw string) (Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Target{}, fmt.Errorf("empty database URL; %s: %w", forms, store.ErrBadURL)
	}
	scheme, _, hasScheme := strings.Cut(s, "://")
	lower := strings.ToLower(scheme)
	switch {
	case strings.HasPrefix(strings.ToLower(s), "sqlite:"):
		p := s[len("sqlite:"):]
		p = strings.TrimPrefix(p, "//")
		switch {
		case p == "":
			return Target{}, fmt.Errorf("database URL %q has no file path; %s: %w", raw, forms, store.ErrBadURL)
		case strings.ContainsAny(p, "?#"):
			return Target{}, fmt.Errorf("database URL %q has query parameters or a fragment, which the SQLite store does not take (it sets its own pragmas); for a file name holding '?' or '#' give a bare path: %w", raw, store.ErrBadURL)
		}
		return Target{Kind: SQLite, Path: p}, nil
	case hasScheme && (lower == "postgres" || lower == "postgresql"):
		return Target{Kind: Postgres, URL: s}, nil
	case hasScheme:
		return Target{}, fmt.Errorf("database URL %q has unknown scheme %q; %s: %w", Redact(s), scheme, forms, store.ErrBadURL)
	case keywordDSN.MatchString(s):
		return Target{}, fmt.Errorf("database URL %q looks like a libpq key=value string; give it as postgres://user@host/db instead: %w", Redact(s), store.ErrBadURL)
	}
	return Target{Kind: SQLite, Path: s}, nil
}

// Open parses raw and opens the store it names with the driver's default
// configuration, migrating the schema. The caller closes it.
func Open(ctx context.Context, raw string) (store.Store, error) {
	t, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	switch t.Kind {
	case Postgres:
		return postgres.Open(ctx, t.URL, nil)
	default:
		return sqlite.Open(ctx, t.Path, nil)
	}
}

// Redact returns a URL with its password replaced by "xxxxx"; text that
// does not parse as a URL is cut to its scheme, and a key=value string
// loses its password value.
func Redact(raw string) string {
	if keywordDSN.MatchString(raw) && !strings.Contains(raw, "://") {
		return dsnPass.ReplaceAllString(raw, "${1}xxxxx")
	}
	u, err := url.Parse(raw)
	if err != nil {
		if scheme, _, ok := strings.Cut(raw, "://"); ok {
			return scheme + "://…"
		}
		return "…"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
