package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/internal/migrate"
	"github.com/masx-ai/masx/store/sqlite"
	"github.com/masx-ai/masx/store/storetest"
	"github.com/masx-ai/masx/store/storetest/smallfs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func openTemp(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openTemp)
}

func TestOpenCreatesFolderAndWAL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b c", "we?ird#%name.db")
	s, err := sqlite.Open(t.Context(), path, nil)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, path, s.Path())
	_, err = os.Stat(path)
	require.NoError(t, err, "database file created under its exact (escaped) name")

	var mode string
	require.NoError(t, s.WriterDB().QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, s.WriterDB().QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk))
	require.Equal(t, 1, fk)
}

func TestMigrationsIdempotent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := t.Context()
	for range 3 {
		s, err := sqlite.Open(ctx, path, nil)
		require.NoError(t, err)
		require.NoError(t, s.CreateRun(ctx, news.Run{ID: fmt.Sprint("r", len(mustRuns(t, s)))}))
		require.NoError(t, s.Close())
	}
	s, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, mustRuns(t, s), 3, "data survives reopening")
	var n, v int
	require.NoError(t, s.WriterDB().QueryRowContext(ctx, "SELECT count(*), max(version) FROM "+sqlite.MigrationsTable).Scan(&n, &v))
	require.Equal(t, migrationCount(t), n, "each migration recorded once")
	require.Equal(t, migrationCount(t), v)
}

