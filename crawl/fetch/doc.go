// Package fetch gets news pages over plain HTTP: the first and cheapest way
// masx tries for an article, before the browser in package render. Every URL
// comes from outside (feeds, GDELT rows, the redirects their servers choose),
// so the fetcher treats each response as hostile and each host as someone
// else's server:
//
//   - SSRF: every connection, redirect hops and robots.txt included, is
//     dialled through a [netguard.Guard] that checks the resolved address
//     just before connect (DNS-rebinding safe); the scheme and IP literals of
//     the URL and of every redirect target are checked before anything is
//     sent. MASX_ALLOW_PRIVATE lifts it for the demo and tests.
//   - Limits: Config.Timeout (RENDER_TIMEOUT_S) bounds the whole Fetch call,
//     retries and waits included; the body is capped at Config.MaxBytes
//     (MASX_MAX_PAGE_BYTES) after decompression, which the fetcher does
//     itself so a gzip bomb stops at the cap ([ErrTooLarge]); at most
//     Config.MaxRedirects hops ([ErrTooManyRedirects]); only HTML, XHTML and
//     XML ([ErrContentType]).
//   - Retries: network errors, 429 and 5xx are retried (RENDER_RETRIES) with
//     exponential backoff and jitter from cenkalti/backoff/v5; a Retry-After
//     header (seconds or HTTP date) replaces the computed wait, and a wait
//     that would end past the deadline is not started. Other 4xx come back
//     at once as a [*StatusError].
//   - Politeness: at most Config.HostConcurrency requests in flight per
//     host:port and Config.HostDelay between two request starts
//     (MASX_HOST_CONCURRENCY, MASX_HOST_DELAY_MS), enforced per redirect hop;
//     robots.txt honoured per RFC 9309 and cached per origin
//     ([ErrRobotsDisallowed]; a 4xx robots.txt allows everything, a 5xx or
//     network error disallows for RobotsErrorTTL).
//   - Encodings: the body is converted to UTF-8 by package charset (header,
//     then meta, then sniffing), so windows-1251, Shift_JIS and GBK pages
//     arrive readable.
//
// Redirects are followed by Fetch rather than by net/http, so that each hop
// goes through the guard's URL check, robots.txt and the host's turn.
//
// [Fetcher.Stats] returns counters (attempts, retries, refusals, bytes) for
// metrics and `masx doctor`.
//
// # Cost
//
// A fetch costs well under a millisecond of CPU (BenchmarkFetch,
// docs/performance.md): real fetches are bound by the network and the
// per-host politeness, never by the fetcher.
package fetch
