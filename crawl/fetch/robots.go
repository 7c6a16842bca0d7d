package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/cenkalti/backoff/v5"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// robots.txt handling follows RFC 9309. It is written here rather than taken
// from a module: the one maintained-looking Go parser (temoto/robotstxt) has
// had no release since 2021, and the rules that matter fit in a page
// (groups, Allow/Disallow, "*" and "$", longest match wins, Allow wins ties).
// Crawl-delay and Sitemap lines are ignored; MASX_HOST_DELAY_MS governs
// pacing.

const (
	robotsMaxBytes   = 512 << 10 // RFC 9309: parse at least 500 KiB
	robotsMaxRules   = 2000      // per agent, after merging groups
	robotsMaxPattern = 1024      // longer patterns are ignored
)

type robotsRule struct {
	allow   bool
	pattern string
}

// robotsRules are the rules that apply to one product token. A nil
// *robotsRules allows everything.
type robotsRules struct {
	rules []robotsRule
}

type robotsGroup struct {
	agents []string
	rules  []robotsRule
}

// parseRobots returns the rules for agent (a product token such as "masx"):
// the merged groups naming it, else the merged "*" groups, else none.
func parseRobots(body []byte, agent string) *robotsRules {
	if len(body) > robotsMaxBytes {
		body = body[:robotsMaxBytes]
	}
	var groups []*robotsGroup
	var cur *robotsGroup
	lastWasAgent := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), robotsMaxBytes)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if !lastWasAgent || cur == nil {
				cur = &robotsGroup{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, productToken(value))
			lastWasAgent = true
		case "allow", "disallow":
			lastWasAgent = false
			if cur == nil || value == "" || len(value) > robotsMaxPattern {
				continue // rules before any user-agent belong to no group
			}
			cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: value})
		default:
			// Sitemap, Crawl-delay and unknown keys neither start nor end a
			// group's user-agent list in practice; RFC 9309 lets us ignore
			// them.
		}
	}
	agent = strings.ToLower(agent)
	pick := func(match func(string) bool) *robotsRules {
		var out *robotsRules
		for _, g := range groups {
			for _, a := range g.agents {
				if match(a) {
					if out == nil {
						out = &robotsRules{}
					}
					out.rules = append(out.rules, g.rules...)
					break
				}
			}
		}
		if out != nil && len(out.rules) > robotsMaxRules {
			out.rules = out.rules[:robotsMaxRules]
		}
		return out
	}
	if r := pick(func(a string) bool { return a == agent }); r != nil {
		return r
	}
	if r := pick(func(a string) bool { return a == "*" }); r != nil {
		return r
	}
	return nil
}

// allowed reports whether path (escaped path plus "?query") may be fetched.
func (r *robotsRules) allowed(path string) bool {
	if r == nil || path == "/robots.txt" {
		return true
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if len(rule.pattern) < best || !robotsMatch(rule.pattern, path) {
			continue
		}
		if len(rule.pattern) > best || rule.allow {
			best, allow = len(rule.pattern), rule.allow
		}
	}
	return allow
}

// robotsMatch matches a robots.txt path pattern: a prefix match where "*"
// stands for any run of characters and a final "$" anchors the end.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	if !strings.Contains(pattern, "*") {
		if anchored {
			return path == pattern
		}
		return strings.HasPrefix(path, pattern)
	}
	if !anchored {
		pattern += "*"
	}
	// Greedy matching with backtracking to the last star: linear for the
	// patterns robots files contain, O(len(pattern)·len(path)) at worst.
	p, s, starP, starS := 0, 0, -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			starP, starS = p, s
			p++
		case p < len(pattern) && pattern[p] == path[s]:
			p++
			s++
		case starP >= 0:
			starS++
			p, s = starP+1, starS
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// robotsCache holds each origin's rules for a TTL and makes concurrent
// fetches for one origin share a single robots.txt request.
type robotsCache struct {
	ttl, errTTL time.Duration

	mu      sync.Mutex
	entries map[string]*robotsEntry
	sweepAt int
}

type robotsEntry struct {
	ready chan struct{} // closed once the fields below are set
	// rules is nil when everything is allowed.
	rules *robotsRules
	// unreachable, when set, disallows everything (RFC 9309 §2.3.1.4).
	unreachable string
	expires     time.Time
	failed      bool // the load did not finish (caller cancelled); ask again
}

func newRobotsCache(ttl, errTTL time.Duration) *robotsCache {
	return &robotsCache{ttl: ttl, errTTL: errTTL, entries: map[string]*robotsEntry{}, sweepAt: minSweep}
}

// robotsResult is what loading one robots.txt produced.
type robotsResult struct {
	rules       *robotsRules
	unreachable string // non-empty: server or network error, disallow all
}

