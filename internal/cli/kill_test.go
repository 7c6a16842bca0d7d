package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
)

// TestKilledRunResumesWithoutLossOrDuplicates builds masx, kills `masx run`
// with SIGKILL half-way through a slow site, reruns the same run id, and
// checks that every article is stored exactly once with a final status.
func TestKilledRunResumesWithoutLossOrDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "masx")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/masx")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	const n = 120
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: n, Flashpoints: 2, Latency: 150 * time.Millisecond})
	require.NoError(t, err)
	srv, err := demo.Serve(ctx, site)
	require.NoError(t, err)
	defer srv.Close()
	in := filepath.Join(dir, "fps.jsonl")
	f, err := os.Create(in)
	require.NoError(t, err)
	require.NoError(t, site.WriteJSONL(f, srv.URL))
	require.NoError(t, f.Close())
	dbPath := filepath.Join(dir, "masx.db")

	run := func() *exec.Cmd {
		c := exec.Command(bin, "run", "--input", in, "--run-id", "killed", "--method", "http", "--db", "sqlite://"+dbPath)
		c.Env = append(os.Environ(), "MASX_ALLOW_PRIVATE=1", "MASX_HOST_DELAY_MS=0", "MASX_HOST_CONCURRENCY=4")
		return c
	}
	first := run()
	require.NoError(t, first.Start())
	// Kill once some, not all, articles are stored.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		require.True(t, time.Now().Before(deadline), "no article stored in time")
		time.Sleep(100 * time.Millisecond)
		if stored := countArticles(t, dbPath); stored >= 10 && stored < n {
			break
		}
	}
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()

	second := run()
	out, err := second.CombinedOutput()
	require.NoError(t, err, string(out))

	st, err := sqlite.Open(ctx, dbPath, nil)
	require.NoError(t, err)
	defer st.Close()
	arts, err := st.Articles(ctx, store.ArticleQuery{RunID: "killed", OmitText: true})
	require.NoError(t, err)
	require.Len(t, arts, n, "every article stored exactly once")
	seen := map[string]bool{}
	for _, a := range arts {
		require.False(t, seen[a.URL], "duplicate %s", a.URL)
		seen[a.URL] = true
		require.Equal(t, news.StatusOK, a.Status, "%s: %s", a.URL, a.Error)
	}
	r, err := st.GetRun(ctx, "killed")
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, r.State)
}

// countArticles reads how many articles are stored so far, 0 before the
// database exists.
func countArticles(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		return 0
	}
	defer st.Close()
	counts, err := st.CountByStatus(context.Background(), "killed")
	if err != nil {
		return 0
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	return total
}

// TestTenThousandArticlesStayUnder300MB runs the built binary over a slow
// generated site of 10,000 articles and checks its peak RSS (VmHWM).
func TestTenThousandArticlesStayUnder300MB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs 10,000 articles")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "masx")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/masx")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	out, err := exec.Command(bin, "bench", "pipeline", "--articles", "10000", "--flashpoints", "4",
		"--latency", "2ms", "--json").Output()
	require.NoError(t, err)
	var r struct {
		Articles  int            `json:"articles"`
		ByStatus  map[string]int `json:"articles_by_status"`
		PeakRSSMB float64        `json:"peak_rss_mb"`
	}
	require.NoError(t, json.Unmarshal(out, &r))
	require.Equal(t, 10000, r.ByStatus["ok"])
	t.Logf("peak RSS %.0f MB", r.PeakRSSMB)
	require.Less(t, r.PeakRSSMB, 300.0)
}
