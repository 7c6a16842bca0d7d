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
//     wraps netguard.ErrBlocked.
//
// Chromium runs from Debian's package (MASX_CHROMIUM_PATH; never
// downloaded) with a fresh --user-data-dir under os.TempDir, removed by
// Stop, and with the switches for a closed network: no background
// networking, component updates, sync, QUIC or non-proxied WebRTC, and
// none of the speculative navigation (link metrics, prefetch, prerender)
// a crawler has no use for.
//
// # Cost
//
// Chromium's CPU, not waiting, bounds a pool on a small machine: on C
// cores it cannot render much more than C / (CPU-seconds per page) pages
// per second, whatever its width. These set that cost, measured with
// `masx bench render` (200 generated article pages of 147 KB on loopback)
// on the shared 2-core development machine, whose speed drifts by ±15%
// over minutes, so each comparison ran back to back, alternating, or side
// by side, and Chromium traces (--trace-startup=toplevel) gave the time
// of single threads:
//
//   - A page reused, cleared, instead of a fresh context and page per
//     visit: a fresh page (browser context, renderer process, protocol
//     session) costs about 0.8 CPU-seconds. Reuse for up to 20 visits
//     still left 40 ms of that in every visit; up to 100 leaves 8, and
//     took the pool from 283–345 to 240–283 ms per page in six
//     alternating runs. A renderer's memory stays flat over 100 visits.
//   - The binary. Debian ships the full browser (/usr/bin/chromium) and the
//     headless shell (package chromium-headless-shell), Chromium's own
//     automation build without the browser's windows, tab strip and user
//     interface compositor, which the full browser runs even headless (its
//     browser process composited and rasterized frames for every tab, and
//     in a pool it started 1.6 renderer processes per visit). Same Blink,
//     same V8, same pages: 345–507 ms of Chromium CPU per page against
//     816–859 ms, and a pool of 5 rendering 3.6–5.5 pages/s against
//     2.4–2.5. AutoChromium (the default) therefore takes the shell when
//     it is installed.
//   - Speculative navigation switched off (the navigation predictor's
//     metrics on every link, prefetch and prerender heuristics): 6–9%
//     less CPU per page in three paired runs (387 → 356, 317 → 289,
//     330 → 311 ms).
//   - RenderDocument off. Chromium now gives every navigation a new frame
//     in the renderer, so a reused page paid for a frame twice per visit
//     (the page and the about:blank that clears it). With the feature off,
//     a page visiting the same site again keeps its frame: 9–18% less
//     Chromium CPU per page in four side-by-side traced runs (273.6 →
//     250.2, 271.6 → 222.1 ms), and the pool went from 3.87–4.59× to
//     4.83–5.14× sequential.
//   - Work nobody reads. Clearing the HTTP cache between visits also
//     doomed every entry of three GPU shader caches on disk, 10–11 ms of
//     the browser's cache thread per visit, gone with
//     --disable-gpu-shader-disk-cache (there is no GPU). chromedp has
//     every page session discover all targets, so with five pages each
//     visit sent about ten Target.targetInfoChanged events through the
//     pipe; the pool turns that off, and the Log domain, and tells Blink
//     not to request images rather than refusing each at interception.
//   - What is left is Blink's own work on a 150 KB page: on the
//     renderer's main thread one full style, layout and paint of the page
//     (about 60 ms), parsing (30), two document commits (the page and the
//     about:blank that clears it) and serializing the page for the read
//     (15); raster, compositing and display across threads and the GPU
//     process; and the browser process, 50–60 ms, mostly carrying protocol
//     and IPC messages. Driving frames by hand
//     (HeadlessExperimental.beginFrame) would save about 15% more but
//     stops requestAnimationFrame and IntersectionObserver, which pages
//     use to put content in, and crashed the shell under load; a device
//     scale factor of 0.5 cut raster by a quarter but not the total, and
//     returning the page as base64 moved cost from the browser to the
//     renderer. Neither is used.
//
// A sequential visit is mostly waiting — navigation to DOMContentLoaded
// 50–100 ms, then Config.IdleWindow (500 ms) — which the pool hides:
// one at a time renders 1.50–1.59 pages/s, the pool of 5 7.49–7.96, 4.83–
// 5.14 times that (184–209 ms of Chromium CPU per page; the full browser:
// 3.33 times, 499 ms). The Go side costs about 20 ms of CPU per page.
// [Pool.BrowserCPU] reads Chromium's time from /proc.
package render
