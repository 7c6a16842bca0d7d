package render

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	"github.com/masx-ai/masx/crawl/netguard"
)

// The Chromium binaries of Debian's packages. [ResolveChromiumPath] picks
// one for AutoChromium.
const (
	// AutoChromium (the default) is the headless shell when it is
	// installed, else the full browser.
	AutoChromium = "auto"
	// HeadlessShellPath is the binary of the chromium-headless-shell
	// package: Chromium's Blink and V8 without the browser's user
	// interface, made for automation. It renders the same pages for less
	// than half the CPU per page of the full browser in headless mode, whose
	// window, tab and compositor machinery runs even with no screen (see
	// the package documentation).
	HeadlessShellPath = "/usr/lib/chromium/chromium-headless-shell"
	// headlessShellWrapper is the package's script in /usr/bin; it runs
	// the binary without exec, so the pool starts the binary itself.
	headlessShellWrapper = "/usr/bin/chromium-headless-shell"
	// DefaultChromiumPath is the chromium package's browser.
	DefaultChromiumPath = "/usr/bin/chromium"
)

// ResolveChromiumPath returns the binary that path names: for "" or
// AutoChromium, HeadlessShellPath when it exists, else
// DefaultChromiumPath; for the headless shell's wrapper script, the binary
// it runs; any other path unchanged.
func ResolveChromiumPath(path string) string {
	switch path {
	case "", AutoChromium:
		if _, err := os.Stat(HeadlessShellPath); err == nil {
			return HeadlessShellPath
		}
		return DefaultChromiumPath
	case headlessShellWrapper:
		return HeadlessShellPath
	}
	return path
}

// Defaults for the zero fields of [Config]. The first four are the seed's
// RENDER_* settings.
const (
	DefaultMaxPages       = 5
	DefaultQueueMax       = 100
	DefaultTimeout        = 30 * time.Second
	DefaultIdleWindow     = 500 * time.Millisecond
	DefaultStableWindow   = 1500 * time.Millisecond
	DefaultCleanupTimeout = 30 * time.Second
	DefaultMaxHTMLBytes   = 10 << 20
	// DefaultMaxLoadBytes bounds everything one visit loads, decoded:
	// the document, scripts, styles, XHR. Article pages load 1–5 MB; a
	// compression bomb (261 KB of gzip inflating to 256 MiB drove a
	// renderer to 4.39 GB) is stopped near the bound instead.
	DefaultMaxLoadBytes = 32 << 20
	// DefaultJSHeapMB caps each renderer's V8 heap (--max-old-space-size):
	// a page script that allocates without end runs out of heap instead of
	// taking the machine's memory.
	DefaultJSHeapMB = 512
	// DefaultRendererMB is the resident memory past which a renderer is
	// killed: article pages keep a renderer at 200–235 MB over 100 visits,
	// and five pages of 1 GB each still fit a small machine.
	DefaultRendererMB       = 1024
	DefaultMaxVisitsPerPage = 100
)

