package migrate_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/store/internal/migrate"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	ms, err := migrate.Load(fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
	}, "m")
	require.NoError(t, err)
	require.Equal(t, []migrate.Migration{{1, "init", "A"}, {2, "more", "B"}}, ms)

	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"repeat":    {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"bad name":  {"m/1_a.sql": {}},
		"not sql":   {"m/0001_a.txt": {}},
		"no zero":   {"m/0000_a.sql": {}},
		"empty dir": {"m/.keep/x": {}},
		"missing":   {},
	} {
		_, err := migrate.Load(fsys, "m")
		require.Error(t, err, name)
	}
}

func TestPending(t *testing.T) {
	t.Parallel()
	all := []migrate.Migration{{1, "a", ""}, {2, "b", ""}, {3, "c", ""}}
	p, err := migrate.Pending(all, []int{1})
	require.NoError(t, err)
	require.Equal(t, all[1:], p)
	p, err = migrate.Pending(all, []int{1, 2, 3})
	require.NoError(t, err)
	require.Empty(t, p)
	_, err = migrate.Pending(all, []int{1, 4})
	require.ErrorIs(t, err, migrate.ErrNewerSchema)
}
