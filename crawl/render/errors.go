package render

import (
	"errors"
	"fmt"
)

// Errors callers branch on. Every error from Render wraps the URL with
// "rendering <url>: …"; use errors.Is.
var (
	// ErrQueueFull: Config.MaxPages pages are rendering and Config.QueueMax
	// requests are already waiting. Returned at once; the API maps it to 429.
	ErrQueueFull = errors.New("render queue full")
	// ErrClosed: the pool was not started, or Stop has begun.
	ErrClosed = errors.New("render pool closed")
	// ErrTimeout: the visit passed its deadline (Config.Timeout). Errors
	// that wrap it also wrap context.DeadlineExceeded.
	ErrTimeout = errors.New("render deadline exceeded")
	// ErrBrowserLost: the browser process died or stopped answering during
	// the visit. The pool starts a new browser for the next request.
	ErrBrowserLost = errors.New("browser lost")
	// ErrTooLarge: the rendered HTML is larger than Config.MaxHTMLBytes.
	ErrTooLarge = errors.New("rendered page too large")
	// ErrInvalidURL: the URL does not parse or is not absolute http(s).
	ErrInvalidURL = errors.New("invalid URL")
	// ErrNoChromium: Start found no Chromium binary at Config.ChromiumPath.
	ErrNoChromium = errors.New("chromium binary not found")
)

// NavigationError is a page the browser could not load: DNS failure,
// refused connection, a request blocked by the guard (which also wraps
// netguard.ErrBlocked), and so on. Reason is Chromium's net error text.
type NavigationError struct {
	// URL is the page requested, or, when the page navigated itself
	// (script, meta refresh) and was left on Chromium's error page, the
	// URL it went to.
	URL    string
	Reason string // e.g. "net::ERR_CONNECTION_REFUSED"
	// Blocked is the guard's (or robots.txt's) refusal when the document,
	// a redirect hop or the page's own navigation was blocked, else nil.
	Blocked error
}

func (e *NavigationError) Error() string {
	if e.Blocked != nil {
		return fmt.Sprintf("loading %s: %s: %v", e.URL, e.Reason, e.Blocked)
	}
	return fmt.Sprintf("loading %s: %s", e.URL, e.Reason)
}

// Unwrap exposes the guard's refusal, so errors.Is(err, netguard.ErrBlocked)
// holds for blocked navigations.
func (e *NavigationError) Unwrap() error { return e.Blocked }
