package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/model/testmodel"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
)

// The pipeline once hung for ever as soon as a neural model was configured:
// analyze tasks held every CPU slot while they waited for model batches
// that needed one. These tests run the whole pipeline with the generated
// MiniLM-shaped ONNX model (real ONNX Runtime, 384-dimensional vectors)
// through every entry point (masx demo, masx run with River workers, masx
// serve), under a deadline, so a hang fails instead of blocking CI.

// neuralModel sets MASX_EMBED_MODEL to the generated MiniLM-shaped model.
func neuralModel(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the pipeline with a 90 MB generated model")
	}
	onnxtest.RequireORT(t)
	t.Setenv("MASX_EMBED_MODEL", onnxtest.Model(t, testmodel.MiniLM))
}

// checkNeuralRun checks that every input article of the run is stored
// with a final status (a reason where it failed), that kept articles carry
// the model's vectors, and that clusters were stored.
func checkNeuralRun(t *testing.T, dbPath, runID string, articles int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath, nil)
	require.NoError(t, err)
	defer st.Close()
	run, err := st.GetRun(ctx, runID)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, run.State, run.Error)
	as, err := st.Articles(ctx, store.ArticleQuery{RunID: runID})
	require.NoError(t, err)
	require.Len(t, as, articles, "every input article ends in storage, once")
	ok := 0
	for _, a := range as {
		require.True(t, a.Status.Terminal(), "%s: status %q", a.URL, a.Status)
		if a.Status != news.StatusOK {
			require.NotEmpty(t, a.Error, "%s: %s without a reason", a.URL, a.Status)
			continue
		}
		ok++
		require.Len(t, a.Embedding, 384, "%s: a MiniLM-shaped vector", a.URL)
	}
	require.Positive(t, ok)
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: runID})
	require.NoError(t, err)
	require.NotEmpty(t, cs, "clusters stored")
}

func TestDemoWithNeuralEmbedderCompletes(t *testing.T) {
	neuralModel(t)
	articles := len(demo.Expect("http://x"))
	for _, c := range []struct {
		procs, batch int
		method       string
	}{
		{1, 1, "http"}, {1, 32, "auto"}, {2, 1, "http"}, {2, 32, "http"}, {4, 1, "http"}, {4, 32, "http"},
	} {
		t.Run(fmt.Sprintf("MAX_PROCS=%d/BATCH_SIZE=%d/%s", c.procs, c.batch, c.method), func(t *testing.T) {
			t.Setenv("MAX_PROCS", fmt.Sprint(c.procs))
			t.Setenv("BATCH_SIZE", fmt.Sprint(c.batch))
			dir := t.TempDir()
			code, out, stderr := runMasx(t, invocation{Within: 4 * time.Minute}, "demo", "--method", c.method, "--data-dir", dir)
			require.Equal(t, ExitOK, code, tail(stderr, 3000))
			m := regexp.MustCompile(`run\s+(\S+) \(completed\)`).FindStringSubmatch(out)
			require.NotNil(t, m, out)
			checkNeuralRun(t, filepath.Join(dir, "masx.db"), m[1], articles)
		})
	}
}

// masx run with two River workers in the process, over the demo site.
func TestRunWithWorkersAndNeuralEmbedderCompletes(t *testing.T) {
	neuralModel(t)
	t.Setenv("MAX_PROCS", "2")
	for k, v := range map[string]string{"MASX_ALLOW_PRIVATE": "true", "MASX_HOST_DELAY_MS": "0", "MASX_HOST_CONCURRENCY": "8"} {
		t.Setenv(k, v)
	}
	site, err := demo.Start(context.Background())
	require.NoError(t, err)
	defer site.Close()
	dir := t.TempDir()
	input := filepath.Join(dir, "flashpoints.json")
	raw, err := json.Marshal(demo.Flashpoints(site.URL))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(input, raw, 0o600))
	db := filepath.Join(dir, "masx.db")

	code, _, stderr := runMasx(t, invocation{Within: 4 * time.Minute}, "run", "--input", input, "--workers", "2", "--method", "http",
		"--run-id", "neural-run", "--db", "sqlite://"+db)
	require.Equal(t, ExitOK, code, tail(stderr, 3000))
	checkNeuralRun(t, db, "neural-run", len(demo.Expect(site.URL)))
}

// masx serve with in-process workers: a run submitted over the API
// completes, and /metrics shows the model's batches.
func TestServeWithNeuralEmbedderCompletes(t *testing.T) {
	neuralModel(t)
	const key = "neural-serve-key"
	dir := t.TempDir()
	for k, v := range map[string]string{
		"MASX_API_KEY": key, "MASX_LISTEN": "127.0.0.1:0", "MAX_PROCS": "1",
		"MASX_ALLOW_PRIVATE": "true", "MASX_HOST_DELAY_MS": "0", "MASX_HOST_CONCURRENCY": "8",
		"MASX_LOG_LEVEL": "warn", "MASX_WORKER_GRACE": "5s",
	} {
		t.Setenv(k, v)
	}
	site, err := demo.Start(context.Background())
	require.NoError(t, err)
	defer site.Close()
	db := filepath.Join(dir, "serve.db")

	srv := startServe(t, "--workers", "2", "--method", "http", "--db", "sqlite://"+db)
	call := func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		return srv.Call(t, key, method, path, string(body))
	}

	fps, err := json.Marshal(demo.Flashpoints(site.URL))
	require.NoError(t, err)
	code, raw := call("POST", "/v1/runs", fmt.Appendf(nil, `{"run_id": "neural-served", "input": %s}`, fps))
	require.Equal(t, http.StatusAccepted, code, string(raw))
	var status struct {
		Run struct {
			State string `json:"state"`
		} `json:"run"`
	}
	for deadline := time.Now().Add(4 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		code, raw := call("GET", "/v1/runs/neural-served", nil)
		require.Equal(t, http.StatusOK, code, string(raw))
		require.NoError(t, json.Unmarshal(raw, &status))
		if st := status.Run.State; st == "completed" || st == "failed" || st == "cancelled" {
			break
		}
		require.True(t, time.Now().Before(deadline), "run not finished in time (a stall?): %s\n%s", raw, tail(srv.Stderr.String(), 3000))
	}
	require.Equal(t, "completed", status.Run.State)
	code, raw = call("GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, code)
	require.Regexp(t, `masx_batch_batches_total\{batcher="embed/[^"]*"\} [1-9]`, string(raw), "the model ran batches")

	require.Equal(t, ExitOK, srv.Stop(t), srv.Stderr.String())
	checkNeuralRun(t, db, "neural-served", len(demo.Expect(site.URL)))
}
