package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRunInputErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "masx.db")
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{\"title\": 3}\nnot json\n"), 0o600))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--db", db}, "exactly one of --input"},
		{[]string{"run", "--db", db, "--input", filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{"run", "--db", db, "--input", bad, "--method", "http"}, "bad.jsonl"},
		{[]string{"run", "--db", db, "--feed", "http://example.invalid/rss"}, "--feed needs --flashpoint"},
		{[]string{"run", "--db", db, "--input", bad, "--method", "carrier-pigeon"}, "carrier-pigeon"},
		{[]string{"run", "--db", "mysql://x", "--input", bad}, "mysql"},
		{[]string{"results", "--db", "sqlite://" + filepath.Join(dir, "empty.db")}, "no run stored yet"},
		{[]string{"status", "--db", "sqlite://" + filepath.Join(dir, "empty.db")}, "no run stored yet"},
		{[]string{"status", "nope", "--db", "sqlite://" + filepath.Join(dir, "empty.db")}, `run "nope" not found`},
		{[]string{"run", "--db", db, "--source", "masx", "--date", "2025-02-30"}, `date "2025-02-30": want YYYY-MM-DD`},
		{[]string{"run", "--db", db, "--input", bad, "--date", "2025-06-01"}, "go with --source masx"},
		{[]string{"bench", "scale", "--db", "sqlite://" + filepath.Join(dir, "x.db")}, "want a postgres:// URL"},
		{[]string{"worker", "--db", db, "--concurrency", "0"}, "needs at least 1"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		require.Equal(t, ExitUsage, code, "%v: %s", c.args, stderr)
		require.Contains(t, stderr, c.want, "%v", c.args)
	}
}

func TestDemoThenResults(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, "demo", "--method", "http", "--data-dir", dir)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "(completed)")
	require.Contains(t, out, "clusters")

	code, out, stderr = runCLI(t, "results", "--db", "sqlite://"+filepath.Join(dir, "masx.db"), "--json")
	require.Equal(t, ExitOK, code, stderr)
	var cs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &cs))
	require.NotEmpty(t, cs)
	for _, c := range cs {
		for _, k := range []string{"flashpoint_id", "cluster_id", "summary", "article_count", "top_domains", "languages", "urls", "images"} {
			require.Contains(t, c, k)
		}
		require.NotEmpty(t, c["summary"])
	}
	code, _, stderr = runCLI(t, "results", "--db", "sqlite://"+filepath.Join(dir, "masx.db"), "--run", "nope")
	require.Equal(t, ExitUsage, code, stderr)
}
