package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/config"
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
	Vectors        string             `json:"vectors"`
	Seconds        float64            `json:"seconds"`
	CPUSeconds     float64            `json:"cpu_seconds"`
	ArticlesPerSec float64            `json:"articles_per_sec"`
	ByStatus       map[string]int     `json:"articles_by_status"`
	Clusters       int                `json:"clusters"`
	StageShare     map[string]float64 `json:"stage_share"`
	PeakRSSMB      float64            `json:"peak_rss_mb"`
	CPUs           int                `json:"cpus"`
}

// pipelineBenchPair is `masx bench pipeline --embed-model DIR --json`: the
// TF-IDF default and the neural model over the same site, one after the
// other in this process.
type pipelineBenchPair struct {
	TFIDF  pipelineBench `json:"tfidf"`
	Neural pipelineBench `json:"neural"`
	// NeuralVsTFIDF is the neural run's articles/s over the TF-IDF run's.
	NeuralVsTFIDF float64 `json:"neural_vs_tfidf"`
	// EmbedCPUMsPerArticle is what neural vectors cost each kept article
	// in process CPU time, over the TF-IDF run: (CPU_neural − CPU_tfidf) /
	// ok articles.
	EmbedCPUMsPerArticle float64 `json:"embed_cpu_ms_per_article"`
}

type pipelineBenchOptions struct {
	site    demo.SyntheticOptions
	method  crawl.Method
	dataDir string
}

