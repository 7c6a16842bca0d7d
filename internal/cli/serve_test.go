package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
)

// lockedBuffer lets the test read what a command running in another
// goroutine writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeRunsSubmittedJobsAndShutsDownCleanly starts `masx serve` in
// process with workers, submits a run over a generated site, follows it to
// completion through the API, reads its clusters and stops it as a signal
// would.
func TestServeRunsSubmittedJobsAndShutsDownCleanly(t *testing.T) {
	const key = "serve-test-key"
	dir := t.TempDir()
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: 16, Flashpoints: 2, Topics: 2, PageBytes: 4096})
	require.NoError(t, err)
	ts := httptest.NewServer(site)
	defer ts.Close()
	for k, v := range map[string]string{
		"MASX_API_KEY": key, "MASX_LISTEN": "127.0.0.1:0", "MASX_DATA_DIR": dir,
		"MASX_ALLOW_PRIVATE": "true", "MASX_HOST_DELAY_MS": "0", "MASX_HOST_CONCURRENCY": "8",
		"MASX_LOG_LEVEL": "warn", "MASX_WORKER_GRACE": "5s",
	} {
		t.Setenv(k, v)
	}

	srv := startServe(t, "--workers", "2", "--method", "http", "--db", "sqlite://"+filepath.Join(dir, "serve.db"))
	base := srv.Base

	c := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	call := func(method, path, body string, out any) int {
		t.Helper()
		code, raw := srv.Call(t, key, method, path, body)
		if out != nil {
			require.NoError(t, json.Unmarshal(raw, out), "%s %s: %s", method, path, raw)
		}
		return code
	}

	require.Equal(t, http.StatusOK, call("GET", "/readyz", "", nil))
	fps, err := json.Marshal(site.Flashpoints(ts.URL))
	require.NoError(t, err)
	var accepted struct {
		RunID       string `json:"run_id"`
		Flashpoints int    `json:"flashpoints"`
		StatusURL   string `json:"status_url"`
	}
	require.Equal(t, http.StatusAccepted, call("POST", "/v1/runs", fmt.Sprintf(`{"run_id": "served", "input": %s}`, fps), &accepted))
	require.Equal(t, 2, accepted.Flashpoints)

	var status struct {
		Run struct {
			State string `json:"state"`
			Error string `json:"error"`
		} `json:"run"`
		Articles map[string]int `json:"articles"`
		Progress float64        `json:"progress"`
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		require.Equal(t, http.StatusOK, call("GET", accepted.StatusURL, "", &status))
		if status.Run.State == "completed" || status.Run.State == "failed" || status.Run.State == "cancelled" {
			break
		}
		require.True(t, time.Now().Before(deadline), "run not finished in time: %+v\n%s", status, srv.Stderr.String())
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, "completed", status.Run.State, status.Run.Error)
	require.Equal(t, 1.0, status.Progress)
	require.Equal(t, 16, status.Articles["ok"], "%v", status.Articles)

	var clusters struct {
		Clusters []struct {
			FlashpointID string `json:"flashpoint_id"`
			Summary      string `json:"summary"`
			ArticleCount int    `json:"article_count"`
		} `json:"clusters"`
	}
	require.Equal(t, http.StatusOK, call("GET", "/v1/runs/served/clusters", "", &clusters))
	require.NotEmpty(t, clusters.Clusters)
	articles := 0
	for _, cl := range clusters.Clusters {
		require.NotEmpty(t, cl.Summary)
		articles += cl.ArticleCount
	}
	require.LessOrEqual(t, articles, 16)
	fp := clusters.Clusters[0].FlashpointID
	require.Equal(t, http.StatusOK, call("GET", "/v1/flashpoints/"+fp+"/clusters", "", &clusters))
	require.NotEmpty(t, clusters.Clusters)

	req, err := http.NewRequest("GET", base+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	require.NoError(t, err)
	metrics, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	for _, want := range []string{`masx_jobs_total{outcome="completed"} 2`, "masx_flashpoints_unfinished 0",
		`masx_http_requests_total{code="202",route="POST /v1/runs"} 1`, `masx_executor_limit{pool="io"}`} {
		require.Contains(t, string(metrics), want)
	}

	require.Equal(t, ExitOK, srv.Stop(t), srv.Stderr.String())
	_, err = c.Get(base + "/healthz")
	require.Error(t, err, "the listener is closed")
}

func TestServeRefusesAnOpenNonLoopbackAddress(t *testing.T) {
	t.Setenv("MASX_API_KEY", "")
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "masx.db")
	code, _, stderr := runCLI(t, "serve", "--db", db, "--listen", "0.0.0.0:0")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "MASX_API_KEY")
	require.Contains(t, stderr, "--insecure")

	code, _, stderr = runCLI(t, "serve", "--db", db, "--workers", "-1")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "--workers -1")
}
