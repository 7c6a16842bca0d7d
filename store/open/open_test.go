package open_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/open"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/postgres/pgtest"
	"github.com/masx-ai/masx/store/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want open.Target
	}{
		{"sqlite:///var/lib/masx/masx.db", open.Target{Kind: open.SQLite, Path: "/var/lib/masx/masx.db"}},
		{"sqlite://masx-data/masx.db", open.Target{Kind: open.SQLite, Path: "masx-data/masx.db"}},
		{"SQLite://a b/100%.db", open.Target{Kind: open.SQLite, Path: "a b/100%.db"}},
		{"sqlite:rel.db", open.Target{Kind: open.SQLite, Path: "rel.db"}},
		{"  /abs/masx.db ", open.Target{Kind: open.SQLite, Path: "/abs/masx.db"}},
		{"data/masx.db", open.Target{Kind: open.SQLite, Path: "data/masx.db"}},
		{"postgres://u:p@db:5432/masx?sslmode=disable", open.Target{Kind: open.Postgres, URL: "postgres://u:p@db:5432/masx?sslmode=disable"}},
		{"postgresql://db/masx", open.Target{Kind: open.Postgres, URL: "postgresql://db/masx"}},
	} {
		got, err := open.Parse(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, "Parse(%q)", tc.in)
	}
	for _, in := range []string{
		"", "   ", "sqlite://", "sqlite:///x.db?_pragma=foo", "sqlite://x.db#frag",
		"mysql://root:hunter2@db/masx", "file:///x.db", "host=db dbname=masx password=hunter2",
	} {
		_, err := open.Parse(in)
		require.ErrorIs(t, err, store.ErrBadURL, "Parse(%q)", in)
		require.NotContains(t, err.Error(), "hunter2", "password leaked")
	}
	_, err := open.Parse("redis://x")
	require.ErrorContains(t, err, `"redis"`, "error names the scheme")
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:secret@h/db":            "postgres://u:xxxxx@h/db",
		"postgres://h/db?password=secret&x=1": "postgres://h/db?password=xxxxx&x=1",
		"host=h password='se cret' dbname=d":  "host=h password=xxxxx dbname=d",
		"postgres://u:sec%zzret@h/db":         "postgres://…",
		"postgres://u@h/db":                   "postgres://u@h/db",
	} {
		require.Equal(t, want, open.Redact(in), in)
	}
	tg, err := open.Parse("postgres://u:secret@h/db")
	require.NoError(t, err)
	require.NotContains(t, tg.String(), "secret")
}

func TestOpenSQLiteForms(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	for _, u := range []string{
		"sqlite://" + filepath.Join(dir, "a", "one.db"),
		filepath.Join(dir, "two.db"),
	} {
		s, err := open.Open(ctx, u)
		require.NoError(t, err, u)
		require.IsType(t, &sqlite.Store{}, s)
		require.NoError(t, s.CreateRun(ctx, news.Run{ID: "r"}))
		require.NoError(t, s.Close())
	}
	_, err := os.Stat(filepath.Join(dir, "a", "one.db"))
	require.NoError(t, err, "folder and file created")

	// A relative sqlite:// URL resolves against the working folder; use a
	// path relative to it that lands in the temp dir.
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, filepath.Join(dir, "three.db"))
	require.NoError(t, err)
	s, err := open.Open(ctx, "sqlite://"+rel)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "three.db"), s.(*sqlite.Store).Path())
	require.NoError(t, s.Close())

	_, err = open.Open(ctx, "oracle://x")
	require.ErrorIs(t, err, store.ErrBadURL)
}

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	for _, u := range []string{url, strings.Replace(url, "postgres://", "postgresql://", 1)} {
		s, err := open.Open(t.Context(), u)
		require.NoError(t, err)
		require.IsType(t, &postgres.Store{}, s)
		require.NoError(t, s.Ping(t.Context()))
		require.NoError(t, s.Close())
	}
	cctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := open.Open(cctx, url)
	require.ErrorIs(t, err, context.Canceled)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"sqlite:///x.db", "postgres://u:p@h/d", "x.db", "a=b", "::://", "sqlite:", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tg, err := open.Parse(in)
		if err != nil {
			require.ErrorIs(t, err, store.ErrBadURL)
			return
		}
		switch tg.Kind {
		case open.SQLite:
			require.NotEmpty(t, tg.Path)
		case open.Postgres:
			require.NotEmpty(t, tg.URL)
		default:
			t.Fatalf("Parse(%q) kind %q", in, tg.Kind)
		}
		_ = tg.String()
	})
}
