package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/internal/bench/pipelinebench"
)

// benchPipelineOptions are `masx bench pipeline`'s inputs.
type benchPipelineOptions struct {
	*App
	Articles, Flashpoints int
	Latency               time.Duration
	Method                crawl.Method
	DataDir               string
	EmbedModel            string // also run with this model, side by side with TF-IDF
	JSON                  bool
}

func newBenchPipelineCmd(app *App, runF func(context.Context, *benchPipelineOptions) error) *cobra.Command {
	opts := &benchPipelineOptions{App: app}
	var method string
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Run the whole pipeline over a generated local news site and report articles/s, stage shares and peak RSS",
		Long: `Serves a generated site of --articles pages on loopback (English news-like
text in 4 topics per flashpoint), runs the full pipeline over it as River
jobs, as 'masx run' does, into a fresh SQLite database with the default
models (TF-IDF/LSA vectors, extractive summaries), and reports throughput
(from queueing the run to its end), each stage's share of the summed stage
time, the process's CPU time and its peak RSS.

With --embed-model DIR (a model folder or an installed repo id, as
MASX_EMBED_MODEL takes), it runs the site twice in this process, first with
TF-IDF vectors and then with the neural model, and reports both side by side
with the neural run's speed ratio and its CPU cost per article. The peak RSS
is reset between the runs (/proc/self/clear_refs).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Articles < 1 || opts.Flashpoints < 1 || opts.Flashpoints > opts.Articles {
				return Usagef("--articles %d --flashpoints %d: want 1 ≤ flashpoints ≤ articles", opts.Articles, opts.Flashpoints)
			}
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			opts.Method = m
			return runOr(cmd.Context(), opts, runF, benchPipelineRun)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Articles, "articles", 1000, "articles on the generated site")
	f.IntVar(&opts.Flashpoints, "flashpoints", 4, "flashpoints the articles are split into")
	f.StringVar(&method, "method", "http", "how pages are got: http, auto or browser")
	f.StringVar(&opts.DataDir, "data-dir", "", "folder for the database (default: a temporary folder, removed)")
	f.DurationVar(&opts.Latency, "latency", 0, "delay every response of the generated site (a slow site)")
	f.StringVar(&opts.EmbedModel, "embed-model", "", "also run with this neural model (folder or installed repo id) and compare with TF-IDF")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func benchPipelineRun(ctx context.Context, opts *benchPipelineOptions) error {
	cfg := pipelinebench.Config{
		Site:    demo.SyntheticOptions{Articles: opts.Articles, Flashpoints: opts.Flashpoints, Latency: opts.Latency},
		Method:  opts.Method,
		Workers: opts.Settings.FlashpointConcurrency,
		DataDir: opts.DataDir,
		Open:    benchOpener(opts.App),
		Warnf:   func(f string, a ...any) { opts.Logger.Warn(fmt.Sprintf(f, a...)) },
	}
	var rep interface{ WriteText(w io.Writer) error }
	if opts.EmbedModel == "" {
		r, err := pipelinebench.Run(ctx, cfg)
		if err != nil {
			return err
		}
		rep = r
	} else {
		p, err := pipelinebench.Compare(ctx, cfg, opts.EmbedModel)
		if err != nil {
			return err
		}
		rep = p
	}
	if opts.JSON {
		return pipelinebench.WriteJSON(opts.Stdout, rep)
	}
	return rep.WriteText(opts.Stdout)
}