// Config configures a [Pool]. Zero fields take the defaults named on each.
type Config struct {
	// ChromiumPath is the Chromium binary (MASX_CHROMIUM_PATH), resolved by
	// [ResolveChromiumPath]. Default AutoChromium: Debian's headless shell
	// when installed, else Debian's chromium. It is never downloaded.
	ChromiumPath string
	// MaxPages is how many pages render at once (RENDER_MAX_PAGES). Default 5.
	MaxPages int
	// QueueMax is how many Render calls may wait for a page
	// (RENDER_QUEUE_MAX); past it Render fails at once with [ErrQueueFull].
	// Default 100.
	QueueMax int
	// Timeout is the hard deadline of one visit (RENDER_TIMEOUT_S): creating
	// the page, navigating, waiting, evaluating scripts and reading the
	// content. It starts when the request gets a page, not while it waits
	// in the queue (the caller's ctx bounds that). Default 30s.
	Timeout time.Duration
	// IdleWindow is how long the page must have no request in flight for
	// the wait after DOMContentLoaded to end. Default 500ms.
	IdleWindow time.Duration
	// StableWindow ends the wait when the network never goes idle (long
	// polls, beacons) but the DOM has not changed for this long. The DOM is
	// sampled from the end of the first IdleWindow on, so such a page waits
	// at least IdleWindow + StableWindow. Default 1.5s.
	StableWindow time.Duration
	// CleanupTimeout bounds closing one page and its browser context, which
	// runs on every path, after the caller's ctx is cancelled too, on a
	// goroutine of the pool. A cleanup that fails or times out on a live
	// browser gets the browser replaced. Default 30s.
	CleanupTimeout time.Duration
	// MaxVisitsPerPage is how many successful visits one page — a tab in a
	// browser context of its own — serves before it is disposed of and a
	// fresh one takes its place. Between visits the page is cleared
	// (about:blank, then the context's cookies and cache and the storage of
	// the origins it loaded); after any error or timeout, or a visit that
	// opened a window, it is disposed of at once. Reuse
	// saves Chromium a new renderer process and protocol session per visit,
	// most of a visit's CPU; a fresh page costs about 0.8 CPU-seconds, so
	// at 20 visits it was still 40 ms of every visit's ~300, at 100 it is 8.
	// The bound keeps whatever a long-lived renderer accumulates in check;
	// over 100 visits a renderer's resident memory stays flat (200–235 MB
	// on the bench pages). 1 gives every visit a fresh page. Default 100.
	MaxVisitsPerPage int
	// MaxHTMLBytes is the largest serialized page accepted
	// (MASX_MAX_PAGE_BYTES); larger pages fail with [ErrTooLarge].
	// Default 10 MiB.
	MaxHTMLBytes int
	// MaxLoadBytes bounds what one visit may load, counted decoded (after
	// decompression) as Chromium reports it: the main document over
	// MaxHTMLBytes, or everything together over MaxLoadBytes, ends the
	// visit with [ErrTooLarge] and the page is thrown away. Default 32 MiB.
	MaxLoadBytes int
	// JSHeapMB caps every renderer's JavaScript heap, in MiB. Default 512.
	JSHeapMB int
	// RendererMB is the memory ceiling of one renderer: while pages
	// render, renderers are sampled from /proc, and one whose resident
	// memory passes RendererMB MiB is killed; its visit ends with
	// [ErrTooLarge]. This bounds what a page's parser and layout can take,
	// which the byte budget alone does not (a 10 MiB document of one text
	// node took a renderer to 1.3 GB). Default 1024.
	RendererMB int
	// UserAgent replaces Chromium's User-Agent header (MASX_USER_AGENT).
	// Default: Chromium's own.
	UserAgent string
	// LoadResources lets images, media and fonts load. Default false:
	// Blink is told not to request images at all, and media and fonts are
	// failed by request interception, which saves most of a page's bytes
	// and changes nothing in its text.
	LoadResources bool
	// AllowPrivate lets pages reach loopback, private and link-local
	// addresses (MASX_ALLOW_PRIVATE), never the cloud metadata addresses.
	// Default false. Ignored when Guard is set.
	AllowPrivate bool
	// Guard decides which addresses the browser may reach; every request the
	// page makes is checked against it. Default: a netguard.Guard with
	// AllowPrivate, which refuses loopback, private, link-local and metadata
	// addresses.
	Guard *netguard.Guard
	// Robots, when set, is asked about every document the browser loads
	// (the page and each redirect hop, main frame and frames); an error
	// refuses the request, as the guard does, and the visit ends blocked
	// with that error. masx passes the fetcher's CheckRobots, so robots.txt
	// holds for every method. Default nil: no robots.txt check.
	Robots func(ctx context.Context, u *url.URL) error
	// Sandbox says whether Chromium runs in its sandbox
	// (MASX_CHROMIUM_SANDBOX): SandboxAuto, SandboxOn or SandboxOff. Pages
	// run their own scripts; without the sandbox an exploit of the
	// renderer runs as masx's user. [SandboxMode] tells what a Config
	// gets, and why. Default SandboxAuto: the sandbox whenever it can work
	// (not root, user namespaces available).
	Sandbox string
	// Logger receives the pool's diagnostics. Default: discarded.
	Logger *slog.Logger

	// extraArgs are added to Chromium's command line (tests: --log-net-log).
	extraArgs map[string]string
	// sandboxFacts replaces what SandboxMode reads of the machine (tests).
	sandboxFacts func() sandboxFacts
}

func (c Config) withDefaults() (Config, error) {
	c.ChromiumPath = ResolveChromiumPath(c.ChromiumPath)
	set := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	set(&c.MaxPages, DefaultMaxPages)
	set(&c.QueueMax, DefaultQueueMax)
	set(&c.MaxHTMLBytes, DefaultMaxHTMLBytes)
	set(&c.MaxLoadBytes, max(DefaultMaxLoadBytes, c.MaxHTMLBytes))
	set(&c.JSHeapMB, DefaultJSHeapMB)
	set(&c.RendererMB, DefaultRendererMB)
	set(&c.MaxVisitsPerPage, DefaultMaxVisitsPerPage)
	setD(&c.Timeout, DefaultTimeout)
	setD(&c.IdleWindow, DefaultIdleWindow)
	setD(&c.StableWindow, DefaultStableWindow)
	setD(&c.CleanupTimeout, DefaultCleanupTimeout)
	if c.Sandbox == "" {
		c.Sandbox = SandboxAuto
	}
	if c.Guard == nil {
		c.Guard = &netguard.Guard{AllowPrivate: c.AllowPrivate}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for _, f := range []struct {
		name  string
		value any
		bad   bool
		want  string
	}{
		{"MaxPages", c.MaxPages, c.MaxPages < 1, "≥ 1"},
		{"QueueMax", c.QueueMax, c.QueueMax < 0, "≥ 0"},
		{"MaxHTMLBytes", c.MaxHTMLBytes, c.MaxHTMLBytes < 1, "≥ 1"},
		{"MaxLoadBytes", c.MaxLoadBytes, c.MaxLoadBytes < c.MaxHTMLBytes, "≥ MaxHTMLBytes"},
		{"JSHeapMB", c.JSHeapMB, c.JSHeapMB < 16, "≥ 16"},
		{"RendererMB", c.RendererMB, c.RendererMB < 64, "≥ 64"},
		{"MaxVisitsPerPage", c.MaxVisitsPerPage, c.MaxVisitsPerPage < 1, "≥ 1"},
		{"Timeout", c.Timeout, c.Timeout < 0, "> 0"},
		{"IdleWindow", c.IdleWindow, c.IdleWindow < 0, "> 0"},
		{"StableWindow", c.StableWindow, c.StableWindow < 0, "> 0"},
		{"CleanupTimeout", c.CleanupTimeout, c.CleanupTimeout < 0, "> 0"},
		{"Sandbox", c.Sandbox, c.Sandbox != SandboxAuto && c.Sandbox != SandboxOn && c.Sandbox != SandboxOff, SandboxAuto + ", " + SandboxOn + " or " + SandboxOff},
	} {
		if f.bad {
			return c, fmt.Errorf("render: Config.%s = %v: want %s", f.name, f.value, f.want)
		}
	}
	return c, nil
}
