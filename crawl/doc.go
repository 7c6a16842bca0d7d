// Package crawl turns a URL into an article: the seed's RenderClient. It
// fetches the page over plain HTTP (package fetch) or renders it in headless
// Chromium (package render), extracts the article (package extract), and
// chains the methods in order: [MethodAuto], the ETL's default, tries HTTP
// first and goes on to the browser when the fetch fails or the article has
// fewer than Config.MinTextChars characters (MASX_MIN_TEXT_CHARS, 1000) —
// pages that build their article with scripts.
//
// Every [Result] says which method resolved the page (ResolvedBy) and why
// the methods before it failed (Errors); a page no method resolves comes
// back with a [*PageError] that wraps each method's error, so errors.Is
// finds netguard.ErrBlocked, [ErrShortText], render.ErrTimeout and the
// rest. Falling back is skipped when it cannot help: an address the SSRF
// guard refuses, a malformed URL, robots.txt, a 404 or 410, or the caller's
// cancellation.
//
// The browser pool starts on the first page that needs it, so a run whose
// pages all come over HTTP never launches Chromium. [RenderClient.Metrics]
// reports the seed's counters (total_renders, successful_renders,
// failed_renders, success_rate, active_pages, queue_depth,
// avg_render_time_ms, renders_per_second) overall and per method, and
// Config.Registerer gets the same as Prometheus collectors.
//
// # Cost
//
// A page over HTTP costs well under a millisecond of CPU, a browser visit a
// sizeable fraction of a CPU-second and over half a second of wall time,
// which is why the browser is the fallback and not the first try. The
// figures, with their commands and dates, are in docs/performance.md.
package crawl