// get returns origin's entry, loading it with load when it is missing or
// expired. Only one caller loads; the others wait for it or for ctx. A load
// that fails with an error (the caller's context ended, the guard refused)
// is not cached.
func (c *robotsCache) get(ctx context.Context, origin string, load func(context.Context) (robotsResult, error)) (*robotsEntry, error) {
	for {
		c.mu.Lock()
		e := c.entries[origin]
		if e != nil {
			select {
			case <-e.ready:
				if time.Now().After(e.expires) {
					delete(c.entries, origin)
					e = nil
				}
			default:
			}
		}
		if e != nil {
			c.mu.Unlock()
			select {
			case <-e.ready:
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
			if e.failed {
				continue
			}
			return e, nil
		}
		c.sweepLocked()
		e = &robotsEntry{ready: make(chan struct{})}
		c.entries[origin] = e
		c.mu.Unlock()

		res, err := load(ctx)
		c.mu.Lock()
		if err != nil {
			e.failed = true
			delete(c.entries, origin)
		} else {
			e.rules, e.unreachable = res.rules, res.unreachable
			ttl := c.ttl
			if res.unreachable != "" {
				ttl = c.errTTL
			}
			e.expires = time.Now().Add(ttl)
		}
		close(e.ready)
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

func (c *robotsCache) sweepLocked() {
	if len(c.entries) < c.sweepAt {
		return
	}
	now := time.Now()
	for k, e := range c.entries {
		select {
		case <-e.ready:
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		default:
		}
	}
	c.sweepAt = max(minSweep, 2*len(c.entries))
}

// productToken is the robots.txt name of a User-Agent: its first word, up to
// "/" ("masx/0.1 (+…)" → "masx").
func productToken(ua string) string {
	ua = strings.TrimSpace(ua)
	if i := strings.IndexAny(ua, "/ \t"); i >= 0 {
		ua = ua[:i]
	}
	return strings.ToLower(ua)
}

// CheckRobots refuses u, with an error wrapping ErrRobotsDisallowed, when
// its origin's robots.txt disallows it for the fetcher's User-Agent, or
// could not be read; it always allows u when Config.IgnoreRobots is set.
// The browser asks it for every document it loads, so robots.txt holds for
// every method, redirects included.
func (f *Fetcher) CheckRobots(ctx context.Context, u *url.URL) error {
	if f.cfg.IgnoreRobots {
		return nil
	}
	return f.checkRobots(ctx, u)
}

// Admit readies a request to rawURL made by something other than Fetch (a
// browser rendering the page): it checks the guard and robots.txt, then
// waits for the host's turn under Config.HostConcurrency and
// Config.HostDelay, as Fetch does for its own requests. Call release when
// the request is done.
func (f *Fetcher) Admit(ctx context.Context, rawURL string) (release func(), err error) {
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
	if err := f.CheckRobots(ctx, u); err != nil {
		return nil, err
	}
	return f.hosts.acquire(ctx, u.Host)
}

// checkRobots refuses u when its origin's robots.txt disallows it for our
// product token, or could not be read because of a server or network error.
func (f *Fetcher) checkRobots(ctx context.Context, u *url.URL) error {
	origin := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	e, err := f.robots.get(ctx, origin, func(ctx context.Context) (robotsResult, error) {
		return f.loadRobots(ctx, u)
	})
	if err != nil {
		return err
	}
	if e.unreachable != "" {
		return fmt.Errorf("%w: %s/robots.txt is unreachable (%s); assuming disallowed for now (RFC 9309)", ErrRobotsUnavailable, origin, e.unreachable)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !e.rules.allowed(path) {
		return fmt.Errorf("%w: %s for user-agent %q", ErrRobotsDisallowed, path, f.agent)
	}
	return nil
}

// loadRobots reads the robots.txt of u's origin, retrying an unreachable
// one as Fetch retries a page (Config.Retries, with the same backoff): one
// failed request must not keep a host's articles out.
func (f *Fetcher) loadRobots(ctx context.Context, u *url.URL) (robotsResult, error) {
	var res robotsResult
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		var err error
		if res, err = f.loadRobotsOnce(ctx, u); err != nil {
			return struct{}{}, backoff.Permanent(err)
		}
		if res.unreachable != "" {
			return struct{}{}, errRobotsUnreachable
		}
		return struct{}{}, nil
	}, backoff.WithBackOff(f.backoff()), backoff.WithMaxTries(uint(f.cfg.Retries+1)))
	if err != nil && !errors.Is(err, errRobotsUnreachable) {
		return robotsResult{}, err // the context ended or the guard refused
	}
	return res, nil // rules, or still unreachable after the retries
}

// errRobotsUnreachable makes backoff.Retry try an unreachable robots.txt
// again; it never leaves loadRobots.
var errRobotsUnreachable = errors.New("robots.txt unreachable")

// loadRobotsOnce fetches and parses the robots.txt of u's origin, following
// up to five redirects. 4xx means no rules; 5xx and network errors mean
// unreachable. Errors are returned only when nothing should be cached: the
// context ended or the guard refused.
func (f *Fetcher) loadRobotsOnce(ctx context.Context, u *url.URL) (robotsResult, error) {
	f.stats.robotsFetches.Add(1)
	cur := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	for hop := 0; hop <= 5; hop++ {
		if err := f.cfg.Guard.CheckURL(cur); err != nil {
			return robotsResult{}, err
		}
		resp, release, err := f.do(ctx, cur)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrBlocked) {
				return robotsResult{}, err
			}
			return robotsResult{unreachable: err.Error()}, nil
		}
		if loc, ok := redirectTarget(resp); ok {
			drain(resp.Body)
			release()
			next, err := cur.Parse(loc)
			if err != nil {
				return robotsResult{}, nil // an unusable redirect: as if there were none
			}
			cur = next
			continue
		}
		res, err := f.readRobots(resp)
		release()
		if err != nil && ctx.Err() != nil {
			return robotsResult{}, context.Cause(ctx)
		}
		return res, nil
	}
	return robotsResult{}, nil // RFC 9309: after five redirects, as if none
}

func (f *Fetcher) readRobots(resp *http.Response) (robotsResult, error) {
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		body, err := readBodyLimit(resp, robotsMaxBytes, true)
		if err != nil {
			return robotsResult{unreachable: err.Error()}, err
		}
		return robotsResult{rules: parseRobots(body, f.agent)}, nil
	case resp.StatusCode >= 400 && resp.StatusCode <= 499:
		drain(resp.Body)
		return robotsResult{}, nil
	default:
		drain(resp.Body)
		return robotsResult{unreachable: "HTTP " + resp.Status}, nil
	}
}
