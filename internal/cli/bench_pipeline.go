package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
)

// pipelineBench is `masx bench pipeline --json`.
type pipelineBench struct {
	Articles       int                `json:"articles"`
	Flashpoints    int                `json:"flashpoints"`
	Method         string             `json:"method"`
	Seconds        float64            `json:"seconds"`
	ArticlesPerSec float64            `json:"articles_per_sec"`
	ByStatus       map[string]int     `json:"articles_by_status"`
	Clusters       int                `json:"clusters"`
	StageShare     map[string]float64 `json:"stage_share"`
	PeakRSSMB      float64            `json:"peak_rss_mb"`
	CPUs           int                `json:"cpus"`
}

func newBenchPipelineCmd(app *App) *cobra.Command {
	var (
		n, fps  int
		method  string
		asJSON  bool
		dataDir string
		latency time.Duration
	)
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Run the whole pipeline over a generated local news site and report articles/s, stage shares and peak RSS",
		Long: `Serves a generated site of --articles pages on loopback (English news-like
text in 4 topics per flashpoint), runs the full pipeline over it into a fresh
SQLite database with the default models (TF-IDF/LSA vectors, extractive
summaries), and reports throughput, each stage's share of the summed stage
time, and the process's peak RSS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if n < 1 || fps < 1 || fps > n {
				return Usagef("--articles %d --flashpoints %d: want 1 ≤ flashpoints ≤ articles", n, fps)
			}
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			site, err := demo.Synthetic(demo.SyntheticOptions{Articles: n, Flashpoints: fps, Latency: latency})
			if err != nil {
				return err
			}
			srv, err := demo.Serve(ctx, site)
			if err != nil {
				return err
			}
			defer srv.Close()
			if dataDir == "" {
				if dataDir, err = os.MkdirTemp("", "masx-bench-"); err != nil {
					return err
				}
				defer os.RemoveAll(dataDir)
			}
			env, err := newETLEnv(ctx, settingsForLoopback(app.Settings), envOptions{
				DBURL: "sqlite://" + filepath.Join(dataDir, "masx.db"), Method: m, Logger: app.Logger})
			if err != nil {
				return err
			}
			defer closeEnv(env, app)
			var works []pipeline.Work
			for _, fp := range site.Flashpoints(srv.URL) {
				works = append(works, pipeline.Work{Flashpoint: fp})
			}
			rep, err := env.Pipeline.Run(ctx, news.Run{ID: runIDOr(""), Input: "bench " + srv.URL}, pipeline.Slice(works))
			if err != nil {
				return err
			}
			r := pipelineBench{Articles: rep.Articles, Flashpoints: len(rep.Flashpoints), Method: string(m),
				Seconds: rep.Duration.Seconds(), ByStatus: map[string]int{}, Clusters: rep.Clusters,
				StageShare: map[string]float64{}, PeakRSSMB: peakRSSMB(), CPUs: env.Executors.CPU.Limit()}
			r.ArticlesPerSec = float64(rep.Articles) / rep.Duration.Seconds()
			for s, c := range rep.ByStatus {
				r.ByStatus[string(s)] = c
			}
			var total float64
			st := env.Progress.Snapshot().StageTime
			for _, d := range st {
				total += d.Seconds()
			}
			for k, d := range st {
				if total > 0 {
					r.StageShare[k] = d.Seconds() / total
				}
			}
			if asJSON {
				enc := json.NewEncoder(app.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			fmt.Fprintf(app.Stdout, "%d articles in %d flashpoints (%s): %.1fs, %.1f articles/s, %d clusters, peak RSS %.0f MB\n",
				r.Articles, r.Flashpoints, r.Method, r.Seconds, r.ArticlesPerSec, r.Clusters, r.PeakRSSMB)
			keys := make([]string, 0, len(r.StageShare))
			for k := range r.StageShare {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool { return r.StageShare[keys[i]] > r.StageShare[keys[j]] })
			for _, k := range keys {
				fmt.Fprintf(app.Stdout, "  %-16s %5.1f%%\n", k, 100*r.StageShare[k])
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "articles", 1000, "articles on the generated site")
	cmd.Flags().IntVar(&fps, "flashpoints", 4, "flashpoints the articles are split into")
	cmd.Flags().StringVar(&method, "method", "http", "how pages are got: http, auto or browser")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "folder for the database (default: a temporary folder, removed)")
	cmd.Flags().DurationVar(&latency, "latency", 0, "delay every response of the generated site (a slow site)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
