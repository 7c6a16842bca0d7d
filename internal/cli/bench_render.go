package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/internal/bench/renderbench"
)

// benchRenderOptions are `masx bench render`'s inputs.
type benchRenderOptions struct {
	*App
	Pages, Sequential, Pool, Conns int
	JSON                           bool
}

func newBenchRenderCmd(app *App, runF func(context.Context, *benchRenderOptions) error) *cobra.Command {
	opts := &benchRenderOptions{App: app}
	cmd := &cobra.Command{
		Use:   "render [--json]",
		Short: "Browser pool vs sequential renders, the HTTP path and extraction on a local news site",
		Long: `Measure, in one run, on a generated local site of article pages (150 KB
each, with navigation, sidebars, comments, inline CSS and scripts: etl/demo's
synthetic site, cluttered), served on loopback and allowed through the SSRF
guard for that address only:

  browser sequential  --sequential pages rendered one at a time
  browser pool        all pages with a pool of --pool pages (target ≥ 4× sequential)
  http                all pages over HTTP, --conns at once, politeness lifted (target ≥ 300 pages/s)
  extract             all pages extracted on one goroutine: pages per CPU-second,
                      i.e. per core (target ≥ 40)

Chromium comes from MASX_CHROMIUM_PATH; the render deadline from RENDER_TIMEOUT_S.`,
		Example: `  masx bench render
  masx bench render --json --pages 100 --sequential 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o := opts; o.Pages < 1 || o.Sequential < 1 || o.Pool < 1 || o.Conns < 1 {
				return Usagef("--pages %d, --sequential %d, --pool %d, --conns %d: want each ≥ 1", o.Pages, o.Sequential, o.Pool, o.Conns)
			}
			return runOr(cmd.Context(), opts, runF, benchRenderRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&opts.Pages, "pages", 200, "pages in the site, and in each pool, HTTP and extract pass")
	cmd.Flags().IntVar(&opts.Sequential, "sequential", 40, "pages rendered one at a time")
	cmd.Flags().IntVar(&opts.Pool, "pool", 5, "pages the browser pool renders at once")
	cmd.Flags().IntVar(&opts.Conns, "conns", 32, "HTTP fetches in flight")
	return cmd
}

func benchRenderRun(ctx context.Context, opts *benchRenderOptions) error {
	rep, err := renderbench.Run(ctx, renderbench.Config{
		Fetch:      fetchConfig(opts.Settings),
		Render:     renderConfig(opts.Settings),
		Pages:      opts.Pages,
		Sequential: opts.Sequential,
		PoolPages:  opts.Pool,
		HTTPConns:  opts.Conns,
		Logf:       func(f string, a ...any) { opts.Logger.Info(fmt.Sprintf(f, a...)) },
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	mark := func(k string) string {
		if rep.Met[k] {
			return "met"
		}
		return "NOT met"
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "site\t%d pages, %.0f KB on average, %d cores, load average %.1f → %.1f\n", rep.Pages, rep.AvgPageKB, rep.Cores, rep.LoadAvgBefore, rep.LoadAvgAfter)
	fmt.Fprintf(tw, "browser\t%s\n", rep.Chromium)
	fmt.Fprintf(tw, "browser sequential\t%.2f pages/s\t(%d pages)\n", rep.BrowserSequentialPagesPerSec, rep.Sequential)
	fmt.Fprintf(tw, "browser pool\t%.2f pages/s\t(%d pages at once; %.2f× sequential, target %.0f×: %s; %.0f ms per render)\n",
		rep.BrowserPoolPagesPerSec, rep.PoolPages, rep.BrowserPoolSpeedup, renderbench.TargetPoolSpeedup, mark("browser_pool_speedup"), rep.BrowserAvgRenderMS)
	fmt.Fprintf(tw, "browser CPU\t%.0f ms per page\t(all Chromium processes; %d cores cap the pool near %.1f pages/s)\n",
		rep.BrowserCPUMSPerPage, rep.Cores, float64(rep.Cores)*1000/max(rep.BrowserCPUMSPerPage, 1))
	fmt.Fprintf(tw, "http\t%.0f pages/s\t(%d at once; target %.0f: %s)\n", rep.HTTPPagesPerSec, rep.HTTPConns, renderbench.TargetHTTPPagesPerSec, mark("http_pages_per_sec"))
	fmt.Fprintf(tw, "extract\t%.1f pages/s per core\t(per CPU-second; %.1f/s wall; %d characters per article; target %.0f: %s)\n",
		rep.ExtractPagesPerSec, rep.ExtractWallPagesPerSec, rep.ExtractAvgChars, renderbench.TargetExtractPerCore, mark("extract_pages_per_sec"))
	if n := rep.BrowserFailures + rep.HTTPFailures + rep.ExtractFailures; n > 0 {
		fmt.Fprintf(tw, "failures\tbrowser %d, http %d, extract %d\n", rep.BrowserFailures, rep.HTTPFailures, rep.ExtractFailures)
	}
	return tw.Flush()
}