// A file written by a binary that knew only 0001 upgrades in place when a
// newer one opens it: its runs are on attempt 1, its flashpoints unfinished,
// and job-mode tracking works on them.
func TestUpgradeFrom0001(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	init, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	require.NoError(t, err)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, q := range []string{
		`CREATE TABLE ` + sqlite.MigrationsTable + ` (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		string(init),
		`INSERT INTO ` + sqlite.MigrationsTable + ` VALUES (1, 'init', '2025-01-01T00:00:00.000000Z')`,
		`INSERT INTO runs (id, state, error, started_at, finished_at) VALUES
			('old-done', 'failed', 'crashed', '2025-01-01T00:00:00.000000Z', '2025-01-01T01:00:00.000000Z'),
			('old-live', 'running', '', '2025-01-02T00:00:00.000000Z', NULL)`,
		`INSERT INTO flashpoints (run_id, id, title, created_at, updated_at) VALUES
			('old-done', 'f1', 'one', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
			('old-live', 'f1', 'one', '2025-01-02T00:00:00.000000Z', '2025-01-02T00:00:00.000000Z'),
			('old-live', 'f2', 'two', '2025-01-02T00:00:00.000000Z', '2025-01-02T00:00:00.000000Z')`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	defer s.Close()
	var v int
	require.NoError(t, s.WriterDB().QueryRowContext(ctx, "SELECT max(version) FROM "+sqlite.MigrationsTable).Scan(&v))
	require.Equal(t, migrationCount(t), v, "upgraded to the last version")
	runs := mustRuns(t, s)
	require.Len(t, runs, 2)
	for _, r := range runs {
		require.Equal(t, 1, r.Attempt, "run %s", r.ID)
	}
	require.Equal(t, "crashed", runs[1].Error, "old data kept")
	fs, err := s.FlashpointStates(ctx, "old-live")
	require.NoError(t, err)
	require.Equal(t, []news.FlashpointState{{ID: "f1", State: news.RunRunning}, {ID: "f2", State: news.RunRunning}}, fs)
	n, err := s.UnfinishedFlashpoints(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n, "only the live run's flashpoints count")
	_, err = s.FinishFlashpoint(ctx, "old-live", "f1", news.RunCompleted, "")
	require.NoError(t, err)
	r, err := s.FinishFlashpoint(ctx, "old-live", "f2", news.RunCompleted, "")
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, r.State)
	r, err = s.ResumeRun(ctx, "old-done", news.RunQueued)
	require.NoError(t, err)
	require.Equal(t, 2, r.Attempt)
}

// The job-mode queries must be answered from the partial indexes of
// migration 0002, not by scanning every run or flashpoint ever stored.
func TestJobQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	s := openTemp(t).(*sqlite.Store)
	plan := func(q string, args ...any) string {
		rows, err := s.WriterDB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
		require.NoError(t, err)
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			lines = append(lines, detail)
		}
		require.NoError(t, rows.Err())
		return strings.Join(lines, "\n")
	}
	p := plan(sqlite.UnfinishedQuery)
	require.Contains(t, p, "COVERING INDEX runs_active", p)
	require.Contains(t, p, "COVERING INDEX flashpoints_unfinished", p)
	require.NotContains(t, p, "SCAN f", p)
	p = plan(sqlite.AnyUnfinished, "r")
	require.Contains(t, p, "flashpoints_unfinished", p)
}

func mustRuns(t *testing.T, s store.Store) []news.Run {
	t.Helper()
	rs, err := s.Runs(t.Context(), 0)
	require.NoError(t, err)
	return rs
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "n.db")
	s, err := sqlite.Open(t.Context(), path, nil)
	require.NoError(t, err)
	_, err = s.WriterDB().ExecContext(t.Context(), "INSERT INTO "+sqlite.MigrationsTable+" VALUES (99, 'future', 'x')")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = sqlite.Open(t.Context(), path, nil)
	require.ErrorIs(t, err, migrate.ErrNewerSchema)
	require.ErrorContains(t, err, "99")
}

// Two stores on one file stand for two processes (masx serve and a
// worker): each has its own writer, so they contend for SQLite's file lock.
// BEGIN IMMEDIATE plus busy_timeout must turn that into waiting, never
// SQLITE_BUSY.
func TestTwoWritersOneFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores [2]*sqlite.Store
	for i := range stores {
		s, err := sqlite.Open(ctx, path, nil)
		require.NoError(t, err)
		defer s.Close()
		stores[i] = s
	}
	require.NoError(t, stores[0].CreateRun(ctx, news.Run{ID: "r"}))
	var g errgroup.Group
	for w := range 6 {
		s := stores[w%2]
		g.Go(func() error {
			fp := fmt.Sprint("fp", w)
			if err := s.UpsertFlashpoints(ctx, "r", []news.Flashpoint{{ID: fp}}); err != nil {
				return err
			}
			for r := range 10 {
				batch := storetest.Articles("r", fp, 30, 8, 32)
				for i := range batch {
					batch[i].URL = fmt.Sprintf("https://x.example/%d/%d", r, i)
				}
				if err := s.PutArticles(ctx, batch); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	n, err := stores[1].CountByStatus(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, 6*10*30, n[news.StatusOK])
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		_, err := sqlite.Open(ctx, p, nil)
		require.ErrorIs(t, err, store.ErrInvalid, "path %q", p)
	}
	_, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), &sqlite.Config{Readers: -1})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorContains(t, err, "Readers")
	_, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), &sqlite.Config{BusyTimeout: -1})
	require.ErrorContains(t, err, "BusyTimeout")

	// A path under a regular file cannot be created.
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o600))
	_, err = sqlite.Open(ctx, filepath.Join(f, "x.db"), nil)
	require.Error(t, err)
	require.ErrorContains(t, err, f)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = sqlite.Open(cctx, filepath.Join(t.TempDir(), "x.db"), nil)
	require.ErrorIs(t, err, context.Canceled)
}

func TestReadersAreReadOnly(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ro.db"), &sqlite.Config{Readers: 1})
	require.NoError(t, err)
	defer s.Close()
	_, err = sqlite.ReaderDB(s).ExecContext(t.Context(), "DELETE FROM runs")
	require.ErrorContains(t, err, "readonly", "reader connections refuse writes (query_only)")
	var n int
	require.NoError(t, sqlite.ReaderDB(s).QueryRowContext(t.Context(), "SELECT count(*) FROM runs").Scan(&n))
}

// BenchmarkPutArticles10k writes 10,000-article batches (about 11.5 KB of
// text and embedding each) in one transaction per batch.
func BenchmarkPutArticles10k(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), nil)
	require.NoError(b, err)
	defer s.Close()
	storetest.BenchPutArticles(b, s, 10_000, nil)
}

// A write that fails for lack of disk space, on a real full filesystem,
// is store.ErrNoSpace and says ENOSPC (it was only "database or disk is
// full (13)", which a worker retried for minutes); nothing of it is
// written and what was committed reads back. The reserve it gives back
// lets the failure be recorded while new data is held back; once there is
// room again, new data goes through and the reserve is set aside again.
func TestFullDiskIsErrNoSpace(t *testing.T) {
	smallfs.Run(t, 1<<20, func(t *testing.T, dir string) {
		ctx := t.Context()
		path := filepath.Join(dir, "masx.db")
		s, err := sqlite.Open(ctx, path, &sqlite.Config{Reserve: 128 << 10})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		fi, err := os.Stat(path + "-reserve")
		require.NoError(t, err)
		require.Equal(t, int64(128<<10), fi.Size())

		committed, run, fp, err := storetest.FillUntilFull(t, s)
		require.ErrorIs(t, err, store.ErrNoSpace)
		require.ErrorContains(t, err, "no space left on device (ENOSPC)")
		require.ErrorContains(t, err, "database or disk is full")
		require.Positive(t, committed)
		n, err := s.CountByStatus(ctx, run)
		require.NoError(t, err)
		require.Equal(t, map[news.Status]int{news.StatusOK: committed}, n, "the failed batch wrote nothing")

		require.NoError(t, s.FinishRun(ctx, run, news.RunFailed, "disk full"), "the reserve makes room for the record")
		as := storetest.Articles(run, fp, 1, 16, 1<<10)
		err = s.PutArticles(ctx, as)
		require.ErrorIs(t, err, store.ErrNoSpace)
		require.ErrorContains(t, err, "new data waits", "new data is held back")

		smallfs.Grow(t, dir, 16<<20)
		require.Eventually(t, func() bool { return s.PutArticles(ctx, as) == nil }, 10*time.Second, 50*time.Millisecond,
			"room again: new data goes through")
		fi, err = os.Stat(path + "-reserve")
		require.NoError(t, err)
		require.Equal(t, int64(128<<10), fi.Size(), "the reserve is set aside again")
	})
}

// A database on a read-only file system used to fail with SQLite's bare
// "unable to open database file (14)"; the error now says read-only.
func TestReadOnlyDatabaseSaysReadOnly(t *testing.T) {
	smallfs.Run(t, 1<<20, func(t *testing.T, dir string) {
		ctx := t.Context()
		path := filepath.Join(dir, "masx.db")
		s, err := sqlite.Open(ctx, path, &sqlite.Config{Reserve: -1})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.NoError(t, syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""), "remounting the tmpfs read-only")
		_, err = sqlite.Open(ctx, path, &sqlite.Config{Reserve: -1})
		require.ErrorContains(t, err, "read-only file system")
		require.ErrorContains(t, err, path)
	})
}

// migrationCount is the number of migration files: the last version, since
// versions run 1, 2, 3… without gaps (migrate.Load checks).
func migrationCount(t *testing.T) int {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	return len(ms)
}