func newBenchPipelineCmd(app *App) *cobra.Command {
	var (
		n, fps     int
		method     string
		asJSON     bool
		dataDir    string
		latency    time.Duration
		embedModel string
	)
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Run the whole pipeline over a generated local news site and report articles/s, stage shares and peak RSS",
		Long: `Serves a generated site of --articles pages on loopback (English news-like
text in 4 topics per flashpoint), runs the full pipeline over it into a fresh
SQLite database with the default models (TF-IDF/LSA vectors, extractive
summaries), and reports throughput, each stage's share of the summed stage
time, the process's CPU time and its peak RSS.

With --embed-model DIR (a model folder or an installed repo id, as
MASX_EMBED_MODEL takes), it runs the site twice in this process, first with
TF-IDF vectors and then with the neural model, and reports both side by side
with the neural run's speed ratio and its CPU cost per article. The peak RSS
is reset between the runs (/proc/self/clear_refs).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || fps < 1 || fps > n {
				return Usagef("--articles %d --flashpoints %d: want 1 ≤ flashpoints ≤ articles", n, fps)
			}
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			o := pipelineBenchOptions{site: demo.SyntheticOptions{Articles: n, Flashpoints: fps, Latency: latency}, method: m, dataDir: dataDir}
			if embedModel == "" {
				r, err := benchPipelineOnce(cmd, app, app.Settings, o)
				if err != nil {
					return err
				}
				return printPipelineBench(app, r, asJSON)
			}
			return benchPipelinePair(cmd, app, o, embedModel, asJSON)
		},
	}
	cmd.Flags().IntVar(&n, "articles", 1000, "articles on the generated site")
	cmd.Flags().IntVar(&fps, "flashpoints", 4, "flashpoints the articles are split into")
	cmd.Flags().StringVar(&method, "method", "http", "how pages are got: http, auto or browser")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "folder for the database (default: a temporary folder, removed)")
	cmd.Flags().DurationVar(&latency, "latency", 0, "delay every response of the generated site (a slow site)")
	cmd.Flags().StringVar(&embedModel, "embed-model", "", "also run with this neural model (folder or installed repo id) and compare with TF-IDF")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// benchPipelinePair runs the TF-IDF default, then the neural model.
func benchPipelinePair(cmd *cobra.Command, app *App, o pipelineBenchOptions, model string, asJSON bool) error {
	var pair pipelineBenchPair
	for i, m := range []string{"", model} {
		s := *app.Settings
		s.EmbedModel = m
		// The second run's peak is its own: the first run's heap goes back
		// to the OS and the kernel's high-water mark starts again.
		debug.FreeOSMemory()
		if !resetPeakRSS() {
			app.Logger.Warn("bench pipeline: cannot reset the peak RSS; the neural run's peak includes the TF-IDF run's")
		}
		r, err := benchPipelineOnce(cmd, app, &s, o)
		if err != nil {
			return err
		}
		if i == 0 {
			pair.TFIDF = r
		} else {
			pair.Neural = r
		}
	}
	if pair.TFIDF.ArticlesPerSec > 0 {
		pair.NeuralVsTFIDF = pair.Neural.ArticlesPerSec / pair.TFIDF.ArticlesPerSec
	}
	if ok := pair.Neural.ByStatus[string(news.StatusOK)]; ok > 0 {
		pair.EmbedCPUMsPerArticle = 1000 * (pair.Neural.CPUSeconds - pair.TFIDF.CPUSeconds) / float64(ok)
	}
	if asJSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(pair)
	}
	for _, r := range []pipelineBench{pair.TFIDF, pair.Neural} {
		if err := printPipelineBench(app, r, false); err != nil {
			return err
		}
	}
	fmt.Fprintf(app.Stdout, "neural vs TF-IDF: %.2f× the articles/s; neural vectors cost %.1f ms of CPU per article\n",
		pair.NeuralVsTFIDF, pair.EmbedCPUMsPerArticle)
	return nil
}

// benchPipelineOnce serves a generated site and runs the pipeline over it
// with settings s.
func benchPipelineOnce(cmd *cobra.Command, app *App, s *config.Settings, o pipelineBenchOptions) (pipelineBench, error) {
	ctx := cmd.Context()
	site, err := demo.Synthetic(o.site)
	if err != nil {
		return pipelineBench{}, err
	}
	srv, err := demo.Serve(ctx, site)
	if err != nil {
		return pipelineBench{}, err
	}
	defer srv.Close()
	dataDir := o.dataDir
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "masx-bench-"); err != nil {
			return pipelineBench{}, err
		}
		defer os.RemoveAll(dataDir)
	}
	db := filepath.Join(dataDir, fmt.Sprintf("masx-%d.db", time.Now().UnixNano()))
	env, err := newETLEnv(ctx, settingsForLoopback(s), envOptions{DBURL: "sqlite://" + db, Method: o.method, Logger: app.Logger})
	if err != nil {
		return pipelineBench{}, err
	}
	defer closeEnv(env, app)
	var works []pipeline.Work
	for _, fp := range site.Flashpoints(srv.URL) {
		works = append(works, pipeline.Work{Flashpoint: fp})
	}
	cpu0 := cpuSeconds()
	rep, err := env.Pipeline.Run(ctx, news.Run{ID: runIDOr(""), Input: "bench " + srv.URL}, pipeline.Slice(works))
	if err != nil {
		return pipelineBench{}, err
	}
	r := pipelineBench{Articles: rep.Articles, Flashpoints: len(rep.Flashpoints), Method: string(o.method),
		Vectors: env.Vectors.Name(), Seconds: rep.Duration.Seconds(), CPUSeconds: cpuSeconds() - cpu0,
		ByStatus: map[string]int{}, Clusters: rep.Clusters,
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
	return r, nil
}

func printPipelineBench(app *App, r pipelineBench, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(app.Stdout, "%d articles in %d flashpoints (%s, %s vectors): %.1fs, %.1f articles/s, %.1f CPU-s, %d clusters, peak RSS %.0f MB\n",
		r.Articles, r.Flashpoints, r.Method, r.Vectors, r.Seconds, r.ArticlesPerSec, r.CPUSeconds, r.Clusters, r.PeakRSSMB)
	keys := make([]string, 0, len(r.StageShare))
	for k := range r.StageShare {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return r.StageShare[keys[i]] > r.StageShare[keys[j]] })
	for _, k := range keys {
		fmt.Fprintf(app.Stdout, "  %-16s %5.1f%%\n", k, 100*r.StageShare[k])
	}
	return nil
}

// cpuSeconds is the process's user + system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// resetPeakRSS starts the kernel's peak-RSS mark (VmHWM) again from the
// current RSS, so the next run's peak is its own.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
