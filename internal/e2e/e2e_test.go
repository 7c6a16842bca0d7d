package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/postgres/pgtest"
	"github.com/masx-ai/masx/store/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// masxBin builds cmd/masx once per test binary.
func masxBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the masx binary")
	}
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "masx-e2e-")
		if build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "masx")
		out, err := exec.Command("go", "build", "-o", build.bin, "../../cmd/masx").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, build.err)
	return build.bin
}

// env is what every masx process of these tests gets: the loopback site
// may be fetched, quickly, and abandoned jobs are rescued within a minute.
func procEnv() []string {
	return append(os.Environ(),
		"MASX_ALLOW_PRIVATE=1", "MASX_HOST_DELAY_MS=0", "MASX_HOST_CONCURRENCY=8",
		"MASX_JOB_TIMEOUT=20s", "MASX_JOB_RESCUE_AFTER=25s", "MASX_WORKER_GRACE=20s",
		"MASX_MIN_TEXT_CHARS=500", "MASX_LOG_LEVEL=info")
}

// proc is a running masx process whose stderr is kept for failure logs.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
	seen chan struct{} // closed when a line containing want was logged
	done chan error
}

func start(t *testing.T, name, want string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(masxBin(t), args...), seen: make(chan struct{}), done: make(chan error, 1)}
	p.cmd.Env = procEnv()
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	p.cmd.Stdout = io.Discard
	require.NoError(t, p.cmd.Start())
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if want != "" && strings.Contains(line, want) {
				once.Do(func() { close(p.seen) })
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			p.mu.Lock()
			t.Logf("--- %s stderr ---\n%s", p.name, tail(p.log.String(), 4000))
			p.mu.Unlock()
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// masxTables writes the site's flashpoints and feeds into the MASX daily
// input tables for date, shaped as the upstream system makes them.
func masxTables(t *testing.T, st *postgres.Store, site *demo.SyntheticSite, baseURL, day string) {
	t.Helper()
	ctx := t.Context()
	_, err := st.Pool().Exec(ctx, fmt.Sprintf(`
		CREATE TABLE flash_point_%[1]s (
			id UUID PRIMARY KEY, title TEXT, description TEXT, entities JSONB, domains TEXT[],
			run_id TEXT, created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now());
		CREATE TABLE feed_entries_%[1]s (
			id UUID PRIMARY KEY DEFAULT gen_random_uuid(), flashpoint_id UUID NOT NULL,
			url TEXT NOT NULL, title TEXT NOT NULL, seendate TEXT, domain TEXT, language TEXT,
			sourcecountry TEXT, description TEXT, image TEXT,
			created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now());`, day))
	require.NoError(t, err)
	var fpRows, feedRows [][]any
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, fp := range site.Flashpoints(baseURL) {
		fpRows = append(fpRows, []any{fp.ID, fp.Title, fp.Description, fp.Entities, fp.Domains})
		for i, f := range fp.Feeds {
			feedRows = append(feedRows, []any{fp.ID, f.URL, f.Title, f.SeenDate, f.Domain, f.Language, f.SourceCountry, f.Description, f.Image, base.Add(time.Duration(i) * time.Second)})
		}
	}
	_, err = st.Pool().CopyFrom(ctx, pgx.Identifier{"flash_point_" + day}, []string{"id", "title", "description", "entities", "domains"}, pgx.CopyFromRows(fpRows))
	require.NoError(t, err)
	_, err = st.Pool().CopyFrom(ctx, pgx.Identifier{"feed_entries_" + day},
		[]string{"flashpoint_id", "url", "title", "seendate", "domain", "language", "sourcecountry", "description", "image", "created_at"},
		pgx.CopyFromRows(feedRows))
	require.NoError(t, err)
}

// checkRun asserts the run completed and stored every article exactly
// once, processed.
func checkRun(t *testing.T, st store.Store, runID string, articles int) {
	t.Helper()
	ctx := t.Context()
	r, err := st.GetRun(ctx, runID)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	arts, err := st.Articles(ctx, store.ArticleQuery{RunID: runID, OmitText: true})
	require.NoError(t, err)
	require.Len(t, arts, articles, "every article stored exactly once")
	seen := map[string]bool{}
	for _, a := range arts {
		require.False(t, seen[a.FlashpointID+" "+a.URL], "stored twice: %s", a.URL)
		seen[a.FlashpointID+" "+a.URL] = true
		require.Equal(t, news.StatusOK, a.Status, "%s: %s", a.URL, a.Error)
	}
}

// TestTwoWorkersOnPostgresSurviveSIGKILL: 20 flashpoints from the MASX
// tables are queued with `masx run --detach`; two `masx worker` processes
// share them; one is killed with SIGKILL while it holds jobs. River rescues
// those jobs, the other worker finishes them, every article is stored
// exactly once, and the clusters land in news_clusters_YYYYMMDD.
func TestTwoWorkersOnPostgresSurviveSIGKILL(t *testing.T) {
	bin := masxBin(t)
	ctx := t.Context()
	dbURL := pgtest.Database(t)
	st, err := postgres.Open(ctx, dbURL, nil)
	require.NoError(t, err)
	defer st.Close()

	const flashpoints, perFP = 20, 4
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: flashpoints * perFP, Flashpoints: flashpoints, Topics: 2, Latency: 400 * time.Millisecond})
	require.NoError(t, err)
	srv := httptest.NewServer(site)
	defer srv.Close()
	masxTables(t, st, site, srv.URL, "20250601")

	out, err := exec.Command(bin, "run", "--db", dbURL, "--source", "masx", "--date", "2025-06-01", "--run-id", "scale", "--detach").Output()
	require.NoError(t, err)
	require.Equal(t, "scale\n", string(out))
	stat, err := jobs.RunStatus(ctx, st, "scale")
	require.NoError(t, err)
	require.Equal(t, news.RunRunning, stat.Run.State)
	require.Equal(t, flashpoints, stat.Flashpoints[news.RunRunning])

	a := start(t, "worker A", "", "worker", "--db", dbURL, "--concurrency", "3", "--method", "http")
	b := start(t, "worker B", "", "worker", "--db", dbURL, "--concurrency", "3", "--method", "http")

	// Kill A once it holds jobs and the run is under way, not done.
	require.Eventually(t, func() bool {
		var held int
		err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] LIKE $1`,
			fmt.Sprintf("%%-pid%d-%%", a.cmd.Process.Pid)).Scan(&held)
		if err != nil {
			return false
		}
		counts, _ := st.CountByStatus(ctx, "scale")
		return held >= 1 && counts[news.StatusOK] >= 8
	}, 2*time.Minute, 50*time.Millisecond, "worker A never held a job while the run was under way")
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGKILL))
	<-a.done
	a.done <- nil // for the cleanup

	wctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	r, err := jobs.Wait(wctx, st, "scale", 500*time.Millisecond, nil)
	require.NoError(t, err, "the run did not finish after a worker was killed")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	checkRun(t, st, "scale", flashpoints*perFP)

	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: "scale"})
	require.NoError(t, err)
	require.NotEmpty(t, cs)
	var masxRows, masxFPs int
	require.NoError(t, st.Pool().QueryRow(ctx, "SELECT count(*), count(DISTINCT flashpoint_id) FROM news_clusters_20250601").Scan(&masxRows, &masxFPs))
	require.Equal(t, len(cs), masxRows, "every cluster written to the MASX table, once")
	require.Equal(t, flashpoints, masxFPs)

	// Some of A's jobs were rescued: a job ran more than once.
	var rescued int
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE attempt > 1`).Scan(&rescued))
	require.Positive(t, rescued, "no job was rescued from the killed worker")

	// SIGTERM: B stops cleanly with exit 0.
	require.NoError(t, b.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-b.done:
		require.NoError(t, err, "worker exit after SIGTERM")
		b.done <- nil
	case <-time.After(time.Minute):
		t.Fatal("worker B did not stop within a minute of SIGTERM")
	}

	// Status is readable from any process.
	out, err = exec.Command(bin, "status", "scale", "--db", dbURL).Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "scale (completed")
	require.Contains(t, string(out), fmt.Sprintf("completed %d", flashpoints))
}

