package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/masx-ai/masx/crawl/charset"
	"github.com/masx-ai/masx/crawl/netguard"
)

// Errors callers branch on. Each is wrapped with the URL and detail.
var (
	// ErrBadURL: the URL does not parse or is not absolute.
	ErrBadURL = errors.New("bad URL")
	// ErrBlocked: the SSRF guard refused the URL or an address it resolved
	// to (the same value as netguard.ErrBlocked).
	ErrBlocked = netguard.ErrBlocked
	// ErrTooLarge: the body, decompressed, exceeds Config.MaxBytes.
	ErrTooLarge = errors.New("page too large")
	// ErrTooManyRedirects: more than Config.MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrContentType: the response is not HTML, XHTML or XML.
	ErrContentType = errors.New("unsupported content type")
	// ErrContentEncoding: a Content-Encoding we did not ask for, or a body
	// that does not decode.
	ErrContentEncoding = errors.New("unsupported or corrupt content encoding")
	// ErrRobotsDisallowed: robots.txt forbids the URL.
	ErrRobotsDisallowed = errors.New("disallowed by robots.txt")
	// ErrRobotsUnavailable: robots.txt could not be read, after retries,
	// because of a server (5xx) or network error. RFC 9309 says to assume
	// the site disallowed for now: the failure is temporary, and the URL
	// is worth trying again later, unlike ErrRobotsDisallowed.
	ErrRobotsUnavailable = errors.New("robots.txt unavailable for now")
	// ErrTimeout: Config.Timeout passed. It wraps
	// context.DeadlineExceeded.
	ErrTimeout = fmt.Errorf("fetch deadline exceeded: %w", context.DeadlineExceeded)
	// ErrClosed: Fetch after Close.
	ErrClosed = errors.New("fetcher closed")
)

// StatusError is a response with a status that is neither success nor a
// redirect. 429 and 5xx are retried before it is returned.
type StatusError struct {
	URL    string
	Code   int
	Status string // e.g. "404 Not Found"
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %s from %s", e.Status, e.URL)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (Retry-After %v)", e.RetryAfter)
	}
	return s
}

// Temporary reports whether the status is one Fetch retries (429, 5xx).
func (e *StatusError) Temporary() bool { return e.Code == http.StatusTooManyRequests || e.Code >= 500 }

// Page is a fetched document.
type Page struct {
	// URL is the URL asked for; FinalURL the one that answered, after
	// redirects.
	URL, FinalURL string
	Status        int
	// ContentType is the media type without parameters, e.g. "text/html".
	ContentType string
	// Charset is the encoding the page came in (WHATWG name) and
	// CharsetSource how it was found; HTML is always UTF-8.
	Charset       string
	CharsetSource charset.Source
	// HTML is the body converted to UTF-8. Its own <meta charset> is left as
	// the server sent it: parse it as UTF-8.
	HTML   []byte
	Header http.Header
	// Attempts counts requests for the page, retries included, redirect
	// hops and robots.txt not.
	Attempts int
	// Redirects counts the redirects followed.
	Redirects int
	Duration  time.Duration
}

// Fetcher fetches pages over plain HTTP with an SSRF guard, size and time
// limits, retries and per-host politeness. It is safe for concurrent use and
// starts no goroutines of its own (the transport's connection goroutines end
// at Close).
type Fetcher struct {
	cfg       Config
	transport *http.Transport
	client    *http.Client
	hosts     *hostGates
	robots    *robotsCache
	agent     string
	closed    atomic.Bool
	stats     counters
}

// New builds a Fetcher. A Config error names the field.
func New(cfg Config) (*Fetcher, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	guard := cfg.Guard
	t := &http.Transport{
		// Proxy stays nil: a proxy would be dialled instead of the target
		// and the guard would check the wrong address.
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return guard.DialContextWith(ctx, dialer, network, addr)
		},
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: cfg.TLSHandshakeTimeout,
		ForceAttemptHTTP2:   true,
		// We ask for gzip and deflate ourselves and decode them, so the
		// size cap counts decompressed bytes.
		DisableCompression:     true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    cfg.HostConcurrency,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 256 << 10,
	}
	f := &Fetcher{
		cfg:       cfg,
		transport: t,
		client: &http.Client{
			Transport: t,
			// Redirects are followed by Fetch itself, so each hop gets the
			// guard's URL check, robots.txt and the host's turn.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		hosts:  newHostGates(cfg.HostConcurrency, cfg.HostDelay),
		robots: newRobotsCache(cfg.RobotsTTL, cfg.RobotsErrorTTL),
		agent:  productToken(cfg.UserAgent),
	}
	return f, nil
}

