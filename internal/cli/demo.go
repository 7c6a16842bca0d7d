package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store/open"
)

func newDemoCmd(app *App) *cobra.Command {
	var (
		db, dataDir, method string
		asJSON              bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline over a bundled local news site and print the clusters",
		Long: `Serves a bundled, fictional, multilingual news site on loopback (3
flashpoints, 6 stories, 57 feed entries in 6 languages, including pages that
need JavaScript, pages too short to keep and broken links), runs the full
pipeline over it into a fresh data folder, and prints the results. It needs
no network. Private addresses are allowed for the demo site only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			site, err := demo.Start(ctx)
			if err != nil {
				return fmt.Errorf("serving the demo site: %w", err)
			}
			defer site.Close()
			if db == "" {
				if dataDir == "" {
					if dataDir, err = os.MkdirTemp("", "masx-demo-"); err != nil {
						return err
					}
				}
				db = "sqlite://" + filepath.Join(dataDir, "masx.db")
			}
			fmt.Fprintf(app.Stderr, "masx demo: site %s, store %s\n", site.URL, open.Redact(db))
			// Through River like any run: in-process workers on SQLite, or on
			// the PostgreSQL named by --db (where masx worker processes may help).
			env, err := newJobsEnv(ctx, app, jobsOptions{envOptions: envOptions{DBURL: db, Method: m},
				Workers: app.Settings.FlashpointConcurrency, Settings: settingsForLoopback(app.Settings)})
			if err != nil {
				return err
			}
			defer closeEnv(env, app)
			var works []pipeline.Work
			for _, fp := range demo.Flashpoints(site.URL) {
				works = append(works, pipeline.Work{Flashpoint: fp})
			}
			run := news.Run{ID: runIDOr(""), Input: "demo " + site.URL}
			if err := execute(ctx, app, env, run, pipeline.Slice(works), execOptions{}); err != nil {
				return err
			}
			fmt.Fprintln(app.Stdout)
			return printResults(ctx, app.Stdout, env.Store, run.ID, "", asJSON)
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "database URL (default: a fresh SQLite file in --data-dir)")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "folder for the demo database (default: a new temporary folder)")
	cmd.Flags().StringVar(&method, "method", "auto", "how pages are got: auto, http or browser")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the clusters as JSON")
	return cmd
}
