package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/api/dashboard"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/open"
)

// demoOptions are `masx demo`'s inputs.
type demoOptions struct {
	*App
	// DB is the database; empty means the configured one, MASX_DB_URL or
	// sqlite://<MASX_DATA_DIR>/masx.db, where `masx results` looks.
	DB     string
	Method crawl.Method
	JSON   bool
	// Open opens the HTML report in the default browser.
	Open bool
}

func newDemoCmd(app *App, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{App: app}
	var method string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline over a bundled local news site and print the clusters",
		Long: `Serves a bundled, fictional, multilingual news site on loopback (3
flashpoints, 6 stories, 57 feed entries in 6 languages, including pages that
need JavaScript, pages too short to keep and broken links), runs the full
pipeline over it as a new run in the data folder's database (MASX_DATA_DIR,
--data-dir; or --db), and prints the results. 'masx results' afterwards
shows the same clusters. It needs no network. Private addresses are
allowed for the demo site only.

It also writes the run as a self-contained HTML report (the dashboard's
pages in one file) to <data dir>/reports/RUN.html and prints its path;
--open opens it in the default browser. 'masx serve' on the same data
folder shows the run in the dashboard at http://127.0.0.1:8080/.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			opts.Method = m
			return runOr(cmd.Context(), opts, runF, demoRun)
		},
	}
	cmd.Flags().StringVar(&opts.DB, "db", "", "database URL (default MASX_DB_URL or sqlite://<data dir>/masx.db, where 'masx results' looks)")
	cmd.Flags().StringVar(&method, "method", "auto", "how pages are got: auto, http or browser")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the clusters as JSON")
	cmd.Flags().BoolVar(&opts.Open, "open", false, "open the HTML report in the default browser (xdg-open, open), when there is one")
	return cmd
}

func demoRun(ctx context.Context, opts *demoOptions) error {
	removeStaleDemoFolders(os.TempDir(), staleAfter, opts.Logger.Warn)
	site, err := demo.Start(ctx)
	if err != nil {
		return fmt.Errorf("serving the demo site: %w", err)
	}
	defer site.Close()
	db := opts.DB
	if db == "" {
		db = opts.Settings.ResolvedDBURL()
	}
	fmt.Fprintf(opts.Stderr, "masx demo: site %s, store %s\n", site.URL, open.Redact(db))
	// Through River like any run: in-process workers on SQLite, or on
	// the PostgreSQL named by --db (where masx worker processes may help).
	env, err := newJobsEnv(ctx, opts.App, jobsOptions{envOptions: envOptions{DBURL: db, Method: opts.Method},
		Workers: opts.Settings.FlashpointConcurrency, Settings: settingsForLoopback(opts.Settings)})
	if err != nil {
		return err
	}
	defer closeEnv(env, opts.App)
	var works []pipeline.Work
	for _, fp := range demo.Flashpoints(site.URL) {
		works = append(works, pipeline.Work{Flashpoint: fp})
	}
	run := news.Run{ID: runIDOr(""), Input: "demo " + site.URL}
	if err := execute(ctx, opts.App, env, run, pipeline.Slice(works), execOptions{}); err != nil {
		return err
	}
	fmt.Fprintln(opts.Stdout)
	if err := printResults(ctx, opts.Stdout, env.Store, run.ID, "", opts.JSON); err != nil {
		return err
	}
	fmt.Fprintf(opts.Stderr, "masx demo: run %s is kept in %s; '%s' shows it again\n", run.ID, open.Redact(db), resultsCommand(opts.Settings, opts.DB))
	report, err := writeReport(ctx, env.Store, filepath.Join(opts.Settings.DataDir, "reports"), run.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Stderr, "masx demo: report %s\n", report)
	if opts.Open {
		openInBrowser(ctx, report, opts.App)
	}
	return nil
}

// writeReport writes run runID's HTML report into dir as RUN.html and
// returns its path. The file is written whole or not at all.
func writeReport(ctx context.Context, st store.Store, dir, runID string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, runID+".html"))
	if err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	f, err := os.CreateTemp(dir, ".report-*.html")
	if err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	defer os.Remove(f.Name()) // gone after the rename; removes a partial file
	err = dashboard.Report(ctx, f, st, runID)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("writing the report %s: %w", path, err)
	}
	return path, nil
}

// browserOpener is the command that opens a file in the default browser
// on goos, with the arguments before the file; nil where none is known.
func browserOpener(goos string) []string {
	switch goos {
	case "darwin":
		return []string{"open"}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}
	case "linux", "freebsd", "openbsd", "netbsd":
		return []string{"xdg-open"}
	}
	return nil
}

// openerTimeout bounds the opener command: xdg-open and open return once
// the browser is asked, they do not wait for it.
const openerTimeout = 15 * time.Second

// openInBrowser asks the platform's opener to show path. Without one, or
// when it fails, it says so and where the report is: the demo itself
// succeeded.
func openInBrowser(ctx context.Context, path string, app *App) {
	argv := browserOpener(runtime.GOOS)
	ok := argv != nil
	if ok {
		if _, err := exec.LookPath(argv[0]); err != nil {
			ok = false
		}
	}
	if !ok {
		fmt.Fprintf(app.Stderr, "masx demo: --open: no browser opener (xdg-open, open) found here; open %s in a browser\n", path)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, openerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], path)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(app.Stderr, "masx demo: --open: %s %s: %v %s; open %s in a browser\n", argv[0], path, err, strings.TrimSpace(string(out)), path)
	}
}

// resultsCommand is the `masx results` command line that reads the
// database the demo wrote: the settings that chose it came from the
// environment or a .env file, which the next command reads too, or from
// a flag, which it must repeat.
func resultsCommand(s *config.Settings, db string) string {
	args := []string{"masx", "results"}
	switch {
	case db != "":
		args = append(args, "--db", open.Redact(db))
	case s.DBURL != "" && s.Source("MASX_DB_URL") == config.SourceFlag:
		args = append(args, "--db-url", open.Redact(s.DBURL))
	case s.DBURL == "" && s.Source("MASX_DATA_DIR") == config.SourceFlag:
		args = append(args, "--data-dir", s.DataDir)
	}
	return strings.Join(args, " ")
}

// staleAfter is how old a demo's temporary folder must be to be removed.
// A demo takes seconds; an hour leaves any demo still running alone.
const staleAfter = time.Hour

// removeStaleDemoFolders removes the masx-demo-* folders that demos made
// in dir before they kept their runs in the data folder, once nothing has
// changed in them for age. It reports what it cannot remove to warn.
func removeStaleDemoFolders(dir string, age time.Duration, warn func(msg string, args ...any)) {
	folders, _ := filepath.Glob(filepath.Join(dir, "masx-demo-*"))
	for _, f := range folders {
		if !untouchedFor(f, age) {
			continue
		}
		if err := os.RemoveAll(f); err != nil {
			warn("removing a stale demo folder", "folder", f, "err", err)
		}
	}
}

// untouchedFor says whether folder f and everything directly in it were
// last modified at least age ago.
func untouchedFor(f string, age time.Duration) bool {
	cutoff := time.Now().Add(-age)
	st, err := os.Stat(f)
	if err != nil || !st.IsDir() || st.ModTime().After(cutoff) {
		return false
	}
	entries, err := os.ReadDir(f)
	if err != nil {
		return false
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			return false
		}
	}
	return true
}
