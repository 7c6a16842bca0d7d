package postgres_test

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/internal/migrate"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/postgres/pgtest"
	"github.com/masx-ai/masx/store/storetest"
	"github.com/masx-ai/masx/store/storetest/smallfs"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openDB(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openDB(t, pgtest.Database(t)) })
}

// TestConformanceCopy sends every batch through the COPY path, which the
// default configuration uses only for large batches.
func TestConformanceCopy(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.Database(t), &postgres.Config{CopyRows: 1})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	}, storetest.Skip("LargeBatch")) // large batches take the COPY path in TestConformance already
}

func TestMigrationsConcurrentAndIdempotent(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	ctx := t.Context()
	var g errgroup.Group
	for range 6 {
		g.Go(func() error {
			s, err := postgres.Open(ctx, url, &postgres.Config{MaxConns: 2})
			if err != nil {
				return err
			}
			return s.Close()
		})
	}
	require.NoError(t, g.Wait(), "processes migrating one new database at once")
	s := openDB(t, url)
	var n, v int
	require.NoError(t, s.Pool().QueryRow(ctx, "SELECT count(*), max(version) FROM "+postgres.MigrationsTable).Scan(&n, &v))
	require.Equal(t, migrationCount(t), n, "each migration recorded once")
	require.Equal(t, migrationCount(t), v)

	_, err := s.Pool().Exec(ctx, "INSERT INTO "+postgres.MigrationsTable+" (version, name) VALUES (42, 'future')")
	require.NoError(t, err)
	_, err = postgres.Open(ctx, url, nil)
	require.ErrorIs(t, err, migrate.ErrNewerSchema)
}

