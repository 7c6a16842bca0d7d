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
// # Migrations
//
// migrations/NNNN_name.sql files are embedded. Open applies the ones not
// yet recorded in masx_schema_migrations, in order, in one IMMEDIATE
// transaction: two processes opening a new file at once migrate one after
// the other, and reopening applies nothing. A file recording a version this
// binary does not know is refused (migrate.ErrNewerSchema).
//
// # Measured cost
//
// BenchmarkPutArticles10k writes 10,000-article batches (768-dimensional
// embeddings, four 2 KB texts, ≈ 11.5 KB an article) in one transaction:
// 4,400-5,800 articles/s on a shared 2-core VM at load 8-11, and 103 ms of
// CPU per 1,000 articles with SQLite's own work included (so ≈ 9,700
// articles/s for a whole idle core); 7.5 KB allocated per article. About
// half of that CPU is the kernel copying pages: the WAL and then the
// checkpoint each write the batch once. Page sizes of 16 and 32 KB cost the
// same CPU as the default 4 KB in a side-by-side run, so the default stays.
// Under -race the engine (transpiled C, checkptr on) runs about ten times
// slower.
//
//	go test -run '^$' -bench PutArticles10k -benchtime 3x ./store/sqlite/
package sqlite
