// Package render visits pages in headless Chromium: the fallback for
// articles that plain HTTP (package fetch) cannot see because a script puts
// them on the page. A browser is the most expensive and the most exposed
// part of masx, so the pool is built around three promises.
//
// # Bounded
//
// Config.MaxPages pages render at once (RENDER_MAX_PAGES, default 5) and
// Config.QueueMax calls may wait for one (RENDER_QUEUE_MAX, 100); past that
// Render fails at once with [ErrQueueFull]. Each visit — creating the page,
// navigating, waiting, running scripts, reading the DOM — has one hard
// deadline, Config.Timeout (RENDER_TIMEOUT_S), and fails with [ErrTimeout]
// when it passes. Waiting ends at DOMContentLoaded plus either
// Config.IdleWindow with no request in flight or, for pages that never stop
// talking (long polls, beacons), Config.StableWindow without a DOM change.
//
// # Leak-free
//
// Every page is a tab in its own browser context (its own cookies and
// storage). A page serves up to Config.MaxVisitsPerPage visits (default
// 100), one at a time, and between two visits it is cleared: it goes to
// about:blank (the back-forward cache is off, so the old document is gone),
// then the context's cookies and HTTP cache and the storage of every origin
// whose document the visit loaded (local and session storage, IndexedDB,
// Cache API, service workers) are cleared. A page is never reused after a
// visit that failed, timed out or was cancelled, that opened a window, or
// whose context holds any other target; it is disposed of at once. What
// survives a reuse is the history length and the renderer process of the
// last site, which is the point: a new renderer costs more CPU than
// rendering the page. Idle pages (at most Config.MaxPages; see
// [Pool.IdlePages]) wait for the next visit, preferably to the same site.
//
// A page's context is disposed of on every path that ends it: error,
// timeout, caller cancellation, its visit limit; disposing of the context
// also closes popups the page opened. Creating, clearing and disposing run
// on goroutines the browser instance owns, so a caller that leaves
// mid-command never orphans a page the browser creates a moment later: the
// goroutine finishes the job and keeps the page slot until the page is gone
// or idle again. A browser that fails to close a page is replaced. A
// browser that crashes or is killed is replaced on the next Render; the old
// one's processes are killed and its profile directory removed.
// [Pool.OpenPages] and [Pool.RendererProcesses] let monitoring (and the
// tests) check that nothing is left.
//
// # Guarded
//
// Pages come from the open web and run their own scripts, so everything a
// page asks for is checked against the SSRF guard (package netguard):
//
//   - Request interception (the Fetch domain, enabled on the browser's own
//     session so it also sees workers, service workers and out-of-process
//     iframes) resolves each request's host and fails refused ones with
//     BlockedByClient before anything is sent. Media and fonts are failed
//     the same way unless Config.LoadResources is set; images are then not
//     even requested (--blink-settings=imagesEnabled=false), which spares
//     the round trip per image.
//   - An egress proxy on loopback carries every connection the browser
//     makes (--proxy-server with loopback included) and checks the guard
//     again at dial time, on the address it actually dials. It catches what
//     interception cannot see — speculative preconnects Chromium opens when
//     a navigation starts, WebSocket handshakes — and closes the
//     DNS-rebinding gap between our lookup and the browser's. The test suite
//     reads Chromium's own net log to check that every socket it opened went
//     to the proxy.
//   - The top-level URL is checked before a page is taken; a redirect to a
//     refused address fails the navigation with a [*NavigationError] that
//     wraps netguard.ErrBlocked, and so does a page that sends itself
//     there (a script, a meta refresh) and is left on Chromium's error
//     page: the error names the refused URL.
//
// Chromium runs from Debian's package (MASX_CHROMIUM_PATH; never
// downloaded), in its sandbox wherever that can work (Config.Sandbox,
// [SandboxMode]: not as root, and only with user namespaces), with the
// switches for a closed network: no background networking, component
// updates, sync, QUIC or non-proxied WebRTC, and none of the speculative
// navigation (link metrics, prefetch, prerender) a crawler has no use for.
// Its --user-data-dir is a fresh folder under os.TempDir, removed by Stop.
// The folder's name records the owning process, and Start removes the
// folders of processes that died without Stop (killed with SIGKILL, say).
//
// # Cost
//
// Chromium's CPU, not waiting, bounds a pool on a small machine, so the
// pool reuses cleared pages, prefers the headless shell ([AutoChromium]) and
// switches off every Chromium feature a crawler does not read.
// [Pool.BrowserCPU] reads Chromium's CPU time from /proc. What each choice
// saves, with the commands and dates of the measurements, is in
// docs/performance.md.
package render
