package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
)

type runFlags struct {
	input, format, feed, flashpoint string
	db, runID, method               string
	asJSON                          bool
}

func newRunCmd(app *App) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run --input PATH | --feed URL --flashpoint NAME",
		Short: "Run the ETL over flashpoints and their feeds and store the results",
		Long: `Reads flashpoints with their feeds, fetches or renders every article,
extracts, identifies the language, compresses, translates, summarizes and
vectorizes it, clusters each flashpoint's articles and stores per-article
results and cluster summaries.

Input (--input): JSON or JSONL flashpoints with feeds, the original's flat
feed records carrying flashpoint_id, or GDELT-shaped CSV; or --feed with an
RSS/Atom URL or file and --flashpoint naming it. Malformed records are
reported with file and line and skipped.

Rerunning with the same --run-id resumes: finished articles are skipped,
cancelled ones are processed again. Ctrl-C stops cleanly: finished work is
stored and in-flight articles are marked cancelled.

Exit codes: 0 the run completed (failed articles included), 1 the run
failed, 2 bad input or usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runETL(cmd.Context(), app, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "flashpoints file (JSON, JSONL, CSV or RSS/Atom)")
	fl.StringVar(&f.format, "format", "auto", "input format: auto, json, jsonl, csv or feed")
	fl.StringVar(&f.feed, "feed", "", "an RSS or Atom feed URL (or file) whose items become the articles")
	fl.StringVar(&f.flashpoint, "flashpoint", "", "flashpoint title for --feed, or for a CSV without flashpoint columns")
	fl.StringVar(&f.db, "db", "", "database URL (sqlite://path or postgres://…); default MASX_DB_URL or sqlite://<data dir>/masx.db")
	fl.StringVar(&f.runID, "run-id", "", "run id; reuse one to resume an interrupted run (default: a new id)")
	fl.StringVar(&f.method, "method", "auto", "how pages are got: auto (HTTP, then the browser), http or browser")
	fl.BoolVar(&f.asJSON, "json", false, "print the run summary as JSON")
	return cmd
}

func runETL(ctx context.Context, app *App, f runFlags) error {
	if (f.input == "") == (f.feed == "") {
		return Usagef("give exactly one of --input PATH or --feed URL")
	}
	if f.feed != "" && f.flashpoint == "" {
		return Usagef("--feed needs --flashpoint NAME")
	}
	method, err := crawl.ParseMethod(f.method)
	if err != nil {
		return AsUsage(err)
	}
	format, err := input.ParseFormat(f.format)
	if err != nil {
		return AsUsage(err)
	}
	env, err := newETLEnv(ctx, app.Settings, envOptions{DBURL: f.db, Method: method, Logger: app.Logger})
	if err != nil {
		return err
	}
	defer closeEnv(env, app)

	opts := input.Options{Format: format, Flashpoint: f.flashpoint, UserAgent: app.Settings.UserAgent}
	var src pipeline.Source
	label := f.input
	if f.feed != "" {
		label = f.feed
		// Feed URLs come from outside: fetch them through the SSRF guard.
		opts.HTTPClient = &http.Client{
			Timeout:   app.Settings.RenderTimeout(),
			Transport: &http.Transport{DialContext: env.Fetcher.Guard().DialContext},
		}
		res, err := input.FromFeed(ctx, f.feed, f.flashpoint, opts)
		if err != nil {
			return inputErr(err)
		}
		reportProblems(app, res.Summary)
		src = pipeline.Slice(worksFrom(res))
	} else {
		src = func(yield func(pipeline.Work) error) error {
			sum, err := input.StreamItems(ctx, f.input, opts, func(it input.Item) error { return yield(workOf(it)) })
			reportProblems(app, sum)
			return err
		}
	}
	return execute(ctx, app, env, news.Run{ID: runIDOr(f.runID), Input: label}, src, f.asJSON)
}

// execute runs the pipeline with a progress view and prints the summary.
func execute(ctx context.Context, app *App, env *etlEnv, run news.Run, src pipeline.Source, asJSON bool) error {
	view := newProgressView(env.Progress, app.Stderr, app.Logger)
	rep, err := env.Pipeline.Run(ctx, run, src)
	view.Close()
	sum := summarizeRun(env, rep)
	if asJSON {
		enc := json.NewEncoder(app.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sum)
	} else {
		printSummary(app.Stdout, sum)
	}
	if err != nil {
		return inputErr(err)
	}
	return nil
}

func inputErr(err error) error {
	if errors.Is(err, input.ErrInput) {
		return AsUsage(err)
	}
	return err
}

func closeEnv(env *etlEnv, app *App) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := env.Close(ctx); err != nil {
		app.Logger.Warn("shutting down", "err", err)
	}
}

func runIDOr(id string) string {
	if id != "" {
		return id
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "run-" + time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

func workOf(it input.Item) pipeline.Work {
	w := pipeline.Work{Flashpoint: it.Flashpoint}
	w.Dropped = appendDropped(w.Dropped, it.Duplicates, news.StatusDuplicate)
	w.Dropped = appendDropped(w.Dropped, it.Invalid, news.StatusInvalid)
	return w
}

// appendDropped turns input's dropped feeds into pipeline work, so they are
// stored with their status and reason.
func appendDropped(out []pipeline.Dropped, ds []input.Dropped, s news.Status) []pipeline.Dropped {
	for _, d := range ds {
		out = append(out, pipeline.Dropped{Feed: d.Feed, Status: s, Reason: d.Problem.Error()})
	}
	return out
}

// worksFrom regroups a loaded input's dropped feeds under their
// flashpoints, as a streamed input delivers them.
func worksFrom(res *input.Result) []pipeline.Work {
	dups, invalid := map[string][]input.Dropped{}, map[string][]input.Dropped{}
	for _, d := range res.Duplicates {
		dups[d.FlashpointID] = append(dups[d.FlashpointID], d)
	}
	for _, d := range res.Invalid {
		invalid[d.FlashpointID] = append(invalid[d.FlashpointID], d)
	}
	out := make([]pipeline.Work, 0, len(res.Flashpoints))
	for _, fp := range res.Flashpoints {
		out = append(out, workOf(input.Item{Flashpoint: fp, Duplicates: dups[fp.ID], Invalid: invalid[fp.ID]}))
	}
	return out
}

func reportProblems(app *App, s input.Summary) {
	for _, p := range s.Problems {
		if p.Kind == input.ProblemDuplicate {
			continue // stored with status duplicate
		}
		app.Logger.Warn("input record skipped", "problem", p.Error())
	}
	if s.ProblemsOmitted > 0 {
		app.Logger.Warn("more input problems not shown", "count", s.ProblemsOmitted)
	}
}

// runSummary is the end-of-run report (`--json`).
type runSummary struct {
	RunID          string         `json:"run_id"`
	State          news.RunState  `json:"state"`
	Flashpoints    int            `json:"flashpoints"`
	Articles       int            `json:"articles"`
	ByStatus       map[string]int `json:"articles_by_status"`
	Clusters       int            `json:"clusters"`
	WallSeconds    float64        `json:"wall_seconds"`
	ArticlesPerSec float64        `json:"articles_per_sec"`
	ExecutionPath  string         `json:"execution_path"`
	Vectorizer     string         `json:"vectorizer"`
	Inference      map[string]any `json:"inference"`
	Errors         []string       `json:"errors,omitempty"`
}

func summarizeRun(env *etlEnv, rep pipeline.RunReport) runSummary {
	s := runSummary{
		RunID: rep.RunID, State: rep.State, Flashpoints: len(rep.Flashpoints), Articles: rep.Articles,
		ByStatus: map[string]int{}, Clusters: rep.Clusters, WallSeconds: rep.Duration.Seconds(),
		ExecutionPath: string(env.Runtime.ExecutionPath()), Vectorizer: env.Vectors.Name(),
	}
	for st, n := range rep.ByStatus {
		s.ByStatus[string(st)] = n
	}
	if rep.Duration > 0 {
		s.ArticlesPerSec = float64(rep.Articles) / rep.Duration.Seconds()
	}
	m := env.Runtime.Metrics()
	s.Inference = map[string]any{"total_requests": m["total_requests"], "gpu_worker": m["gpu_worker"], "gpu_fallbacks": m["gpu_fallbacks"]}
	for id, err := range rep.Errors {
		s.Errors = append(s.Errors, fmt.Sprintf("%s: %v", id, err))
	}
	sort.Strings(s.Errors)
	return s
}

func printSummary(w io.Writer, s runSummary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%s (%s)\n", s.RunID, s.State)
	fmt.Fprintf(tw, "flashpoints\t%d\n", s.Flashpoints)
	fmt.Fprintf(tw, "articles\t%d\n", s.Articles)
	statuses := make([]string, 0, len(s.ByStatus))
	for st := range s.ByStatus {
		statuses = append(statuses, st)
	}
	sort.Strings(statuses)
	for _, st := range statuses {
		fmt.Fprintf(tw, "  %s\t%d\n", st, s.ByStatus[st])
	}
	fmt.Fprintf(tw, "clusters\t%d\n", s.Clusters)
	fmt.Fprintf(tw, "wall time\t%.1fs\n", s.WallSeconds)
	fmt.Fprintf(tw, "articles/s\t%.1f\n", s.ArticlesPerSec)
	fmt.Fprintf(tw, "execution path\t%s (vectors: %s)\n", s.ExecutionPath, s.Vectorizer)
	if gw, ok := s.Inference["gpu_worker"].(map[string]any); ok {
		fmt.Fprintf(tw, "model batches\t%v inferences, avg batch time %.4fs\n", gw["total_inferences"], gw["avg_batch_time"])
	}
	for _, e := range s.Errors {
		fmt.Fprintf(tw, "error\t%s\n", e)
	}
	_ = tw.Flush()
}

// settingsForLoopback returns a copy of s that may fetch the local demo
// site: private addresses allowed and no per-host delay (every page is on
// one host).
func settingsForLoopback(s *config.Settings) *config.Settings {
	c := *s
	c.AllowPrivate = true
	c.HostDelayMS = 0
	c.HostConcurrency = max(c.HostConcurrency, 8)
	return &c
}
