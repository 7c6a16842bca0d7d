// Package store is where runs, flashpoints, articles and clusters are kept:
// the Store interface the pipeline, the job workers and the API share, its
// sentinel errors, and its query types. Drivers sit beside it and each owns
// its embedded, versioned migrations:
//
//   - store/sqlite: the embedded default (modernc.org/sqlite, pure Go), one
//     file, WAL, a single writer connection.
//   - store/postgres: PostgreSQL through a pgx pool, for scale-out workers,
//     plus the MASX daily-table compatibility methods.
//   - store/open: picks the driver from a URL (sqlite://…, a file path,
//     postgres://…). It is a separate package so this one imports no
//     driver.
//   - store/storetest: the conformance suite both drivers pass.
//
// This package imports nothing of masx but news; it never imports etl.
//
// # Behaviour every driver shares
//
// Each write method is one transaction. Articles are keyed by (run,
// flashpoint, URL): PutArticles is an idempotent upsert, and a stored
// terminal status is never replaced by pending or cancelled, so a rerun can
// rewrite a batch freely and ArticleStatuses tells it which articles are
// finished. Clusters are replaced per flashpoint. Inputs are checked before
// anything is written (ErrInvalid names the field); references to a run or
// flashpoint that is not stored are ErrNotFound. Text is stored as valid
// UTF-8 without NUL bytes in both databases (PostgreSQL rejects both), and
// times come back in UTC with microsecond precision. Embeddings are stored
// as little-endian float32 bytes, bit for bit.
//
// # Runs in job mode
//
// A run can be executed as one job per flashpoint, by several worker
// processes, and is finished when all its flashpoints are. The submitter
// creates the run queued (or resumes it queued, which adds one to its
// Attempt so jobs of the previous attempt can tell they are stale), stores
// its flashpoints (unfinished, except those a previous attempt completed),
// enqueues the jobs and calls SettleRun, which makes the run running. Each
// job ends with FinishFlashpoint, which finishes the run in the same
// transaction when it was the last flashpoint: completed, or failed naming
// the first flashpoint that did not complete. While the run is queued no
// job can finish it, however fast the jobs are; once it is running, SettleRun
// finishes it itself if the jobs all finished first. The run row is locked
// (PostgreSQL: SELECT … FOR NO KEY UPDATE; SQLite: BEGIN IMMEDIATE) so
// workers finishing the last flashpoints at once finish it exactly once.
// UnfinishedFlashpoints counts the work still ahead across live runs from
// two partial indexes. AdmitFlashpoints stores a batch of a run's
// flashpoints and makes the same count in one transaction, refusing the
// batch (ErrOverLimit) when it would pass a limit; admissions take turns
// across processes (SQLite's write lock, a PostgreSQL advisory lock), so
// the job queue's bound is exact under concurrent submissions.
// WithdrawRun deletes a run that never started, the undo of a refused
// submission. FinishRun still ends a run outright (the in-process path,
// or an operator's cancel) and is not overridden by later flashpoints.
//
// # A full disk
//
// A write that fails for lack of space is ErrNoSpace in both drivers
// (SQLite's SQLITE_FULL, PostgreSQL's SQLSTATE 53100), rolled back whole.
// The SQLite driver sets disk aside for that day (sqlite.Config.Reserve)
// and gives it back at the first such failure, so that recording what
// failed still goes through while new data waits for room.
//
// Cancelling the context aborts the call and rolls its transaction back:
// a cancelled PutArticles writes all of its batch or none of it, and the
// store stays usable.
//
// The drivers' write costs are measured in docs/performance.md.
package store
