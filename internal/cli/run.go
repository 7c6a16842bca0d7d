package cli

import (
	"context"
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
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// runOptions are `masx run`'s inputs once its flags are parsed.
type runOptions struct {
	App *App

	Input, Format, Feed, Flashpoint string
	// Source "masx" reads the MASX tables of Date, keeping FlashpointIDs
	// when set.
	Source, Date  string
	FlashpointIDs []string
	DB, RunID     string
	Method        string
	// Workers is how many flashpoint jobs this process works; WorkersSet
	// says --workers was given, else MASX_FLASHPOINT_CONCURRENCY applies.
	Workers    int
	WorkersSet bool
	Detach     bool
	JSON       bool
}

// newCmdRun builds `masx run`. runF runs the parsed options; nil means
// runRun (tests pass their own to see what the flags became).
func newCmdRun(app *App, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{App: app}
	cmd := &cobra.Command{
		Use:   "run --input PATH | --feed URL --flashpoint NAME | --source masx --date YYYY-MM-DD",
		Short: "Run the ETL over flashpoints and their feeds and store the results",
		Long: `Reads flashpoints with their feeds, fetches or renders every article,
extracts, identifies the language, compresses, translates, summarizes and
vectorizes it, clusters each flashpoint's articles and stores per-article
results and cluster summaries.

Input (--input): JSON or JSONL flashpoints with feeds, the original's flat
feed records carrying flashpoint_id, or GDELT-shaped CSV; or --feed with an
RSS/Atom URL or file and --flashpoint naming it; or --source masx --date
YYYY-MM-DD, which reads the MASX tables flash_point_YYYYMMDD and
feed_entries_YYYYMMDD from PostgreSQL and also writes each flashpoint's
clusters to news_clusters_YYYYMMDD. Malformed records are reported with
file and line and skipped.

Each flashpoint becomes a durable job in the database (River). This
process works them with --workers goroutines and waits for the run to
finish; other 'masx worker' processes on the same PostgreSQL database
share the work. With --detach it only queues the jobs, prints the run id
and returns: follow it with 'masx status RUN'.

Rerunning with the same --run-id resumes: completed flashpoints and
finished articles are skipped, cancelled ones are processed again. Ctrl-C
cancels the run cleanly: finished work is stored and in-flight articles are
marked cancelled.

Exit codes: 0 the run completed (failed articles included), 1 the run
failed, 2 bad input or usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.WorkersSet = cmd.Flags().Changed("workers")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Input, "input", "", "flashpoints file (JSON, JSONL, CSV or RSS/Atom)")
	fl.StringVar(&opts.Format, "format", "auto", "input format: auto, json, jsonl, csv or feed")
	fl.StringVar(&opts.Feed, "feed", "", "an RSS or Atom feed URL (or file) whose items become the articles")
	fl.StringVar(&opts.Flashpoint, "flashpoint", "", "flashpoint title for --feed, or for a CSV without flashpoint columns")
	fl.StringVar(&opts.Source, "source", "", "masx: read flashpoints from the MASX PostgreSQL tables of --date")
	fl.StringVar(&opts.Date, "date", "", "date of the MASX tables (YYYY-MM-DD), with --source masx")
	fl.StringSliceVar(&opts.FlashpointIDs, "flashpoint-ids", nil, "with --source masx: only these flashpoint ids")
	fl.StringVar(&opts.DB, "db", "", "database URL (sqlite://path or postgres://…); default MASX_DB_URL or sqlite://<data dir>/masx.db")
	fl.StringVar(&opts.RunID, "run-id", "", "run id; reuse one to resume an interrupted run (default: a new id)")
	fl.StringVar(&opts.Method, "method", "auto", "how pages are got: auto (HTTP, then the browser), http or browser")
	fl.IntVar(&opts.Workers, "workers", 0, "flashpoint jobs worked in this process at once (default MASX_FLASHPOINT_CONCURRENCY; 0: only wait for masx worker processes)")
	fl.BoolVar(&opts.Detach, "detach", false, "queue the jobs, print the run id and return without waiting")
	fl.BoolVar(&opts.JSON, "json", false, "print the run summary as JSON")
	return cmd
}

// runRun checks the options, builds the ETL and its jobs, queues the run
// and, unless detached, waits for it.
func runRun(ctx context.Context, opts *runOptions) error {
	method, format, err := opts.check()
	if err != nil {
		return err
	}
	app := opts.App
	workers := app.Settings.FlashpointConcurrency
	if opts.WorkersSet {
		workers = opts.Workers
	}
	if opts.Detach {
		workers = 0
	}
	env, err := newJobsEnv(ctx, app, jobsOptions{envOptions: envOptions{DBURL: opts.DB, Method: method}, Workers: workers})
	if err != nil {
		return err
	}
	defer closeEnv(env, app)
	src, label, err := opts.source(ctx, env, format)
	if err != nil {
		return err
	}
	run := news.Run{ID: runIDOr(opts.RunID), Input: label}
	return execute(ctx, app, env, run, src, execOptions{asJSON: opts.JSON, detach: opts.Detach, masxDate: opts.Date})
}

// check refuses what no run can take, before anything is built: one
// source, a date only with --source masx, and known method and format.
func (o *runOptions) check() (crawl.Method, input.Format, error) {
	sources := 0
	for _, s := range []string{o.Input, o.Feed, o.Source} {
		if s != "" {
			sources++
		}
	}
	switch {
	case sources != 1:
		return "", "", Usagef("give exactly one of --input PATH, --feed URL or --source masx --date YYYY-MM-DD")
	case o.Feed != "" && o.Flashpoint == "":
		return "", "", Usagef("--feed needs --flashpoint NAME")
	case o.Source != "" && o.Source != "masx":
		return "", "", Usagef("--source %q: want masx", o.Source)
	case o.Source == "" && (o.Date != "" || len(o.FlashpointIDs) > 0):
		return "", "", Usagef("--date and --flashpoint-ids go with --source masx")
	case o.WorkersSet && o.Workers < 0:
		return "", "", Usagef("--workers %d: want ≥ 0", o.Workers)
	}
	if o.Source != "" {
		if _, err := jobs.ParseMASXDate(o.Date); err != nil {
			return "", "", AsUsage(fmt.Errorf("--date: %w", err))
		}
	}
	method, err := crawl.ParseMethod(o.Method)
	if err != nil {
		return "", "", AsUsage(err)
	}
	format, err := input.ParseFormat(o.Format)
	if err != nil {
		return "", "", AsUsage(err)
	}
	return method, format, nil
}

// source opens the run's input as a job source and names it for the run
// record. A file streams; the MASX tables and a feed are read whole.
func (o *runOptions) source(ctx context.Context, env *etlEnv, format input.Format) (pipeline.Source, string, error) {
	app := o.App
	opts := input.Options{Format: format, Flashpoint: o.Flashpoint, UserAgent: app.Settings.UserAgent}
	switch {
	case o.Source != "":
		works, sum, err := jobs.MASXWorks(ctx, env.Store, o.Date, o.FlashpointIDs)
		if err != nil {
			return nil, "", inputErr(err)
		}
		reportProblems(app, sum)
		return pipeline.Slice(works), "masx " + o.Date, nil
	case o.Feed != "":
		// Feed URLs come from outside: fetch them through the SSRF guard.
		opts.HTTPClient = &http.Client{
			Timeout:   app.Settings.RenderTimeout(),
			Transport: &http.Transport{DialContext: env.Fetcher.Guard().DialContext},
		}
		res, err := input.FromFeed(ctx, o.Feed, o.Flashpoint, opts)
		if err != nil {
			return nil, "", inputErr(err)
		}
		reportProblems(app, res.Summary)
		return pipeline.Slice(jobs.WorksFrom(res)), o.Feed, nil
	}
	src := func(yield func(pipeline.Work) error) error {
		sum, err := input.StreamItems(ctx, o.Input, opts, func(it input.Item) error { return yield(jobs.WorkOf(it)) })
		reportProblems(app, sum)
		return err
	}
	return src, o.Input, nil
}

type execOptions struct {
	asJSON, detach bool
	masxDate       string
}

// execute queues run as flashpoint jobs, works them with this process's
// workers (when it has any), waits for the run to finish and prints the
// summary. Ctrl-C cancels the run: in-flight jobs stop at once, their
// articles stored as cancelled, so a rerun of the same id picks them up.
func execute(ctx context.Context, app *App, env *etlEnv, run news.Run, src pipeline.Source, o execOptions) error {
	start := time.Now()
	if env.Jobs.Config().Workers > 0 {
		if err := env.Jobs.Start(ctx); err != nil {
			return err
		}
	}
	sub, err := env.Jobs.Submit(ctx, run, src, jobs.SubmitOptions{MASXDate: o.masxDate})
	if err != nil {
		return inputErr(err)
	}
	if o.detach {
		if o.asJSON {
			return writeJSON(app.Stdout, map[string]any{"run_id": run.ID, "attempt": sub.Run.Attempt, "flashpoints": sub.Flashpoints, "queued": sub.Queued})
		}
		fmt.Fprintf(app.Stdout, "%s\n", run.ID)
		fmt.Fprintf(app.Stderr, "queued %d flashpoint job(s); follow with: masx status %s\n", sub.Queued, run.ID)
		return nil
	}
	if env.Jobs.Config().Workers == 0 {
		fmt.Fprintf(app.Stderr, "run %s: %d job(s) queued; waiting for masx worker processes\n", run.ID, sub.Queued)
	}
	view := newProgressView(env.Progress, app.Stderr, app.Logger)
	// Ctrl-C cancels the run (jobs.WaitOrCancel says how).
	r, werr := env.Jobs.WaitOrCancel(ctx, run.ID, 250*time.Millisecond)
	view.Close()
	if werr != nil && ctx.Err() != nil {
		return fmt.Errorf("run %s cancelled; rerun with --run-id %s to resume: %w", run.ID, run.ID, ctx.Err())
	}
	if werr != nil {
		return werr
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	stat, err := jobs.RunStatus(sctx, env.Store, run.ID)
	if err != nil {
		return err
	}
	cs, err := env.Store.Clusters(sctx, store.ClusterQuery{RunID: run.ID})
	if err != nil {
		return err
	}
	us, err := unclustered(sctx, env.Store, run.ID, "")
	if err != nil {
		return err
	}
	sum := summarizeStatus(env, stat, len(cs), time.Since(start))
	sum.Unclustered = len(us)
	if o.asJSON {
		_ = writeJSON(app.Stdout, sum)
	} else {
		printSummary(app.Stdout, sum)
	}
	if r.State != news.RunCompleted {
		return fmt.Errorf("run %s %s: %s", r.ID, r.State, r.Error)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
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

// runIDOr returns id, or a new run ID (jobs.NewRunID) when id is empty.
func runIDOr(id string) string {
	if id != "" {
		return id
	}
	return jobs.NewRunID()
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
	Unclustered    int            `json:"unclustered"` // ok articles that fit no story (cluster ID −1)
	WallSeconds    float64        `json:"wall_seconds"`
	ArticlesPerSec float64        `json:"articles_per_sec"`
	ExecutionPath  string         `json:"execution_path"`
	Vectorizer     string         `json:"vectorizer"`
	Translator     string         `json:"translator"`
	// Translations counts non-English articles by translate outcome
	// (translated, unsupported, not_configured, failed).
	Translations map[string]int64 `json:"translations,omitempty"`
	Inference    map[string]any   `json:"inference"`
	Errors       []string         `json:"errors,omitempty"`
}

// summarizeStatus reports a finished job run; wall is this process's time
// (submission included), which is what articles/s is measured over.
func summarizeStatus(env *etlEnv, st jobs.Status, clusters int, wall time.Duration) runSummary {
	s := runSummary{
		RunID: st.Run.ID, State: st.Run.State, ByStatus: map[string]int{}, Clusters: clusters,
		WallSeconds: wall.Seconds(), ExecutionPath: string(env.Runtime.ExecutionPath()), Vectorizer: env.Vectors.Name(),
		Translations: env.Progress.Snapshot().Translations,
	}
	if env.Translator != nil {
		s.Translator = env.Translator.Name()
	}
	for _, n := range st.Flashpoints {
		s.Flashpoints += n
	}
	for k, n := range st.Articles {
		s.ByStatus[string(k)] = n
		s.Articles += n
	}
	if wall > 0 {
		s.ArticlesPerSec = float64(s.Articles) / wall.Seconds()
	}
	m := env.Runtime.Metrics()
	s.Inference = map[string]any{"total_requests": m["total_requests"], "gpu_worker": m["gpu_worker"], "gpu_fallbacks": m["gpu_fallbacks"]}
	for _, f := range st.Failed {
		s.Errors = append(s.Errors, fmt.Sprintf("flashpoint %s %s: %s", f.ID, f.State, f.Error))
	}
	if st.Run.Error != "" && len(s.Errors) == 0 {
		s.Errors = append(s.Errors, st.Run.Error)
	}
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
	fmt.Fprintf(tw, "unclustered\t%d articles fit no story ('masx results' lists them)\n", s.Unclustered)
	fmt.Fprintf(tw, "wall time\t%.1fs\n", s.WallSeconds)
	fmt.Fprintf(tw, "articles/s\t%.1f\n", s.ArticlesPerSec)
	fmt.Fprintf(tw, "execution path\t%s (vectors: %s)\n", s.ExecutionPath, s.Vectorizer)
	printTranslations(tw, s)
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