// TestSameRunOnEmbeddedSQLite: the same input with the embedded default,
// `masx run` on SQLite with in-process workers, no server.
func TestSameRunOnEmbeddedSQLite(t *testing.T) {
	bin := masxBin(t)
	const flashpoints, perFP = 20, 4
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: flashpoints * perFP, Flashpoints: flashpoints, Topics: 2, Latency: 50 * time.Millisecond})
	require.NoError(t, err)
	srv := httptest.NewServer(site)
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "fps.jsonl")
	f, err := os.Create(in)
	require.NoError(t, err)
	require.NoError(t, site.WriteJSONL(f, srv.URL))
	require.NoError(t, f.Close())
	db := filepath.Join(dir, "masx.db")

	cmd := exec.Command(bin, "run", "--input", in, "--db", "sqlite://"+db, "--run-id", "embedded", "--method", "http", "--json")
	cmd.Env = procEnv()
	out, err := cmd.Output()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), `"state": "completed"`)

	st, err := sqlite.Open(t.Context(), db, nil)
	require.NoError(t, err)
	defer st.Close()
	checkRun(t, st, "embedded", flashpoints*perFP)
	fs, err := st.FlashpointStates(t.Context(), "embedded")
	require.NoError(t, err)
	require.Len(t, fs, flashpoints)
	for _, s := range fs {
		require.Equal(t, news.RunCompleted, s.State, s.ID)
	}
}

