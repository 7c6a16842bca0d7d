package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/api/dashboard"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// resultsOptions are `masx results`'s inputs.
type resultsOptions struct {
	*App
	RunID, FlashpointID string
	DB                  string // default MASX_DB_URL or sqlite://<data dir>/masx.db
	JSON                bool
	// Format is text, json or html; --json is --format json.
	Format string
}

func newResultsCmd(app *App, runF func(context.Context, *resultsOptions) error) *cobra.Command {
	opts := &resultsOptions{App: app}
	cmd := &cobra.Command{
		Use:   "results [--run ID] [--flashpoint ID] [--format text|json|html]",
		Short: "Print stored clusters with their summaries, domains and URLs",
		Long: `Prints the clusters of a run (the latest by default), one flashpoint after
another, with each cluster's summary, article count, top domains, languages
and URLs, then the articles that fit no story (unclustered). --format json (or --json) prints an array of clusters.

--format html writes the run as one self-contained HTML file, the
dashboard's pages in one: every flashpoint's stories, a map and a timeline
of its articles, each cluster's articles and the articles that did not
make it, with their reasons. The CSS and the charts are inline and there
is no script, so the file can be mailed or attached to a ticket:

  masx results --format html > report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOr(cmd.Context(), opts, runF, resultsRun)
		},
	}
	cmd.Flags().StringVar(&opts.RunID, "run", "", "run id (default: the latest run)")
	cmd.Flags().StringVar(&opts.FlashpointID, "flashpoint", "", "only this flashpoint")
	cmd.Flags().StringVar(&opts.DB, "db", "", "database URL (default MASX_DB_URL or sqlite://<data dir>/masx.db)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (--format json)")
	cmd.Flags().StringVar(&opts.Format, "format", "text", "text, json or html (one self-contained page)")
	return cmd
}

func resultsRun(ctx context.Context, opts *resultsOptions) error {
	format := strings.ToLower(strings.TrimSpace(opts.Format))
	switch {
	case format == "" || format == "text":
		format = "text"
		if opts.JSON {
			format = "json"
		}
	case format != "json" && format != "html":
		return Usagef("--format %q: want text, json or html", opts.Format)
	case opts.JSON && format != "json":
		return Usagef("--json and --format %s: give one", format)
	}
	if format == "html" && opts.FlashpointID != "" {
		return Usagef("--flashpoint with --format html: the report covers the whole run; leave --flashpoint out")
	}
	st, err := openStore(ctx, opts.App, opts.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if format == "html" {
		runID, err := resolveRun(ctx, st, opts.RunID)
		if err != nil {
			return err
		}
		return dashboard.Report(ctx, opts.Stdout, st, runID)
	}
	return printResults(ctx, opts.Stdout, st, opts.RunID, opts.FlashpointID, format == "json")
}

func printResults(ctx context.Context, w io.Writer, st store.Store, runID, fpID string, asJSON bool) error {
	runID, err := resolveRun(ctx, st, runID)
	if err != nil {
		return err
	}
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: runID, FlashpointID: fpID})
	if err != nil {
		return err
	}
	if asJSON {
		if cs == nil {
			cs = []news.Cluster{}
		}
		return writeJSON(w, cs)
	}
	titles := map[string]string{}
	if fps, err := st.Flashpoints(ctx, runID); err == nil {
		for _, fp := range fps {
			titles[fp.ID] = fp.Title
		}
	}
	tags, err := readTranslationTags(ctx, st, runID, fpID)
	if err != nil {
		return err
	}
	us, err := unclustered(ctx, st, runID, fpID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run %s: %d clusters, %d unclustered articles\n", runID, len(cs), len(us))
	last := ""
	shown := map[string]bool{}
	for _, c := range cs {
		if c.FlashpointID != last {
			if last != "" {
				printUnclustered(w, us, last)
			}
			fmt.Fprintf(w, "\n== %s (%s)\n", titles[c.FlashpointID], c.FlashpointID)
			last, shown[c.FlashpointID] = c.FlashpointID, true
		}
		fmt.Fprintf(w, "\n  cluster %d: %d articles; domains %s; languages %s\n", c.ClusterID, c.ArticleCount,
			strings.Join(c.TopDomains, ", "), strings.Join(c.Languages, ", "))
		fmt.Fprintf(w, "  %s\n", wrap(c.Summary, 100, "  "))
		for _, u := range c.URLs {
			fmt.Fprintf(w, "    - %s%s\n", u, tags.tags[u])
		}
	}
	tags.printSummary(w)

	if last != "" {
		printUnclustered(w, us, last)
	}
	for _, u := range us { // flashpoints with no cluster at all
		if !shown[u.FlashpointID] {
			shown[u.FlashpointID] = true
			fmt.Fprintf(w, "\n== %s (%s)\n", titles[u.FlashpointID], u.FlashpointID)
			printUnclustered(w, us, u.FlashpointID)
		}
	}
	return nil
}

// wrap breaks s into lines of at most width runes, indenting every line
// after the first.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if n+1+len([]rune(word)) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len([]rune(word))
	}
	return b.String()
}

// resolveRun returns runID when it is stored, or the latest run's id when
// runID is empty; a missing run is a usage error.
func resolveRun(ctx context.Context, st store.Store, runID string) (string, error) {
	if runID == "" {
		r, err := st.LatestRun(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return "", Usagef("no run stored yet: run 'masx run --input …' or 'masx demo' first")
		}
		return r.ID, err
	}
	if _, err := st.GetRun(ctx, runID); errors.Is(err, store.ErrNotFound) {
		return "", Usagef("run %q not found", runID)
	} else if err != nil {
		return "", err
	}
	return runID, nil
}
