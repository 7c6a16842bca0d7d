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
// Every page gets its own browser context (its own cookies and storage),
// and the context is disposed of on every path: success, error, timeout and
// caller cancellation; disposing of the context also closes popups the page
// opened. Creating and disposing run on goroutines the browser instance
// owns, so a caller that leaves mid-command never orphans a page the
// browser creates a moment later: the goroutine finishes the job and keeps
// the page slot until the page is gone. A browser that fails to close a page
// is replaced. A browser that crashes or is killed is replaced on the next
// Render; the old one's processes are killed and its profile directory
// removed. [Pool.OpenPages] and [Pool.RendererProcesses] let monitoring (and
// the tests) check that nothing is left.
//
// # Guarded
//
// Pages come from the open web and run their own scripts, so everything a
// page asks for is checked against the SSRF guard (package netguard):
//
//   - Request interception (the Fetch domain, enabled on the browser's own
//     session so it also sees workers, service workers and out-of-process
//     iframes) resolves each request's host and fails refused ones with
//     BlockedByClient before anything is sent. Images, media and fonts are
//     failed the same way unless Config.LoadResources is set.
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
//     wraps netguard.ErrBlocked.
//
// Chromium runs from Debian's package (MASX_CHROMIUM_PATH; never
// downloaded) with a fresh --user-data-dir under os.TempDir, removed by
// Stop, and with the switches for a closed network: no background
// networking, component updates, sync, QUIC or non-proxied WebRTC.
//
// # Cost
//
// A visit pays for a fresh browser context and page — Chromium starts a new
// renderer process for it — plus the page's own loading and at least
// Config.IdleWindow of waiting; the caller gets its result before the page
// is disposed of (the slot stays taken until it is). On the shared 2-core
// development machine under a load average of 12 (other builds running), a
// 2 KB article page took: page and context 0.13–0.47 s, attaching the
// protocol session 0.6–2.2 s (the new renderer starting), navigation to
// DOMContentLoaded 0.1–0.3 s, the idle wait 0.5–0.7 s, reading the DOM
// 10 ms, disposal 0.25 s. The Go side costs about 30 ms of CPU per page;
// Chromium, over all its processes, about 0.7 CPU-seconds per page
// (`masx bench render`, 200 pages of 147 KB: browser_cpu_ms_per_page 705,
// of which some 0.5 s is the fixed cost of the new context and renderer:
// a 2 KB page costs 0.68 s). So on C cores a pool cannot render much more
// than C / 0.7 pages per second, whatever its width: the pool buys
// latency hiding (most of a visit is waiting), which is worth up to about
// 4× on an idle 2-core machine and nothing on a saturated one. Measured
// here under load averages of 6 → 28 (other engineers' builds), pool and
// sequential rendering both ran at about 0.5 pages/s.
package render
