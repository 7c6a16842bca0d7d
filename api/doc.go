// Package api is the HTTP API of `masx serve`. It accepts runs and hands
// them to the durable job queue (etl/jobs), and reads status and clusters
// back from the store alone, so any number of API processes and `masx
// worker` processes can share one database and answer for each other's
// runs.
//
// Routes (Go 1.22 ServeMux patterns):
//
//	POST /v1/runs                     submit a run: {"run_id"?, "date"?, "flashpoint_ids"?, "input"?}  → 202
//	GET  /v1/runs/{id}                the run's status: state, articles by status, flashpoints by state, progress
//	GET  /v1/runs/{id}/clusters       the run's clusters
//	GET  /v1/flashpoints/{id}/clusters?run=RUN   one flashpoint's clusters (default: the latest run)
//	POST /services/run?date=YYYY-MM-DD           the original's route: a run over that day's MASX tables
//	GET  /healthz                     liveness
//	GET  /readyz                      readiness: the store answers, Deps.Ready agrees, not draining
//	GET  /metrics                     Prometheus exposition of Deps.Gatherer
//
// A run takes its flashpoints from exactly one of "date" (the day's
// flash_point_YYYYMMDD and feed_entries_YYYYMMDD tables, on a PostgreSQL
// store; the run's clusters are then also written to
// news_clusters_YYYYMMDD) or "input" (the flashpoints-with-feeds JSON that
// `masx run --input` reads, inline). Both go through the input validator,
// so a bad feed is dropped and stored with its reason exactly as the CLI
// would, and the problems come back in "input_summary". A run_id that is
// already stored resumes that run, as `masx run --run-id` does.
//
// Every answer is JSON; errors are {"error": "...", "field": "..."} with the
// field at fault when there is one: 400 bad input, 401 missing or wrong
// key, 404, 405, 413 body over Config.MaxBodyBytes, 429 job queue full
// (with Retry-After), 503 draining, not ready or timed out.
//
// Security: with Config.APIKey set, every route but /healthz and /readyz
// needs it in X-API-Key or Authorization: Bearer. The key is compared as
// SHA-256 digests in constant time, so neither its content nor its length
// leaks through timing. Without a key the server refuses to listen
// anywhere but loopback unless Config.Insecure says the operator put
// something else in front of it.
package api