// Config returns the effective configuration, defaults filled in.
func (f *Fetcher) Config() Config { return f.cfg }

// Guard returns the SSRF guard every connection goes through.
func (f *Fetcher) Guard() *netguard.Guard { return f.cfg.Guard }

// Close closes idle connections; fetches in flight finish normally, later
// ones fail with ErrClosed.
func (f *Fetcher) Close() {
	f.closed.Store(true)
	f.transport.CloseIdleConnections()
}

// Fetch gets rawURL, following redirects, and returns the page as UTF-8.
// It retries network errors, 429 and 5xx with exponential backoff, honouring
// Retry-After, all within Config.Timeout. Errors wrap the sentinels above, a
// *StatusError, or the context's cause.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Page, error) {
	start := time.Now()
	f.stats.fetches.Add(1)
	p, err := f.fetch(ctx, rawURL, start)
	if err != nil {
		f.stats.failed.Add(1)
		switch {
		case errors.Is(err, ErrBlocked):
			f.stats.blocked.Add(1)
		case errors.Is(err, ErrRobotsDisallowed):
			f.stats.robotsDisallowed.Add(1)
		}
		return nil, fmt.Errorf("fetching %s: %w", rawURL, err)
	}
	f.stats.succeeded.Add(1)
	f.stats.bytes.Add(int64(len(p.HTML)))
	return p, nil
}

func (f *Fetcher) fetch(ctx context.Context, rawURL string, start time.Time) (*Page, error) {
	if f.closed.Load() {
		return nil, ErrClosed
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if err := f.cfg.Guard.CheckURL(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.cfg.Timeout, ErrTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()

	attempts := 0
	var lastErr error
	op := func() (*Page, error) {
		attempts++
		f.stats.attempts.Add(1)
		if attempts > 1 {
			f.stats.retries.Add(1)
		}
		p, err := f.attempt(ctx, u)
		if err == nil {
			return p, nil
		}
		if ctx.Err() != nil {
			// Whatever the attempt saw (a cut connection, a body read
			// error), the reason is the deadline or the caller.
			return nil, backoff.Permanent(context.Cause(ctx))
		}
		lastErr = err
		if !retryable(err) {
			return nil, backoff.Permanent(err)
		}
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			return nil, retryAfterError{err: err, after: se.RetryAfter}
		}
		return nil, err
	}
	p, err := backoff.Retry(ctx, op,
		backoff.WithBackOff(f.backoff()),
		backoff.WithMaxTries(uint(f.cfg.Retries+1)),
		// A wait that would end past the deadline is not started: the last
		// error is returned at once instead of a timeout later.
		backoff.WithMaxElapsedTime(time.Until(deadline)),
	)
	if err != nil {
		var ra retryAfterError
		if errors.As(err, &ra) {
			err = ra.err
		}
		if cause := context.Cause(ctx); cause != nil && lastErr != nil && errors.Is(err, cause) {
			err = fmt.Errorf("%w (last error: %v)", cause, lastErr)
		}
		if attempts > 1 {
			err = fmt.Errorf("after %d attempts: %w", attempts, err)
		}
		return nil, err
	}
	p.URL = rawURL
	p.Attempts = attempts
	p.Duration = time.Since(start)
	return p, nil
}

// backoff is the wait between two attempts at a page or a robots.txt.
func (f *Fetcher) backoff() *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     f.cfg.BackoffBase,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         f.cfg.BackoffMax,
	}
}

// retryAfterError carries a server's Retry-After to backoff.Retry, which
// waits exactly that long instead of its computed interval.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e retryAfterError) Error() string { return e.err.Error() }
func (e retryAfterError) Unwrap() []error {
	return []error{e.err, &backoff.RetryAfterError{Duration: e.after}}
}