// A database written by a binary that knew only 0001 upgrades in place when
// a newer one opens it: its runs are on attempt 1, its flashpoints
// unfinished, and job-mode tracking works on them.
func TestUpgradeFrom0001(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := pgtest.Database(t)
	init, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	for _, q := range []string{
		`CREATE TABLE ` + postgres.MigrationsTable + ` (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
		string(init),
		`INSERT INTO ` + postgres.MigrationsTable + ` (version, name) VALUES (1, 'init')`,
		`INSERT INTO runs (id, state, error, started_at, finished_at) VALUES
			('old-done', 'failed', 'crashed', '2025-01-01T00:00:00Z', '2025-01-01T01:00:00Z'),
			('old-live', 'running', '', '2025-01-02T00:00:00Z', NULL)`,
		`INSERT INTO flashpoints (run_id, id, title, created_at, updated_at) VALUES
			('old-done', 'f1', 'one', now(), now()), ('old-live', 'f1', 'one', now(), now()), ('old-live', 'f2', 'two', now(), now())`,
	} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, conn.Close(ctx))

	s := openDB(t, url)
	var v int
	require.NoError(t, s.Pool().QueryRow(ctx, "SELECT max(version) FROM "+postgres.MigrationsTable).Scan(&v))
	require.Equal(t, migrationCount(t), v, "upgraded to the last version")
	runs, err := s.Runs(ctx, 0)
	require.NoError(t, err)
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

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, err := postgres.Open(ctx, "postgres://host:notaport/db", nil)
	require.ErrorIs(t, err, store.ErrBadURL)
	_, err = postgres.Open(ctx, "postgres://localhost/db", &postgres.Config{BatchRows: -1})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorContains(t, err, "BatchRows")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = postgres.Open(cctx, pgtest.Database(t), nil)
	require.ErrorIs(t, err, context.Canceled)
}

// A URL longer than a B-tree entry may be (~2.7 KB) is still one key.
func TestLongURL(t *testing.T) {
	t.Parallel()
	s := openDB(t, pgtest.Database(t))
	ctx := t.Context()
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "r"}))
	require.NoError(t, s.UpsertFlashpoints(ctx, "r", []news.Flashpoint{{ID: "f"}}))
	long := "https://x.example/?q=" + strings.Repeat("é", 4000)
	a := news.Article{Feed: news.Feed{FlashpointID: "f", URL: long}, RunID: "r", Status: news.StatusOK}
	require.NoError(t, s.PutArticles(ctx, []news.Article{a, a}))
	require.NoError(t, s.PutArticles(ctx, []news.Article{a}))
	got, err := s.Articles(ctx, store.ArticleQuery{RunID: "r", URL: long})
	require.NoError(t, err)
	require.Len(t, got, 1)
}

var day = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

const (
	fpA = "6f1c1f1e-0000-4000-8000-00000000000a"
	fpB = "6f1c1f1e-0000-4000-8000-00000000000b"
)

// masxFixture creates the day's input tables the way the upstream system
// shapes them: UUID ids, entities as JSONB, domains as a text array (or
// JSON text), feeds with created_at. Flashpoint A gets n feeds.
func masxFixture(t *testing.T, s *postgres.Store, n int) {
	t.Helper()
	ctx := t.Context()
	_, err := s.Pool().Exec(ctx, `
		CREATE TABLE flash_point_20250301 (
			id UUID PRIMARY KEY, title TEXT, description TEXT, entities JSONB, domains TEXT[],
			run_id TEXT, created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now());
		CREATE TABLE feed_entries_20250301 (
			id UUID PRIMARY KEY DEFAULT gen_random_uuid(), flashpoint_id UUID NOT NULL,
			url TEXT NOT NULL, title TEXT NOT NULL, seendate TEXT, domain TEXT, language TEXT,
			sourcecountry TEXT, description TEXT, image TEXT,
			created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now());`)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `INSERT INTO flash_point_20250301 (id, title, description, entities, domains) VALUES
		($1, 'Strait of Hormuz', 'naval tension — تنگه هرمز', '["Iran", "US Navy", {"name": "IRGC"}]', ARRAY['security','energy']),
		($2, 'Sahel', NULL, '"[\"Mali\", \"Niger\"]"', NULL)`, fpA, fpB)
	require.NoError(t, err)
	base := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := range rows {
		domain := any(fmt.Sprintf("site%d.example", i%5))
		if i == 7 {
			domain = nil // derived from the URL on read
		}
		// Pairs of rows share a created_at: order falls back to id.
		rows[i] = []any{fpA, fmt.Sprintf("https://www.site%d.example/a/%04d", i%5, i), fmt.Sprintf("title %d", i),
			"20250301T060000Z", domain, "English", "Iran", "d", "https://img.example/x.jpg", base.Add(time.Duration(i/2) * time.Second)}
	}
	rows = append(rows, []any{fpB, "https://b.example/1", "b title", nil, "b.example", "French", "Mali", nil, nil, base})
	_, err = s.Pool().CopyFrom(ctx, pgx.Identifier{"feed_entries_20250301"},
		[]string{"flashpoint_id", "url", "title", "seendate", "domain", "language", "sourcecountry", "description", "image", "created_at"},
		pgx.CopyFromRows(rows))
	require.NoError(t, err)
}

func TestReadMASXFlashpoints(t *testing.T) {
	t.Parallel()
	s := openDB(t, pgtest.Database(t))
	ctx := t.Context()
	_, err := s.ReadMASXFlashpoints(ctx, day)
	require.ErrorIs(t, err, store.ErrNotFound, "no tables for the day yet")
	require.ErrorContains(t, err, "flash_point_20250301")

	const n = 2*postgres.MASXPageSize + 203 // three pages
	masxFixture(t, s, n)
	fps, err := s.ReadMASXFlashpoints(ctx, day)
	require.NoError(t, err)
	require.Len(t, fps, 2)
	a, b := fps[0], fps[1]
	require.Equal(t, fpA, a.ID)
	require.Equal(t, "Strait of Hormuz", a.Title)
	require.Equal(t, "naval tension — تنگه هرمز", a.Description)
	require.Equal(t, []string{"Iran", "US Navy", `{"name":"IRGC"}`}, a.Entities)
	require.Equal(t, []string{"security", "energy"}, a.Domains)
	require.Equal(t, fpB, b.ID)
	require.Empty(t, b.Description)
	require.Equal(t, []string{"Mali", "Niger"}, b.Entities, "JSON text holding an array")
	require.Nil(t, b.Domains)

	require.Len(t, a.Feeds, n, "every page read")
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("https://www.site%d.example/a/%04d", i%5, i))
	}
	var got []string
	for _, f := range a.Feeds {
		got = append(got, f.URL)
	}
	// Rows sharing a created_at come in id order, which is random here; compare
	// per second.
	for i := 0; i+1 < n; i += 2 {
		require.ElementsMatch(t, want[i:i+2], got[i:i+2], "feeds ordered by created_at (rows %d, %d)", i, i+1)
	}
	f0 := a.Feeds[0]
	require.Equal(t, fpA, f0.FlashpointID)
	require.NotEmpty(t, f0.ID)
	require.Equal(t, "20250301T060000Z", f0.SeenDate)
	require.Equal(t, "English", f0.Language)
	require.Equal(t, "Iran", f0.SourceCountry)
	require.Equal(t, "https://img.example/x.jpg", f0.Image)
	for _, f := range a.Feeds {
		if strings.HasSuffix(f.URL, "/0007") {
			require.Equal(t, "site2.example", f.Domain, "missing domain derived from the URL")
		}
	}
	require.Len(t, b.Feeds, 1)
	require.Equal(t, news.Feed{ID: b.Feeds[0].ID, FlashpointID: fpB, URL: "https://b.example/1", Title: "b title",
		Domain: "b.example", Language: "French", SourceCountry: "Mali"}, b.Feeds[0])

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.ReadMASXFlashpoints(cctx, day)
	require.ErrorIs(t, err, context.Canceled)
}

type masxRow struct {
	fp                      string
	cluster, count          int
	summary                 string
	top, langs, urls, image string
}

func readMASXClusters(t *testing.T, s *postgres.Store, table string) []masxRow {
	t.Helper()
	rows, err := s.Pool().Query(t.Context(), `SELECT flashpoint_id::text, cluster_id, article_count, summary,
		top_domains::text, languages::text, urls::text, images::text FROM `+pgx.Identifier{table}.Sanitize()+
		` ORDER BY flashpoint_id, cluster_id`)
	require.NoError(t, err)
	var out []masxRow
	var r masxRow
	_, err = pgx.ForEachRow(rows, []any{&r.fp, &r.cluster, &r.count, &r.summary, &r.top, &r.langs, &r.urls, &r.image}, func() error {
		out = append(out, r)
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestWriteMASXClusters(t *testing.T) {
	t.Parallel()
	s := openDB(t, pgtest.Database(t))
	ctx := t.Context()
	cs := []news.Cluster{
		{ClusterID: 0, Summary: "Naval standoff.", ArticleCount: 5, TopDomains: []string{"a.example", "b.example"},
			Languages: []string{"en", "fa"}, URLs: []string{"https://a.example/1"}, Images: []string{"https://i.example/1.jpg"}},
		{ClusterID: 3, Summary: "Oil prices — نفط", ArticleCount: 2},
	}
	// A date in another zone names the table by its own calendar date.
	local := time.Date(2025, 3, 1, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	require.NoError(t, s.WriteMASXClusters(ctx, local, fpA, cs))
	require.NoError(t, s.WriteMASXClusters(ctx, day, fpB, []news.Cluster{{ClusterID: 1, Summary: "B", ArticleCount: 3, FlashpointID: fpB}}))
	got := readMASXClusters(t, s, "news_clusters_20250301")
	require.Equal(t, []masxRow{
		{fpA, 0, 5, "Naval standoff.", `["a.example", "b.example"]`, `["en", "fa"]`, `["https://a.example/1"]`, `["https://i.example/1.jpg"]`},
		{fpA, 3, 2, "Oil prices — نفط", `[]`, `[]`, `[]`, `[]`},
		{fpB, 1, 3, "B", `[]`, `[]`, `[]`, `[]`},
	}, got)

	// Rewriting a flashpoint replaces its rows only.
	require.NoError(t, s.WriteMASXClusters(ctx, day, fpA, []news.Cluster{{ClusterID: 9, Summary: "only", ArticleCount: 7}}))
	got = readMASXClusters(t, s, "news_clusters_20250301")
	require.Len(t, got, 2)
	require.Equal(t, 9, got[0].cluster)
	require.Equal(t, fpB, got[1].fp)

	// The table has the original's shape.
	type col struct{ name, typ, nullable, def string }
	rows, err := s.Pool().Query(ctx, `SELECT column_name, data_type, is_nullable, coalesce(column_default, '')
		FROM information_schema.columns WHERE table_name = 'news_clusters_20250301' ORDER BY ordinal_position`)
	require.NoError(t, err)
	var cols []col
	var c col
	_, err = pgx.ForEachRow(rows, []any{&c.name, &c.typ, &c.nullable, &c.def}, func() error { cols = append(cols, c); return nil })
	require.NoError(t, err)
	require.Equal(t, []col{
		{"id", "bigint", "NO", "nextval('news_clusters_20250301_id_seq'::regclass)"},
		{"flashpoint_id", "uuid", "NO", ""},
		{"cluster_id", "integer", "NO", ""},
		{"summary", "text", "NO", ""},
		{"article_count", "integer", "NO", ""},
		{"top_domains", "jsonb", "YES", "'[]'::jsonb"},
		{"languages", "jsonb", "YES", "'[]'::jsonb"},
		{"urls", "jsonb", "YES", "'[]'::jsonb"},
		{"images", "jsonb", "YES", "'[]'::jsonb"},
		{"created_at", "timestamp with time zone", "YES", "CURRENT_TIMESTAMP"},
	}, cols)

	// Bad input never reaches SQL.
	for name, err := range map[string]error{
		"zero date":      s.WriteMASXClusters(ctx, time.Time{}, fpA, nil),
		"year 10000":     s.WriteMASXClusters(ctx, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), fpA, nil),
		"year 1":         s.WriteMASXClusters(ctx, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), fpA, nil),
		"injected id":    s.WriteMASXClusters(ctx, day, `x'; DROP TABLE news_clusters_20250301; --`, nil),
		"other fp":       s.WriteMASXClusters(ctx, day, fpA, []news.Cluster{{FlashpointID: fpB}}),
		"repeated id":    s.WriteMASXClusters(ctx, day, fpA, []news.Cluster{{ClusterID: 1}, {ClusterID: 1}}),
		"negative count": s.WriteMASXClusters(ctx, day, fpA, []news.Cluster{{ClusterID: 1, ArticleCount: -3}}),
	} {
		require.ErrorIs(t, err, store.ErrInvalid, name)
	}
	_, err = s.ReadMASXFlashpoints(ctx, time.Time{})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.Len(t, readMASXClusters(t, s, "news_clusters_20250301"), 2, "rejected writes changed nothing")
}

