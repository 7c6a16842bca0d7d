package cli

import (
	"github.com/spf13/cobra"
)

// Version is the masx version, set at build time with -ldflags.
var Version = "0.1.0-dev"

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "masx",
		Short: "News ETL for geopolitical flashpoints on a CPU/GPU concurrency runtime",
		Long: `masx fetches, renders and extracts news articles for world flashpoints,
identifies their language, compresses, translates, summarizes and embeds them,
clusters them per flashpoint and stores cluster summaries and per-article results.

Settings come from flags, then the environment, then an optional .env file;
every setting is listed in 'masx doctor' and in the README.

Exit codes: 0 ok, 1 failure, 2 usage or input error.`,
		Version:           Version,
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return app.load(cmd) },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return AsUsage(err) })
	app.bindSettingFlags(root.PersistentFlags())

	// One line per command; each constructor lives in its own file and
	// takes the run function tests may replace (nil: the real one).
	root.AddCommand(
		newDoctorCmd(app, nil),
		newSettingsCmd(app, nil),
		newCmdRun(app, nil),
		newResultsCmd(app, nil),
		newCmdStatus(app, nil),
		newCmdWorker(app, nil),
		newDemoCmd(app, nil),
		newBenchCmd(app),
		newEvalCmd(app),
		newClusterCmd(app, nil),
		newTokenizeCmd(app, nil),
		newModelsCmd(app),
		newEmbedCmd(app, nil),
		newSummarizeCmd(app, nil),
		newLangidCmd(app, nil),
		newTranslateCmd(app, nil),
		newExtractCmd(app, nil),
		newFetchCmd(app, nil),
		newCmdServe(app, nil),
	)
	return root
}

// newBenchCmd groups the `masx bench …` measurements; each subcommand lives
// in bench_<name>.go.
func newBenchCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure parts of masx side by side on this machine",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Usagef("bench needs a subcommand; see 'masx bench --help'")
		},
	}
	cmd.AddCommand(
		// newBenchXxxCmd(app) constructors, one per line
		newBenchBatchCmd(app, nil),
		newBenchPipelineCmd(app, nil),
		newBenchClusterCmd(app, nil),
		newBenchEmbedCmd(app, nil),
		newBenchGenerateCmd(app, nil),
		newBenchRenderCmd(app, nil),
		newBenchScaleCmd(app, nil),
		newBenchTokenizeCmd(app, nil),
	)
	return cmd
}
