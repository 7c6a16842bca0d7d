package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/open"
)

// statusOptions are `masx status`'s inputs once its flags are parsed.
type statusOptions struct {
	App *App
	// RunID is the run to show; empty: the latest.
	RunID string
	DB    string
	JSON  bool
	// Watch, when positive, repeats every Watch until the run is finished.
	Watch time.Duration
}

// newCmdStatus builds `masx status`. runF runs the parsed options; nil
// means statusRun.
func newCmdStatus(app *App, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{App: app}
	cmd := &cobra.Command{
		Use:   "status [RUN]",
		Short: "Show a run's progress from any machine that reaches its database",
		Long: `Prints a run's state (the latest run by default): flashpoints by state,
articles by status, progress and elapsed time, and why flashpoints failed.
It reads only the database, so it works from any machine: the run may be
worked by 'masx worker' processes elsewhere. --watch repeats every interval
until the run is finished.

Exit codes: 0 shown, 1 the database failed, 2 no such run.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RunID = ""
			if len(args) == 1 {
				opts.RunID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.DB, "db", "", "database URL (default MASX_DB_URL or sqlite://<data dir>/masx.db)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&opts.Watch, "watch", 0, "repeat every interval (e.g. 2s) until the run is finished")
	return cmd
}

// statusRun prints the run's status, and with Watch again every Watch
// until the run is finished or ctx ends.
func statusRun(ctx context.Context, opts *statusOptions) error {
	app := opts.App
	st, err := openStore(ctx, app, opts.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	runID, err := resolveRun(ctx, st, opts.RunID)
	if err != nil {
		return err
	}
	for {
		s, err := jobs.RunStatus(ctx, st, runID)
		if err != nil {
			return err
		}
		if opts.JSON {
			if err := writeJSON(app.Stdout, s); err != nil {
				return err
			}
		} else {
			printStatus(app.Stdout, s)
		}
		if opts.Watch <= 0 || s.Run.State.Finished() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(opts.Watch):
		}
	}
}

// openStore opens --db or the configured database; a bad URL is a usage
// error.
func openStore(ctx context.Context, app *App, db string) (store.Store, error) {
	url := db
	if url == "" {
		url = app.Settings.ResolvedDBURL()
	}
	st, err := open.Open(ctx, url)
	if err != nil {
		if errors.Is(err, store.ErrBadURL) {
			return nil, AsUsage(err)
		}
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	return st, nil
}

// redactURL names the database in messages without its password.
func redactURL(db string, app *App) string {
	if db == "" {
		db = app.Settings.ResolvedDBURL()
	}
	return open.Redact(db)
}

func printStatus(w io.Writer, s jobs.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	r := s.Run
	fmt.Fprintf(tw, "run\t%s (%s, attempt %d)\n", r.ID, r.State, r.Attempt)
	if r.Input != "" {
		fmt.Fprintf(tw, "input\t%s\n", r.Input)
	}
	fmt.Fprintf(tw, "started\t%s\n", r.StartedAt.Format(time.RFC3339))
	fmt.Fprintf(tw, "elapsed\t%s\n", s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "progress\t%.0f%%\n", 100*s.Progress)
	fmt.Fprintf(tw, "flashpoints\t%s\n", countsLine(s.Flashpoints))
	fmt.Fprintf(tw, "articles\t%s\n", countsLine(s.Articles))
	for _, f := range s.Failed {
		fmt.Fprintf(tw, "flashpoint %s\t%s: %s\n", f.ID, f.State, f.Error)
	}
	if r.Error != "" {
		fmt.Fprintf(tw, "error\t%s\n", r.Error)
	}
	_ = tw.Flush()
}

// countsLine prints "completed 3, running 1" in name order.
func countsLine[K ~string](m map[K]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %d", k, m[K(k)])
	}
	return out
}
