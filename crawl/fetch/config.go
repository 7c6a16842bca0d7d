package fetch

import (
	"errors"
	"fmt"
	"time"

	"github.com/masx-ai/masx/crawl/netguard"
)

// Defaults for zero Config fields.
const (
	DefaultTimeout             = 30 * time.Second
	DefaultConnectTimeout      = 10 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
	DefaultMaxBytes            = 10 << 20
	DefaultMaxRedirects        = 10
	DefaultRetries             = 3
	DefaultBackoffBase         = 500 * time.Millisecond
	DefaultBackoffMax          = 10 * time.Second
	DefaultHostConcurrency     = 2
	DefaultHostDelay           = 250 * time.Millisecond
	DefaultRobotsTTL           = 24 * time.Hour
	DefaultRobotsErrorTTL      = time.Minute
	DefaultUserAgent           = "masx/0.1 (+https://github.com/masx-ai/masx)"
)

// Config tunes a [Fetcher]. Every zero field takes its default; fields where
// "none" is a useful value (no retries, no delay) take a negative number for
// it.
type Config struct {
	// Timeout bounds one Fetch call from start to finish: waiting for the
	// host's turn, robots.txt, every attempt, redirect and backoff wait, and
	// reading the body. Default 30s (RENDER_TIMEOUT_S).
	Timeout time.Duration
	// ConnectTimeout bounds one TCP connect. Default 10s.
	ConnectTimeout time.Duration
	// TLSHandshakeTimeout bounds one TLS handshake. Default 10s.
	TLSHandshakeTimeout time.Duration
	// MaxBytes is the largest body accepted, counted after decompression;
	// past it Fetch fails with ErrTooLarge. Default 10 MiB
	// (MASX_MAX_PAGE_BYTES).
	MaxBytes int64
	// MaxRedirects is how many redirects one fetch follows; one more fails
	// with ErrTooManyRedirects. Default 10; negative follows none.
	MaxRedirects int
	// Retries is how many times a failed attempt is repeated on network
	// errors, 429 and 5xx. Default 3 (RENDER_RETRIES); negative means none.
	Retries int
	// BackoffBase and BackoffMax shape the exponential backoff (factor 2,
	// ±50 % jitter) between retries. A Retry-After header replaces the
	// computed wait. Defaults 500ms and 10s.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// HostConcurrency caps requests in flight to one host (host:port), from
	// sending the request to reading the last body byte. Default 2
	// (MASX_HOST_CONCURRENCY).
	HostConcurrency int
	// HostDelay is the least time between the starts of two requests to one
	// host. Default 250ms (MASX_HOST_DELAY_MS); negative means none.
	HostDelay time.Duration
	// IgnoreRobots skips robots.txt. Default false: robots.txt is honoured
	// (MASX_RESPECT_ROBOTS).
	IgnoreRobots bool
	// RobotsTTL is how long a host's robots.txt is cached. Default 24h.
	RobotsTTL time.Duration
	// RobotsErrorTTL is how long an unreachable robots.txt (5xx, network
	// error) keeps a host disallowed before it is asked again. Default 1m.
	RobotsErrorTTL time.Duration
	// UserAgent is sent with every request; its first word (before "/") is
	// the product token matched against robots.txt groups. Default
	// "masx/0.1 (+https://github.com/masx-ai/masx)" (MASX_USER_AGENT).
	UserAgent string
	// AllowPrivate lets the fetcher reach loopback, private and link-local
	// addresses (MASX_ALLOW_PRIVATE). Default false. Ignored when Guard is
	// set.
	AllowPrivate bool
	// Guard replaces the SSRF guard built from AllowPrivate, e.g. to allow
	// one test server's address. Default nil.
	Guard *netguard.Guard
}

// withDefaults fills zero fields and validates; errors name the field.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("fetch: Config.%s = %v: want %s", field, v, want))
	}
	durations := []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"Timeout", &c.Timeout, DefaultTimeout},
		{"ConnectTimeout", &c.ConnectTimeout, DefaultConnectTimeout},
		{"TLSHandshakeTimeout", &c.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout},
		{"BackoffBase", &c.BackoffBase, DefaultBackoffBase},
		{"BackoffMax", &c.BackoffMax, DefaultBackoffMax},
		{"RobotsTTL", &c.RobotsTTL, DefaultRobotsTTL},
		{"RobotsErrorTTL", &c.RobotsErrorTTL, DefaultRobotsErrorTTL},
	}
	for _, d := range durations {
		switch {
		case *d.p == 0:
			*d.p = d.def
		case *d.p < 0:
			bad(d.name, *d.p, "a positive duration (0 means the default)")
		}
	}
	if c.BackoffMax < c.BackoffBase {
		bad("BackoffMax", c.BackoffMax, fmt.Sprintf("at least BackoffBase (%v)", c.BackoffBase))
	}
	switch {
	case c.MaxBytes == 0:
		c.MaxBytes = DefaultMaxBytes
	case c.MaxBytes < 0:
		bad("MaxBytes", c.MaxBytes, "a positive byte count (0 means 10 MiB)")
	}
	switch {
	case c.HostConcurrency == 0:
		c.HostConcurrency = DefaultHostConcurrency
	case c.HostConcurrency < 0:
		bad("HostConcurrency", c.HostConcurrency, "a positive number (0 means 2)")
	}
	switch {
	case c.MaxRedirects == 0:
		c.MaxRedirects = DefaultMaxRedirects
	case c.MaxRedirects < 0:
		c.MaxRedirects = 0
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	switch {
	case c.HostDelay == 0:
		c.HostDelay = DefaultHostDelay
	case c.HostDelay < 0:
		c.HostDelay = 0
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Guard == nil {
		c.Guard = &netguard.Guard{AllowPrivate: c.AllowPrivate}
	}
	return c, errors.Join(errs...)
}
