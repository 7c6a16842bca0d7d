package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/postgres/pgtest"
)

const (
	fpHormuz = "6f1c1f1e-0000-4000-8000-00000000000a"
	fpSahel  = "6f1c1f1e-0000-4000-8000-00000000000b"
)

// masxTables creates 2025-03-01's input tables as the upstream system
// shapes them: two flashpoints, three feeds, one of them unusable.
func masxTables(t *testing.T, st *postgres.Store) {
	t.Helper()
	_, err := st.Pool().Exec(context.Background(), `
		CREATE TABLE flash_point_20250301 (
			id UUID PRIMARY KEY, title TEXT, description TEXT, entities JSONB, domains TEXT[],
			run_id TEXT, created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now());
		CREATE TABLE feed_entries_20250301 (
			id UUID PRIMARY KEY DEFAULT gen_random_uuid(), flashpoint_id UUID NOT NULL,
			url TEXT NOT NULL, title TEXT NOT NULL, seendate TEXT, domain TEXT, language TEXT,
			sourcecountry TEXT, description TEXT, image TEXT,
			created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now());
		INSERT INTO flash_point_20250301 (id, title, entities) VALUES
			('`+fpHormuz+`', 'Strait of Hormuz', '["Iran"]'),
			('`+fpSahel+`', 'Sahel', NULL);
		INSERT INTO feed_entries_20250301 (flashpoint_id, url, title) VALUES
			('`+fpHormuz+`', 'https://news.example/hormuz/1', 'Tanker seized'),
			('`+fpHormuz+`', 'ftp://news.example/hormuz/2', 'not http'),
			('`+fpSahel+`', 'https://news.example/sahel/1', 'Junta extends transition');`)
	require.NoError(t, err)
}

// TestAPIDateReadsTheMASXTables checks that a date is what the run reads:
// the original's /services/run accepted one and ignored it.
func TestAPIDateReadsTheMASXTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.Database(t), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	masxTables(t, st)
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key}, store: st})

	r := h.do("POST", "/services/run?date=2025-03-01", "", withKey...)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	require.EqualValues(t, 2, r.body["flashpoints"])
	require.EqualValues(t, 2, r.body["queued"])
	sum := r.body["input_summary"].(map[string]any)
	require.EqualValues(t, 1, sum["num_invalid"], "the tables' feeds are validated like a file's")
	runID := r.str("run_id")

	run, err := st.GetRun(ctx, runID)
	require.NoError(t, err)
	require.Equal(t, "masx:2025-03-01", run.Input)
	rows, err := st.Pool().Query(ctx, `SELECT args->>'flashpoint_id', args->>'masx_date' FROM river_job WHERE args->>'run_id' = $1 ORDER BY 1`, runID)
	require.NoError(t, err)
	var got [][2]string
	for rows.Next() {
		var fp, date string
		require.NoError(t, rows.Scan(&fp, &date))
		got = append(got, [2]string{fp, date})
	}
	require.NoError(t, rows.Err())
	require.Equal(t, [][2]string{{fpHormuz, "2025-03-01"}, {fpSahel, "2025-03-01"}}, got,
		"every job writes its clusters to news_clusters_20250301")

	r = h.do("POST", "/v1/runs", `{"run_id": "sahel", "date": "2025-03-01", "flashpoint_ids": ["`+fpSahel+`"]}`, withKey...)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	require.EqualValues(t, 1, r.body["flashpoints"])
	fps, err := st.Flashpoints(ctx, "sahel")
	require.NoError(t, err)
	require.Len(t, fps, 1)
	require.Equal(t, "Sahel", fps[0].Title)

	r = h.do("POST", "/v1/runs", `{"date": "2025-03-01", "flashpoint_ids": ["nope"]}`, withKey...)
	require.Equal(t, http.StatusBadRequest, r.code, r.raw)
	require.Equal(t, "flashpoint_ids", r.str("field"))
	require.Contains(t, r.str("error"), `"nope"`)

	r = h.do("POST", "/services/run?date=2025-03-02", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code, r.raw)
	require.Equal(t, "date", r.str("field"))
	require.Contains(t, r.str("error"), "no MASX tables for 2025-03-02")
}