// attempt makes one try at u, following redirects.
func (f *Fetcher) attempt(ctx context.Context, u *url.URL) (*Page, error) {
	cur := u
	for hop := 0; ; hop++ {
		if hop > 0 {
			if err := f.cfg.Guard.CheckURL(cur); err != nil {
				return nil, err
			}
		}
		if !f.cfg.IgnoreRobots {
			if err := f.checkRobots(ctx, cur); err != nil {
				return nil, err
			}
		}
		resp, release, err := f.do(ctx, cur)
		if err != nil {
			return nil, err
		}
		if loc, ok := redirectTarget(resp); ok {
			drain(resp.Body)
			release()
			next, err := cur.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("%w: redirect from %s to %q: %v", ErrBadURL, cur, loc, err)
			}
			next.Fragment, next.RawFragment = "", ""
			if hop >= f.cfg.MaxRedirects {
				return nil, fmt.Errorf("%w: more than %d, the last to %s", ErrTooManyRedirects, f.cfg.MaxRedirects, next)
			}
			f.stats.redirects.Add(1)
			cur = next
			continue
		}
		p, err := f.readPage(resp, cur)
		release()
		if p != nil {
			p.Redirects = hop
		}
		return p, err
	}
}

// do sends one GET to u in the host's turn. The caller closes the body and
// then calls release.
func (f *Fetcher) do(ctx context.Context, u *url.URL) (*http.Response, func(), error) {
	release, err := f.hosts.acquire(ctx, u.Host)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	resp, err := f.client.Do(req)
	if err != nil {
		release()
		if cause := context.Cause(ctx); cause != nil {
			return nil, nil, cause
		}
		return nil, nil, unwrapURLError(err)
	}
	return resp, release, nil
}

// readPage turns a final (non-redirect) response into a Page or an error,
// closing the body.
func (f *Fetcher) readPage(resp *http.Response, u *url.URL) (*Page, error) {
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		drain(resp.Body)
		se := &StatusError{URL: u.String(), Code: resp.StatusCode, Status: resp.Status}
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			se.RetryAfter = d
		}
		if se.Status == "" {
			se.Status = strconv.Itoa(resp.StatusCode)
		}
		return nil, se
	}
	ct := resp.Header.Get("Content-Type")
	media, err := checkContentType(ct)
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp, f.cfg.MaxBytes)
	if err != nil {
		return nil, err
	}
	if media == "" { // no Content-Type: judge by the bytes
		if media, err = sniffContentType(body); err != nil {
			return nil, err
		}
	}
	out, enc, err := charset.ToUTF8(body, ct)
	if err != nil {
		return nil, err
	}
	return &Page{
		FinalURL:      u.String(),
		Status:        resp.StatusCode,
		ContentType:   media,
		Charset:       enc.Name,
		CharsetSource: enc.Source,
		HTML:          out,
		Header:        resp.Header,
	}, nil
}

func parseURL(raw string) (*url.URL, error) {
	const maxURL = 8 << 10
	if len(raw) > maxURL {
		return nil, fmt.Errorf("%w: %d bytes long, want at most %d", ErrBadURL, len(raw), maxURL)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if !u.IsAbs() || u.Host == "" && (u.Scheme == "http" || u.Scheme == "https") {
		return nil, fmt.Errorf("%w: %q: want an absolute http or https URL", ErrBadURL, raw)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func redirectTarget(resp *http.Response) (string, bool) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		loc := resp.Header.Get("Location")
		return loc, loc != ""
	}
	return "", false
}

// drain reads a little of a body we do not want, so the connection can be
// reused, without letting a hostile server keep us reading.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 8<<10))
	body.Close()
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, 86400)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryable says whether an attempt's error is worth another attempt:
// network failures and 429/5xx yes; refusals, limits and bad input no.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	for _, permanent := range []error{ErrBadURL, ErrBlocked, ErrTooLarge, ErrTooManyRedirects,
		ErrContentType, ErrContentEncoding, ErrRobotsDisallowed, ErrClosed, context.Canceled} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	return true
}

// unwrapURLError drops the *url.Error layer ("Get \"…\": …"), since Fetch
// already names the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
