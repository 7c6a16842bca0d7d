package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/config"
)

// The demo keeps its run in the data folder, so `masx results` with no
// flag, the natural next command, shows the demo's clusters.
func TestDemoRunIsWhereResultsLooks(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MASX_DATA_DIR": dir, "MASX_DB_URL": ""}
	code, out, stderr := runMasx(t, invocation{Env: env}, "demo", "--method", "http")
	require.Equal(t, ExitOK, code, stderr)
	m := regexp.MustCompile(`run (\S+) is kept in sqlite://(\S+); 'masx results' shows it again`).FindStringSubmatch(stderr)
	require.NotNil(t, m, stderr)
	require.Equal(t, filepath.Join(dir, "masx.db"), m[2])
	require.FileExists(t, filepath.Join(dir, "masx.db"))
	require.Contains(t, out, "run "+m[1]+": ")

	code, out, stderr = runCLI(t, "results", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var cs []struct {
		RunID   string `json:"run_id"`
		Summary string `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &cs))
	require.NotEmpty(t, cs, "the demo's clusters")
	for _, c := range cs {
		require.Equal(t, m[1], c.RunID)
		require.NotEmpty(t, c.Summary)
	}
}

func TestResultsCommandNamesTheFlagsToRepeat(t *testing.T) {
	load := func(flags map[string]string) *config.Settings {
		s, err := config.Load(config.Options{LookupEnv: func(string) (string, bool) { return "", false }, Flags: flags})
		require.NoError(t, err)
		return s
	}
	require.Equal(t, "masx results", resultsCommand(load(nil), ""))
	require.Equal(t, "masx results --db postgres://masx:xxxxx@db/masx", resultsCommand(load(nil), "postgres://masx:secret@db/masx"))
	require.Equal(t, "masx results --data-dir /tmp/d", resultsCommand(load(map[string]string{"MASX_DATA_DIR": "/tmp/d"}), ""))
	require.Equal(t, "masx results --db-url postgres://masx:xxxxx@db/masx",
		resultsCommand(load(map[string]string{"MASX_DATA_DIR": "/tmp/d", "MASX_DB_URL": "postgres://masx:secret@db/masx"}), ""))
}

func TestStaleDemoFoldersAreRemoved(t *testing.T) {
	tmp := t.TempDir()
	old, fresh, other := filepath.Join(tmp, "masx-demo-old"), filepath.Join(tmp, "masx-demo-new"), filepath.Join(tmp, "other-old")
	for _, d := range []string{old, fresh, other} {
		require.NoError(t, os.Mkdir(d, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(d, "masx.db"), []byte("x"), 0o600))
	}
	long := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{old, filepath.Join(old, "masx.db"), other, filepath.Join(other, "masx.db"), fresh} {
		require.NoError(t, os.Chtimes(p, long, long))
	}
	var warned []string
	removeStaleDemoFolders(tmp, time.Hour, func(msg string, _ ...any) { warned = append(warned, msg) })
	require.NoDirExists(t, old)
	require.DirExists(t, fresh, "its database changed within the hour: a demo may be using it")
	require.DirExists(t, other, "not a demo's folder")
	require.Empty(t, warned)
}