// Workers writing the day's first clusters at once: the table is created
// once and every flashpoint's rows land.
func TestWriteMASXClustersConcurrent(t *testing.T) {
	t.Parallel()
	s := openDB(t, pgtest.Database(t))
	ctx := t.Context()
	d := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	var g errgroup.Group
	const workers = 8
	for w := range workers {
		g.Go(func() error {
			fp := fmt.Sprintf("6f1c1f1e-0000-4000-8000-%012d", w)
			return s.WriteMASXClusters(ctx, d, fp, []news.Cluster{{ClusterID: 0, Summary: "s", ArticleCount: 2}, {ClusterID: 1, Summary: "t", ArticleCount: 2}})
		})
	}
	require.NoError(t, g.Wait())
	require.Len(t, readMASXClusters(t, s, "news_clusters_20250302"), 2*workers)
}

// BenchmarkPutArticles writes batches of 10,000, 200, 20 and 1 articles
// through COPY and through pipelined upserts, side by side; they place
// CopyRowsDefault. Select sizes with an anchored pattern
// ('PutArticles/^n=200$/'): n=1 also matches n=10000.
func BenchmarkPutArticles(b *testing.B) {
	for _, n := range []int{10_000, 200, 20, 1} {
		for _, v := range []struct {
			name string
			copy int
		}{{"copy", 1}, {"pipelined", -1}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, v.name), func(b *testing.B) {
				s, err := postgres.Open(b.Context(), pgtest.Database(b), &postgres.Config{CopyRows: v.copy})
				require.NoError(b, err)
				defer s.Close()
				storetest.BenchPutArticles(b, s, n, pgtest.ServerCPU)
			})
		}
	}
}

