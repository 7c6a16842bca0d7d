package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/internal/bench/pipelinebench"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
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

// --embed-model runs the site with TF-IDF and then with the neural model,
// side by side.
func TestBenchPipelineWithEmbedModel(t *testing.T) {
	tiny := onnxtest.Tiny(t)
	code, out, stderr := runCLI(t, "bench", "pipeline", "--articles", "40", "--flashpoints", "2", "--embed-model", tiny, "--json")
	require.Equal(t, ExitOK, code, stderr)
	var r pipelinebench.Pair
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Contains(t, r.TFIDF.Vectors, "tfidf")
	require.Equal(t, filepath.Base(tiny), r.Neural.Vectors)
	for _, b := range []pipelinebench.Report{r.TFIDF, r.Neural} {
		require.Equal(t, map[string]int{"ok": 40}, b.ByStatus)
		require.Positive(t, b.CPUSeconds)
		require.Positive(t, b.PeakRSSMB)
	}
	require.Positive(t, r.Neural.StageShare["embed"], "the neural run embeds each article")
	require.Zero(t, r.TFIDF.StageShare["embed"])
	require.InDelta(t, r.Neural.ArticlesPerSec/r.TFIDF.ArticlesPerSec, r.NeuralVsTFIDF, 1e-9)

	code, _, stderr = runCLI(t, "bench", "pipeline", "--articles", "4", "--flashpoints", "1", "--embed-model", filepath.Join(t.TempDir(), "none"))
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "MASX_EMBED_MODEL")
}
