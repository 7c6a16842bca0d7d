// Package sqlite is the embedded store: one SQLite file through
// modernc.org/sqlite (pure Go, no cgo), so `masx demo` and `masx run` need
// no database server.
//
// # Why WAL and a single writer
//
// SQLite allows one writer at a time per file. With the default rollback
// journal, readers and the writer also block each other, and two
// connections that both begin a deferred transaction, read, then try to
// write can deadlock; SQLite breaks that by failing one with SQLITE_BUSY at
// once, without waiting on busy_timeout. The store avoids every case:
//
//   - journal_mode=WAL: readers never block the writer nor it them;
//   - all writes go through one *sql.DB limited to one connection, so this
//     process's writers queue in Go (respecting their contexts) instead of
//     contending for the file lock;
//   - that connection begins every transaction IMMEDIATE (_txlock), taking
//     the write lock up front, so a second process writing the same file
//     (masx serve next to a worker) waits up to busy_timeout (10 s) rather
//     than meeting the deadlock case;
//   - reads go to a separate pool of query_only connections (4).
//
// synchronous=NORMAL is the usual WAL pairing: a commit survives a process
// crash; a power cut can lose the last commits but never corrupts the file,
// and a rerun redoes what was lost. Foreign keys are on, so an article
// cannot point at a flashpoint that is not stored. The file and its folder
// are created when missing; in-memory databases are refused because the
// reader and writer pools would each get their own.
//
// WriterDB hands out the writer pool so another component writing the same
// file from this process (River's riversqlite driver) can share it.
//
// # A full disk
//
// A write that meets a full disk fails with SQLITE_FULL ("database or disk
// is full"), which the store returns as store.ErrNoSpace. What is left
// then is rarely enough to record the failure: the WAL holds everything
// since the last checkpoint, and a checkpoint needs room to grow the
// database file. So the store sets aside Config.Reserve bytes (4 MiB) in
// <database>-reserve, allocated (fallocate, or written out), and removes
// that file at the first write that fails for lack of space. From then on
// writes of new data (articles, clusters, flashpoints) are refused with
// store.ErrNoSpace before they take any of it, inside the writer's
// transaction so none already queued slips through; writes that record
// how work went (runs, flashpoint states) and River's job updates use the
// room. The hold ends at the first write of new data that finds room for
// the reserve and as much again, once the reserve is set aside anew. A
// store opened on a disk too full for its reserve starts held. Processes
// sharing a file share its reserve file, but each holds its new data back
// only once one of its own writes has met the full disk.
//
// # Migrations
//
// migrations/NNNN_name.sql files are embedded. Open applies the ones not
// yet recorded in masx_schema_migrations, in order, in one IMMEDIATE
// transaction: two processes opening a new file at once migrate one after
// the other, and reopening applies nothing. A file recording a version this
// binary does not know is refused (migrate.ErrNewerSchema).
//
// # Cost
//
// A large PutArticles batch costs about as much CPU in the kernel, which
// copies each page twice (into the WAL, then at the checkpoint), as in the
// engine. Larger page sizes did not lower it, so SQLite's default page size
// stays. Under -race the engine (transpiled C with checkptr on) is much
// slower. BenchmarkPutArticles10k measures it; the figures are in
// docs/performance.md.
package sqlite
