package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBenchPipeline(t *testing.T) {
	code, out, stderr := runCLI(t, "bench", "pipeline", "--articles", "80", "--flashpoints", "2", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	for _, k := range []string{"articles_per_sec", "stage_share", "peak_rss_mb"} {
		require.Contains(t, r, k)
	}
	require.EqualValues(t, 80, r["articles"])
	require.Equal(t, map[string]any{"ok": 80.0}, r["articles_by_status"])
	require.EqualValues(t, 8, r["clusters"], "2 flashpoints × 4 generated topics")
	require.Positive(t, r["stage_share"].(map[string]any)["fetch"])

	code, _, _ = runCLI(t, "bench", "pipeline", "--articles", "2", "--flashpoints", "3")
	require.Equal(t, ExitUsage, code)
}
