package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api/dashboard/chromiumtest"
	"github.com/masx-ai/masx/etl/demo"
)

// screenshotEnv, set to 1, makes TestDashboardFollowsTheDemoInChromium
// rewrite the README's screenshot of a flashpoint page.
const screenshotEnv = "MASX_UPDATE_SCREENSHOT"

// readmeScreenshot is the screenshot the README shows, from the
// repository root; maxScreenshotBytes keeps the repository small.
const (
	readmeScreenshot   = "docs/dashboard-flashpoint.png"
	maxScreenshotBytes = 150 << 10
)

// TestDashboardFollowsTheDemoInChromium drives a real headless Chromium
// through `masx serve` with a key while it runs the demo: the login
// form, the run list updating without a reload, the run, the three
// flashpoints with the demo's six stories and their maps, a cluster, the
// articles that did not make it, the submit form; every page without a
// console error, a screenshot of each under the test's temp folder.
func TestDashboardFollowsTheDemoInChromium(t *testing.T) {
	const key = "dashboard-e2e-key"
	chromiumtest.Path(t)
	dir := t.TempDir()
	site, err := demo.Start(t.Context())
	require.NoError(t, err)
	defer site.Close()
	for k, v := range map[string]string{
		"MASX_API_KEY": key, "MASX_LISTEN": "127.0.0.1:0", "MASX_DATA_DIR": dir,
		"MASX_ALLOW_PRIVATE": "true", "MASX_HOST_DELAY_MS": "0", "MASX_HOST_CONCURRENCY": "8",
		"MASX_LOG_LEVEL": "warn", "MASX_WORKER_GRACE": "5s",
	} {
		t.Setenv(k, v)
	}
	srv := startServe(t, "--workers", "2", "--method", "http", "--db", "sqlite://"+filepath.Join(dir, "serve.db"))
	b := chromiumtest.Start(t, 4*time.Minute)
	shots := t.TempDir()

	// No session: the login form, then the runs.
	b.Open(srv.Base+"/", "form.login")
	b.Screenshot(shots, "login")
	p := b.TakeProblems()
	require.Len(t, p, 1, "%q", p)
	require.Contains(t, p[0], "status of 401", "the refusal")
	b.Fill("#key", key)
	b.Click("form.login button")
	b.WaitFor(`document.querySelector("table.runs") !== null`, time.Minute)
	require.Contains(t, chromiumtest.Eval[string](b, `document.querySelector("table.runs").textContent`), "No runs yet")
	// A marker that a reload would lose.
	chromiumtest.Eval[int](b, `window.__sameDocument = 1`)

	fps, err := json.Marshal(demo.Flashpoints(site.URL))
	require.NoError(t, err)
	code, raw := srv.Call(t, key, "POST", "/v1/runs", fmt.Sprintf(`{"run_id": "demo-run", "input": %s}`, fps))
	require.Equal(t, http.StatusAccepted, code, string(raw))

	// The list shows the run, then its completion, in the same document.
	b.WaitFor(`document.querySelector('tr[data-run="demo-run"]') !== null`, time.Minute)
	b.WaitFor(`document.querySelector('tr[data-run="demo-run"]').dataset.state === "completed"`, 2*time.Minute)
	require.Equal(t, 1, chromiumtest.Eval[int](b, `window.__sameDocument`), "the page was not reloaded")
	require.Equal(t, "100", chromiumtest.Eval[string](b, `document.querySelector('tr[data-run="demo-run"] td.progress').dataset.percent`))
	b.Screenshot(shots, "runs")

	// The run: three completed flashpoints.
	b.Open(srv.Base+"/runs/demo-run", "table.flashpoints")
	b.Screenshot(shots, "run")
	fpLinks := chromiumtest.Eval[[]string](b, `[...document.querySelectorAll("table.flashpoints tbody th a")].map(a => a.href)`)
	require.Len(t, fpLinks, 3)

	// The flashpoints: six stories in all, each with a summary; one map
	// point per clustered article.
	stories := 0
	for i, link := range fpLinks {
		b.Open(link, "svg.map-svg")
		rows := chromiumtest.Eval[int](b, `document.querySelectorAll("table.clusters tbody tr[data-cluster]").length`)
		stories += rows
		require.Equal(t, rows, chromiumtest.Eval[int](b, `[...document.querySelectorAll("table.clusters td.summary")].filter(td => td.textContent.trim().length > 40).length`),
			"every story has a summary")
		inClusters := chromiumtest.Eval[int](b, `[...document.querySelectorAll("table.clusters tbody td.num")].reduce((n, td) => n + parseInt(td.textContent, 10), 0)`)
		points := chromiumtest.Eval[int](b, `document.querySelectorAll('svg.map-svg a.pt:not([data-cluster="-1"]) circle').length`)
		require.Positive(t, points)
		require.Equal(t, inClusters, points, "one point per clustered article on %s", link)
		require.Positive(t, chromiumtest.Eval[int](b, `document.querySelectorAll("svg.timeline-svg rect").length`), "a timeline")
		// Every link of the page answers.
		bad := chromiumtest.EvalAwait[[]string](b, `Promise.all([...new Set([...document.querySelectorAll('a[href^="/"]')].map(a => a.href))]
			.map(u => fetch(u).then(r => r.ok ? "" : u + " " + r.status))).then(l => l.filter(Boolean))`)
		require.Empty(t, bad)
		if i == 0 {
			b.Screenshot(shots, "flashpoint")
			if os.Getenv(screenshotEnv) == "1" {
				writeReadmeScreenshot(t, b, link)
			}
		}
	}
	require.Equal(t, 6, stories, "the demo's six stories")

	// A cluster, through its link.
	b.Open(fpLinks[0], "table.clusters")
	b.Click("table.clusters tbody th a")
	b.WaitFor(`document.querySelector("table.articles") !== null && location.pathname.includes("/clusters/")`, time.Minute)
	require.Positive(t, chromiumtest.Eval[int](b, `document.querySelectorAll("table.articles tbody tr a.title").length`))
	b.Screenshot(shots, "cluster")

	// What did not make it: the demo's short, broken and blocked pages.
	b.Open(srv.Base+"/runs/demo-run/missing", "section.missing")
	statuses := chromiumtest.Eval[[]string](b, `[...document.querySelectorAll("section.missing h3 span")].map(s => s.textContent)`)
	require.Subset(t, statuses, []string{"dropped_short", "fetch_failed"})
	require.Positive(t, chromiumtest.Eval[int](b, `[...document.querySelectorAll("td.reason")].filter(td => td.textContent.length > 10).length`))
	b.Screenshot(shots, "missing")

	// The form, with the session's CSRF token, reaches the API's
	// validation: SQLite has no MASX tables.
	b.Open(srv.Base+"/submit", "form.submit")
	b.Fill("#date", "2025-06-10")
	b.Click("form.submit button")
	b.WaitFor(`document.querySelector(".problem") !== null`, time.Minute)
	require.Contains(t, chromiumtest.Eval[string](b, `document.querySelector(".problem").textContent`), "no MASX tables")
	b.Screenshot(shots, "submit")
	p = b.TakeProblems()
	require.Len(t, p, 1, "%q", p)
	require.Contains(t, p[0], "status of 400", "the refused form")

	require.Empty(t, b.Problems(), "console errors, refused resources or dialogs")
	for _, name := range []string{"login", "runs", "run", "flashpoint", "cluster", "missing", "submit"} {
		require.FileExists(t, filepath.Join(shots, name+".png"))
	}
	t.Logf("screenshots in %s", shots)
	require.Equal(t, ExitOK, srv.Stop(t), srv.Stderr.String())
}

