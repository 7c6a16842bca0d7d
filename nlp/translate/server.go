package translate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ServerURL parses the base URL of a translation server, refusing what is
// not an absolute http(s) URL; backend and example name the server in the
// error ("apertium", "an APY server", "http://127.0.0.1:2737").
func ServerURL(raw, backend, server, example string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: URL %q: want an http(s) URL of %s, like %s", backend, raw, server, example)
	}
	return u, nil
}

// HTTPClient returns c, or a client with timeout (def when 0) when c is nil.
func HTTPClient(c *http.Client, timeout, def time.Duration) *http.Client {
	if c != nil {
		return c
	}
	if timeout == 0 {
		timeout = def
	}
	return &http.Client{Timeout: timeout}
}

// ServerCall is one JSON request to a translation server, as the server
// backends make them: the answer is capped, and statuses are sorted into
// the sentinels Chunked acts on. A 400 whose message Unsupported accepts
// matches ErrUnsupported; other 4xx answers but 408 and 429 match
// ErrRejected (never retried); 5xx, 408, 429 and transport errors are
// plain errors (retried).
type ServerCall struct {
	Client *http.Client
	Base   *url.URL
	// Server names the server's JSON in errors ("APY's", "LibreTranslate's").
	Server string
	// MaxResponse caps the answer's size in bytes.
	MaxResponse int
	// Message reads the server's error message out of an error body; ""
	// falls back to the body's first 200 bytes.
	Message func(body []byte) string
	// Unsupported reports whether a 400's message says the language pair
	// is missing.
	Unsupported func(msg string) bool
}

// Do sends method path with body (of contentType, when body is not nil) and
// decodes the JSON answer into v.
func (c ServerCall) Do(ctx context.Context, method, path string, body io.Reader, contentType string, v any) error {
	u := c.Base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.MaxResponse)+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, u.Path, err)
	}
	if len(b) > c.MaxResponse {
		return fmt.Errorf("%w: %s %s: answer over %d bytes", ErrRejected, method, u.Path, c.MaxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return c.statusError(method, u.Path, resp, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s %s: answer is not %s JSON: %v", ErrRejected, method, u.Path, c.Server, err)
	}
	return nil
}

func (c ServerCall) statusError(method, path string, resp *http.Response, b []byte) error {
	msg := c.Message(b)
	if msg == "" {
		msg = strings.TrimSpace(string(b[:min(len(b), 200)]))
	}
	err := fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	code := resp.StatusCode
	switch {
	case code == http.StatusBadRequest && c.Unsupported(msg):
		return fmt.Errorf("%w (%w)", ErrUnsupported, err)
	case code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusRequestTimeout:
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return err
}

// Listing caches a list a server publishes (its language pairs or
// languages) for TTL, so a run asks the server once, not once per article.
// The zero value is ready; it is safe for concurrent use.
type Listing[T any] struct {
	TTL time.Duration

	mu      sync.Mutex
	v       T
	fetched time.Time
	ok      bool
}

// Get returns the cached list while it is younger than TTL, else fetches
// it. Concurrent misses may fetch more than once; the last answer is kept.
func (l *Listing[T]) Get(ctx context.Context, fetch func(context.Context) (T, error)) (T, error) {
	l.mu.Lock()
	if l.ok && time.Since(l.fetched) < l.TTL {
		v := l.v
		l.mu.Unlock()
		return v, nil
	}
	l.mu.Unlock()
	v, err := fetch(ctx)
	if err != nil {
		return v, err
	}
	l.mu.Lock()
	l.v, l.fetched, l.ok = v, time.Now(), true
	l.mu.Unlock()
	return v, nil
}