// WithAdvisoryLock serialises holders of one key: a second holder waits,
// visibly in pg_locks, until the first returns; fn's error comes back; a
// closed store refuses.
func TestWithAdvisoryLock(t *testing.T) {
	t.Parallel()
	s := openDB(t, pgtest.Database(t))
	ctx := t.Context()
	const key int64 = 0x7465737431
	firstIn, release := make(chan struct{}), make(chan struct{})
	var g errgroup.Group
	g.Go(func() error {
		return s.WithAdvisoryLock(ctx, key, func(context.Context) error {
			close(firstIn)
			<-release
			return nil
		})
	})
	<-firstIn
	secondIn := make(chan struct{})
	g.Go(func() error {
		return s.WithAdvisoryLock(ctx, key, func(context.Context) error {
			close(secondIn)
			return nil
		})
	})
	require.Eventually(t, func() bool {
		var waiting int
		err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
			  AND (classid::bigint << 32 | objid::bigint) = $1
			  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, key).Scan(&waiting)
		return err == nil && waiting == 1
	}, time.Minute, 10*time.Millisecond, "the second holder waits for the lock")
	select {
	case <-secondIn:
		t.Fatal("the second holder ran while the first held the lock")
	default:
	}
	close(release)
	<-secondIn
	require.NoError(t, g.Wait())

	boom := fmt.Errorf("boom")
	require.ErrorIs(t, s.WithAdvisoryLock(ctx, key, func(context.Context) error { return boom }), boom)
	require.NoError(t, s.WithAdvisoryLock(ctx, key, func(context.Context) error { return nil }), "released after an error")

	closed, err := postgres.Open(ctx, pgtest.Database(t), nil)
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	require.ErrorIs(t, closed.WithAdvisoryLock(ctx, key, func(context.Context) error { return nil }), store.ErrClosed)
}

