// Package postgres is the PostgreSQL store, for several workers sharing one
// database (masx worker --db postgres://…), through a pgx connection pool.
// It keeps the same logical tables as the SQLite driver in PostgreSQL types
// (JSONB lists and timings, BYTEA embeddings, TIMESTAMPTZ times) and passes
// the same conformance suite.
//
// # Migrations
//
// migrations/NNNN_name.sql files are embedded. Open applies the ones not
// recorded in masx_schema_migrations, in order, in one transaction that
// first takes a transaction-scoped advisory lock: workers starting at once
// against a new database migrate one after the other (without the lock two
// CREATE TABLE IF NOT EXISTS can still collide in the catalog), and
// reopening applies nothing. A database recording a version this binary
// does not know is refused (migrate.ErrNewerSchema). Tables go to the first
// schema of the search_path; to keep them apart from other tables, add
// ?search_path=masx,public to the URL after CREATE SCHEMA masx.
//
// Articles are unique by (run, flashpoint, md5(url)) rather than the URL
// itself: a B-tree entry holds at most about 2.7 KB and feed URLs can be
// longer.
//
// # Writing batches
//
// PutArticles is one transaction. A batch of at least CopyRows (100)
// articles is streamed by COPY into a temporary table and moved into
// articles by one INSERT … SELECT … ON CONFLICT; smaller batches are
// pipelined upserts, BatchRows (500) per round trip. Measured side by side
// (BenchmarkPutArticles, articles of ≈ 11.5 KB: a 768-dimensional embedding
// and four 2 KB texts; a shared 2-core VM at load 8-11, server on the same
// machine, fsync off):
//
//	batch   path       articles/s    client CPU   server CPU   allocated
//	                                 ms per 1,000 articles     per article
//	10,000  COPY       4,900-5,300       21-26        138-142      5.9 KB
//	10,000  pipelined  2,300-3,700       68-87        130-145       90 KB
//	   200  COPY       3,500-5,300      93-100        144-190      7.4 KB
//	   200  pipelined  3,100-3,500     200-217        125-130       90 KB
//	    20  COPY             2,100         580           340        21 KB
//	    20  pipelined        2,550         630           175        83 KB
//	     1  COPY               150-185   9,500        3,700-5,550
//	     1  pipelined          400-530   8,900-10,600   400-450
//
// Pipelined upserts build the whole round trip's messages in one growing
// buffer, which is where their 90 KB per article goes; COPY streams in
// small buffers. The temporary table costs 3-5 ms of server time per
// call, so small batches skip it. Rerun with:
//
//	go test -run '^$' -bench 'PutArticles/^n=10000$/' -benchtime 3x ./store/postgres/
//
// # MASX compatibility
//
// WriteMASXClusters and ReadMASXFlashpoints read and write the original
// system's daily tables (flash_point_YYYYMMDD, feed_entries_YYYYMMDD,
// news_clusters_YYYYMMDD) so masx can stand in for the Python ETL against
// the same database. Their table names are built only from a time.Time
// formatted as YYYYMMDD and a fixed prefix, checked against a pattern and
// quoted with pgx.Identifier; every value is a query parameter. The
// clusters table is created, when missing, with the original's exact DDL
// (MASXClustersDDL) under an advisory lock, so the day's first workers do
// not collide; the original's row-level-security policies (a Supabase
// detail) are not added.
//
// Tests run against a real server: see package pgtest.
package postgres
