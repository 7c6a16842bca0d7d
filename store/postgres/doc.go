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
// pipelined upserts, BatchRows (500) per round trip. On large batches COPY
// takes a fraction of the client CPU and memory of pipelined upserts, which
// build each round trip's messages in one growing buffer, while its
// temporary table costs a few milliseconds of server time per call: hence
// the CopyRows threshold. BenchmarkPutArticles compares the two paths by
// batch size; the figures are in docs/performance.md.
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