// A write the server refuses for lack of disk space (SQLSTATE 53100,
// disk_full) is store.ErrNoSpace and says ENOSPC; nothing of it is
// written, and once there is room again the same write goes through. The
// disk that fills is real: the store's tables live in a tablespace on a
// small tmpfs (the server's own files and WAL stay on the big disk, as on
// a server whose data volume filled up).
func TestFullDiskIsErrNoSpace(t *testing.T) {
	switch {
	case os.Getenv(pgtest.EnvURL) != "":
		t.Skipf("skipping: the server at %s cannot see this test's tmpfs", pgtest.EnvURL)
	case !smallfs.RealRoot():
		t.Skip("skipping: the test server must run as user postgres inside the mount namespace, which takes the real root")
	}
	smallfs.Run(t, 1<<20, func(t *testing.T, dir string) {
		ctx := t.Context()
		url := pgtest.Database(t)
		pg, err := user.Lookup("postgres")
		require.NoError(t, err)
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		loc := filepath.Join(dir, "ts")
		require.NoError(t, os.Mkdir(loc, 0o700))
		require.NoError(t, os.Chown(loc, uid, gid))
		conn, err := pgx.Connect(ctx, url)
		require.NoError(t, err)
		var db string
		require.NoError(t, conn.QueryRow(ctx, "SELECT current_database()").Scan(&db))
		for _, q := range []string{
			`CREATE TABLESPACE small LOCATION '` + loc + `'`,
			`ALTER DATABASE ` + pgx.Identifier{db}.Sanitize() + ` SET default_tablespace = small`,
		} {
			_, err := conn.Exec(ctx, q)
			require.NoError(t, err, q)
		}
		require.NoError(t, conn.Close(ctx))
		s := openDB(t, url)
		var where string
		require.NoError(t, s.Pool().QueryRow(ctx, "SELECT coalesce(tablespace, '') FROM pg_tables WHERE tablename = 'articles'").Scan(&where))
		require.Equal(t, "small", where)

		committed, run, fp, err := storetest.FillUntilFull(t, s)
		require.ErrorIs(t, err, store.ErrNoSpace)
		require.ErrorContains(t, err, "no space left on device (ENOSPC)")
		require.ErrorContains(t, err, "SQLSTATE 53100")
		n, err := s.CountByStatus(ctx, run)
		require.NoError(t, err)
		require.Equal(t, map[news.Status]int{news.StatusOK: committed}, n, "the failed batch wrote nothing")

		smallfs.Grow(t, dir, 16<<20)
		require.NoError(t, s.PutArticles(ctx, storetest.Articles(run, fp, 8, 16, 8<<10)), "room again: writes go through")
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