// writeReadmeScreenshot rewrites the README's picture of a flashpoint
// page: from its top to the end of the map, scaled down, kept under
// maxScreenshotBytes.
func writeReadmeScreenshot(t *testing.T, b *chromiumtest.Browser, link string) {
	t.Helper()
	b.Open(link, "svg.map-svg")
	bottom := chromiumtest.Eval[float64](b, `document.querySelector("figure.map").getBoundingClientRect().bottom + window.scrollY`)
	width := chromiumtest.Eval[float64](b, `document.documentElement.scrollWidth`)
	png := b.ClipScreenshot(0, 0, width, bottom+8, 0.55)
	require.Less(t, len(png), maxScreenshotBytes, "the README screenshot is %d bytes", len(png))
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, readmeScreenshot), png, 0o644))
	t.Logf("wrote %s (%d bytes)", readmeScreenshot, len(png))
}

// masx demo writes its report where it says, --open hands it to the
// platform's opener, and masx results --format html writes the same
// kind of page.
func TestDemoReportAndResultsHTML(t *testing.T) {
	dir := t.TempDir()
	// A test double for the desktop's browser opener, which this machine
	// lacks: a script named xdg-open that records what it was asked to open.
	bin := t.TempDir()
	opened := filepath.Join(dir, "opened.txt")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "xdg-open"), []byte("#!/bin/sh\nprintf '%s' \"$1\" > "+opened+"\n"), 0o755))
	env := map[string]string{"MASX_DATA_DIR": dir, "MASX_DB_URL": "", "PATH": bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	code, _, stderr := runMasx(t, invocation{Env: env, Within: 3 * time.Minute}, "demo", "--method", "http", "--open")
	require.Equal(t, ExitOK, code, stderr)
	m := regexp.MustCompile(`masx demo: report (\S+\.html)`).FindStringSubmatch(stderr)
	require.NotNil(t, m, stderr)
	require.Equal(t, filepath.Join(dir, "reports"), filepath.Dir(m[1]))
	report, err := os.ReadFile(m[1])
	require.NoError(t, err)
	require.Contains(t, string(report), "<svg")
	require.NotContains(t, string(report), "<script")
	got, err := os.ReadFile(opened)
	require.NoError(t, err)
	require.Equal(t, m[1], string(got))

	code, out, stderr := runCLI(t, "results", "--format", "html")
	require.Equal(t, ExitOK, code, stderr)
	require.True(t, strings.HasPrefix(out, "<!doctype html>"), out[:min(len(out), 200)])
	require.Equal(t, strings.Count(string(report), `class="pt"`), strings.Count(out, `class="pt"`), "the same map")

	for _, args := range [][]string{{"--format", "pdf"}, {"--format", "html", "--flashpoint", "x"}, {"--json", "--format", "html"}} {
		code, _, stderr = runCLI(t, append([]string{"results"}, args...)...)
		require.Equal(t, ExitUsage, code, "%v: %s", args, stderr)
	}

	// Without an opener, --open says where the report is instead.
	app := testApp(t, nil, &strings.Builder{}, &strings.Builder{})
	var msg strings.Builder
	app.Stderr = &msg
	t.Setenv("PATH", t.TempDir())
	openInBrowser(context.Background(), m[1], app)
	require.Contains(t, msg.String(), "no browser opener")
	require.Contains(t, msg.String(), m[1])
}
