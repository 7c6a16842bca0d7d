// Package dashboard is the web UI of `masx serve` and the self-contained
// HTML report of `masx results --format html` and `masx demo`: the same
// html/template pages, server-rendered, readable with JavaScript off.
//
// Pages (served at the paths the API leaves free, see api.Deps.UI):
//
//	/                                          runs, newest first, live
//	/runs/{run}                                a run: flashpoints, states, counts, live while unfinished
//	/runs/{run}/flashpoints/{fp}               stories (clusters) largest first, a map and a timeline
//	/runs/{run}/flashpoints/{fp}/clusters/{c}  one cluster's articles, paginated
//	/runs/{run}/missing[?flashpoint=&status=]  articles that did not make it, by status, with reasons
//	/submit                                    a run from an uploaded file or a MASX date
//	/login, /logout                            the API key for a session cookie
//
// # Live pages
//
// A page that shows unfinished work carries data-live on <main>; the one
// embedded script (static/live.js, 30 lines) fetches the same URL every
// Config.Refresh and swaps <main> in. Short polling rather than
// server-sent events: it goes through the API's request deadline and any
// proxy unchanged, and a page costs a few indexed queries.
//
// # Security
//
// Article titles, summaries, URLs and reasons are hostile input: the
// templates escape them by context (a javascript: link becomes
// "#ZgotmplZ"), and every answer carries a Content-Security-Policy that
// allows only this server's own stylesheet and script, so markup that
// got through still could not run. Access follows the API's Guard: on a
// keyless loopback server a foreign Host is refused (DNS rebinding);
// with MASX_API_KEY the login form exchanges the key for a cookie
// (HttpOnly, SameSite=Strict, signed with a key derived from the API key,
// expiring after Config.SessionTTL); mutating forms carry a CSRF token
// bound to the session, and a foreign Origin or Sec-Fetch-Site is
// refused. The submit form goes through api.Server.Submit: the API's
// validation, size cap and job-queue bound.
//
// # Charts
//
// The map and the timeline are SVG written by the templates, not by a
// charting library. github.com/go-analyze/charts (the maintained Go
// library with SVG output) was considered: it renders a whole chart to
// one SVG string, so points cannot be links to their articles nor carry
// a title (the article and its cluster number) for screen readers and
// tooltips, and its output would bypass html/template's escaping of the
// hostile titles. Both charts are a few dozen lines of template here.
//
// # The map's coordinates
//
// The store keeps each clustered article's vector (news.Article.Embedding,
// written when the clustering assigns it), so the map is computed when the
// page is rendered, not stored: the ok articles' vectors are projected on
// their top two principal axes (block power iteration over an even sample
// of at most 500 vectors, then every vector projected; deterministic, signs
// fixed). This needs no migration and stays right if the clustering policy
// changes. Rendering a flashpoint of 5,000 articles with 384-dimensional
// vectors takes about 75 ms (BenchmarkFlashpointRender5000; the whole
// request over SQLite, reading included, about 200 ms; see
// docs/performance.md).
//
// The report (Report) is the same pages in one file: the stylesheet
// inlined, links between sections as in-page anchors, no script.
package dashboard