// TestBenchScale runs `masx bench scale` small: an embedded run and runs
// with 1 and 2 PostgreSQL worker processes, all completing.
func TestBenchScale(t *testing.T) {
	bin := masxBin(t)
	dbURL := pgtest.Database(t)
	cmd := exec.Command(bin, "bench", "scale", "--db", dbURL, "--articles", "48", "--flashpoints", "8",
		"--concurrency", "2", "--workers", "1,2", "--latency", "20ms", "--json")
	cmd.Env = procEnv()
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Logf("stderr: %s", ee.Stderr)
	}
	require.NoError(t, err)
	var rep struct {
		CPUs    int `json:"cpus"`
		Results []struct {
			Mode           string  `json:"mode"`
			Workers        int     `json:"workers"`
			PerWorker      int     `json:"concurrency_per_worker"`
			ArticlesPerSec float64 `json:"articles_per_sec"`
			VsEmbedded     float64 `json:"vs_embedded"`
			State          string  `json:"state"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(out, &rep), string(out))
	require.Positive(t, rep.CPUs)
	require.Len(t, rep.Results, 3)
	require.Equal(t, "embedded", rep.Results[0].Mode)
	require.InDelta(t, 1.0, rep.Results[0].VsEmbedded, 1e-9)
	for i, w := range []int{1, 2} {
		r := rep.Results[i+1]
		require.Equal(t, "postgres", r.Mode)
		require.Equal(t, w, r.Workers)
		require.Equal(t, 2/w, r.PerWorker, "same total concurrency")
	}
	for _, r := range rep.Results {
		require.Equal(t, "completed", r.State)
		require.Positive(t, r.ArticlesPerSec)
	}

	code := exec.Command(bin, "bench", "scale", "--workers", "3", "--concurrency", "4", "--db", dbURL).Run()
	require.Error(t, code)
	require.Equal(t, 2, code.(*exec.ExitError).ExitCode(), "3 does not divide 4: a usage error")
}
