package postgres

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/store"
)

func TestLooseList(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		``:                     nil,
		`null`:                 nil,
		`[]`:                   nil,
		`["a", "b"]`:           {"a", "b"},
		`["a", 1, {"k": "v"}]`: {"a", "1", `{"k":"v"}`},
		`"[\"x\", \"y\"]"`:     {"x", "y"},
		`"plain"`:              {"plain"},
		`""`:                   nil,
		`"[not json"`:          {"[not json"},
		` [ "spaced" ] `:       {"spaced"},
	} {
		got, err := looseList([]byte(in))
		require.NoError(t, err, in)
		require.Equal(t, want, got, "looseList(%s)", in)
	}
	_, err := looseList([]byte(`{"a": 1}`))
	require.Error(t, err)
}

func FuzzLooseList(f *testing.F) {
	for _, s := range []string{`["a"]`, `"[\"b\"]"`, `null`, `{`, `[1,[2]]`, `"\u0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = looseList([]byte(in)) // must not panic
	})
}

func TestMASXTableNames(t *testing.T) {
	t.Parallel()
	id, name, err := masxTable(masxClusters, time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, "news_clusters_20251231", name)
	require.Equal(t, `"news_clusters_20251231"`, id.Sanitize())
	for _, d := range []time.Time{{}, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		_, _, err := masxTable(masxFeeds, d)
		require.ErrorIs(t, err, store.ErrInvalid, "date %v", d)
	}
}
