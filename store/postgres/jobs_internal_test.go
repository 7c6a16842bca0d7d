package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/store/postgres/pgtest"
)

// The job-mode queries must be able to use the partial indexes of
// migration 0002: their predicates have to imply the indexes' literally.
// Sequential scans are switched off because on tables this small the
// planner would rightly prefer them; what is checked is that the indexes
// are usable at all.
func TestJobQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, pgtest.Database(t), nil)
	require.NoError(t, err)
	defer s.Close()
	plan := func(q string, args ...any) string {
		var lines []string
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
			rows, _ := tx.Query(ctx, "EXPLAIN "+q, args...)
			lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		require.NoError(t, err)
		return strings.Join(lines, "\n")
	}
	p := plan(unfinishedQuery)
	require.Contains(t, p, "runs_active", p)
	require.Contains(t, p, "flashpoints_unfinished", p)
	p = plan(anyUnfinished, "r")
	require.Contains(t, p, "flashpoints_unfinished", p)
}
