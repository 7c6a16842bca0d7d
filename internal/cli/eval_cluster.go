package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/internal/bench/procstat"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/cluster/score"
	"github.com/masx-ai/masx/nlp/langid"
	"github.com/masx-ai/masx/nlp/summarize"
	"github.com/masx-ai/masx/nlp/vectorize"
)

// evalClusterOptions are `masx eval cluster`'s inputs.
type evalClusterOptions struct {
	*App
	Gold    string // labelled articles, JSONL
	GroupBy string // field that makes groups (flashpoints); "" one group
	Policy  string // overrides MASX_CLUSTER_POLICY when set
	GivenK  bool   // also score k-means told each group's gold k
	JSON    bool
}

func newEvalClusterCmd(app *App, runF func(context.Context, *evalClusterOptions) error) *cobra.Command {
	opts := &evalClusterOptions{App: app}
	cmd := &cobra.Command{
		Use:   "cluster --gold FILE.jsonl",
		Short: "Score the pipeline's clustering against labelled articles",
		Long: `cluster reads labelled articles, one JSON object a line:

  {"id": "1", "title": "…", "text": "…", "lang": "en", "cluster": "story-7", "topic": "…"}

("cluster" and a title or a text are required; other fields are optional),
and runs the pipeline's own steps on each group of articles as one flashpoint,
without fetching: language id and compression of non-English text as the
analyze stage does them (no translation model runs here yet), the text
VectorText picks, the vectorizer the settings select (MASX_EMBED_MODEL, else
TF-IDF/LSA with MASX_VECTOR_DIM) and the clustering policy
(MASX_CLUSTER_POLICY, or --policy).

It prints B-cubed precision/recall/F1, pairwise F1, ARI, NMI (arithmetic
normalisation, which equals the V-measure), clusters found vs gold, the
articles left unclustered, the seconds and the peak RSS. Unclustered
articles are scored as singletons (one cluster each), so leaving hard
articles out does not pay.

--group-by FIELD clusters each value of FIELD separately (for example one
flashpoint per topic) and also scores all groups together; without it the
whole file is one flashpoint. --given-k adds TF-IDF/vectors + k-means told
each group's true number of stories, the usual reference, side by side.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Gold == "" {
				return Usagef("--gold is required: a JSONL file of labelled articles")
			}
			if opts.Policy != "" && opts.Policy != cluster.PolicyStories && opts.Policy != cluster.PolicyOriginal {
				return Usagef("--policy is %q; want %q or %q", opts.Policy, cluster.PolicyStories, cluster.PolicyOriginal)
			}
			return runOr(cmd.Context(), opts, runF, evalClusterRun)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Gold, "gold", "", "labelled articles, one JSON object a line ('-' for stdin)")
	f.StringVar(&opts.GroupBy, "group-by", "", "field whose values are clustered separately, as flashpoints (default: one group)")
	f.StringVar(&opts.Policy, "policy", "", "clustering policy: stories or original (default MASX_CLUSTER_POLICY)")
	f.BoolVar(&opts.GivenK, "given-k", false, "also score k-means told each group's gold number of stories")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// evalConfig is the configuration a score was measured with.
type evalConfig struct {
	Policy     string         `json:"policy"`
	Vectorizer string         `json:"vectorizer"`
	Seed       uint64         `json:"seed"`
	GroupBy    string         `json:"group_by,omitempty"`
	VectorText map[string]int `json:"vector_text"` // articles by VectorText's choice
	GOMAXPROCS int            `json:"gomaxprocs"`
}

// evalGroup is one group's scores. Seconds covers the pipeline's steps
// (analysis, vectors, clustering), not the k-means given k.
type evalGroup struct {
	Group string `json:"group"`
	score.Scores
	Algorithm string        `json:"algorithm"`
	Seconds   float64       `json:"seconds"`
	GivenK    *score.Scores `json:"given_k,omitempty"`
}

// evalReport is `masx eval cluster --json`: the scores over all articles
// (each group clustered on its own), then per group.
type evalReport struct {
	score.Scores
	GivenK  *score.Scores `json:"given_k,omitempty"`
	Config  evalConfig    `json:"config"`
	Seconds float64       `json:"seconds"`
	// CPUSeconds is the process's CPU time over the same steps (user +
	// system): on a shared machine, wall seconds say more about the
	// neighbours than about masx.
	CPUSeconds float64     `json:"cpu_seconds"`
	PeakRSSMB  float64     `json:"peak_rss_mb"`
	Groups     []evalGroup `json:"groups"`
	Note       string      `json:"note"`
}

const unclusteredNote = "unclustered articles are scored as singletons (one cluster each)"

func evalClusterRun(ctx context.Context, opts *evalClusterOptions) error {
	arts, err := readGoldFile(opts)
	if err != nil {
		return err
	}
	s := opts.Settings
	ex, err := executor.New(executorConfig(s))
	if err != nil {
		return err
	}
	defer func() { _ = ex.Shutdown(context.WithoutCancel(ctx)) }()
	dev, err := detectDevice(s)
	if err != nil {
		return AsUsage(err)
	}
	rt, err := inference.New(runtimeConfig(s, dev, ex))
	if err != nil {
		return err
	}
	v, err := newVectorizer(s, rt)
	if err != nil {
		return err
	}
	if err := rt.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = rt.Stop(context.WithoutCancel(ctx)) }()
	policy := clusterPolicy(s)
	if opts.Policy != "" {
		policy.Policy = opts.Policy
	}
	rep, err := evalCluster(ctx, ex, v, policy, arts, opts)
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	return rep.writeText(opts.Stdout)
}

func readGoldFile(opts *evalClusterOptions) ([]goldArticle, error) {
	var r io.Reader = opts.Stdin
	if opts.Gold != "-" {
		f, err := os.Open(opts.Gold)
		if err != nil {
			return nil, AsUsage(fmt.Errorf("opening --gold: %w", err))
		}
		defer f.Close()
		r = f
	}
	return readGold(r, opts.GroupBy)
}

// evalCluster clusters each group with pipeline.Stories and scores it.
func evalCluster(ctx context.Context, ex *executor.Executors, v vectorize.Vectorizer, policy cluster.PolicyConfig, arts []goldArticle, opts *evalClusterOptions) (evalReport, error) {
	det, err := langid.Default()
	if err != nil {
		return evalReport{}, err
	}
	rep := evalReport{Note: unclusteredNote, Config: evalConfig{Policy: policy.Name(), Vectorizer: v.Name(), Seed: policy.Seed,
		GroupBy: opts.GroupBy, VectorText: map[string]int{}, GOMAXPROCS: runtime.GOMAXPROCS(0)}}
	var allLabels, allGiven []int
	var cpu time.Duration
	var allGold []string
	for _, g := range groupGold(arts) {
		t0, c0 := time.Now(), procstat.CPU()
		in := make([]pipeline.StoriesInput, len(g.arts))
		gold := make([]string, len(g.arts))
		for i, a := range g.arts {
			na := analyzeGold(det, a)
			text, source := pipeline.VectorText(&na)
			in[i], gold[i] = pipeline.StoriesInput{Text: text}, a.Cluster
			rep.Config.VectorText[source]++
		}
		st, err := pipeline.Stories(ctx, ex, v, policy, in)
		if err != nil {
			return rep, fmt.Errorf("group %q: %w", g.name, err)
		}
		eg := evalGroup{Group: g.name, Algorithm: st.Algorithm, Seconds: time.Since(t0).Seconds()}
		if eg.Scores, err = score.Compare(st.Labels, gold); err != nil {
			return rep, err
		}
		rep.Seconds += eg.Seconds
		cpu += procstat.CPU() - c0
		allLabels = appendOffset(allLabels, st.Labels)
		allGold = append(allGold, prefixed(g.name, gold)...)
		if opts.GivenK {
			km, err := cluster.KMeans(ctx, st.Vectors, cluster.KMeansConfig{K: eg.GoldClusters, Seed: policy.Seed})
			if err != nil {
				return rep, fmt.Errorf("group %q: k-means with k = %d: %w", g.name, eg.GoldClusters, err)
			}
			gk, _ := score.Compare(km.Labels, gold)
			eg.GivenK = &gk
			allGiven = appendOffset(allGiven, km.Labels)
		}
		rep.Groups = append(rep.Groups, eg)
	}
	rep.PeakRSSMB, rep.CPUSeconds = procstat.PeakRSSMB(), cpu.Seconds()
	if rep.Scores, err = score.Compare(allLabels, allGold); err != nil {
		return rep, err
	}
	if opts.GivenK {
		gk, _ := score.Compare(allGiven, allGold)
		rep.GivenK = &gk
	}
	return rep, nil
}

type goldGroup struct {
	name string
	arts []goldArticle
}

// groupGold splits articles by group, in order of first appearance.
func groupGold(arts []goldArticle) []goldGroup {
	idx := map[string]int{}
	var out []goldGroup
	for _, a := range arts {
		i, ok := idx[a.Group]
		if !ok {
			i = len(out)
			idx[a.Group] = i
			out = append(out, goldGroup{name: a.Group})
		}
		out[i].arts = append(out[i].arts, a)
	}
	return out
}

// analyzeGold gives a labelled article the text fields the analyze stage
// would: language identified on the first characters, non-English text
// compressed to the pipeline's budget and kept untranslated (what the
// pipeline does with its default translator). The length check is not
// applied: gold sets are often titles and snippets.
func analyzeGold(det *langid.Detector, a goldArticle) news.Article {
	na := news.Article{Feed: news.Feed{Title: a.Title, Language: a.Lang}, RawText: a.Text}
	lr := det.Detect(pipeline.LanguageSample(a.Text))
	na.DetectedLang = lr.Lang
	if lr.Lang == "en" || a.Text == "" {
		na.ProcessedText = a.Text
		return na
	}
	na.CompressedText = summarize.Compress(a.Text, summarize.Budget{Max: pipeline.CompressBudgetDefault})
	na.ProcessedText = na.CompressedText
	return na
}

// appendOffset appends labels shifted past every label already in dst, so
// groups' clusters stay apart; Noise stays Noise.
func appendOffset(dst, labels []int) []int {
	off := 0
	for _, l := range dst {
		off = max(off, l+1)
	}
	for _, l := range labels {
		if l >= 0 {
			l += off
		}
		dst = append(dst, l)
	}
	return dst
}

func prefixed(group string, gold []string) []string {
	out := make([]string, len(gold))
	for i, g := range gold {
		out[i] = group + "\x00" + g
	}
	return out
}

func (r evalReport) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tarticles\tgold\tfound\tunclustered\tB3 P\tB3 R\tB3 F1\tpair F1\tARI\tNMI\tseconds\t")
	row := func(name string, s score.Scores, secs string) {
		share := 0.0
		if s.Articles > 0 {
			share = 100 * float64(s.Unclustered) / float64(s.Articles)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d (%.1f %%)\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t\n", name, s.Articles, s.GoldClusters, s.Clusters,
			s.Unclustered, share, s.B3Precision, s.B3Recall, s.B3F1, s.PairwiseF1, s.ARI, s.NMI, secs)
	}
	if len(r.Groups) > 1 {
		for _, g := range r.Groups {
			row(g.Group, g.Scores, fmt.Sprintf("%.2f", g.Seconds))
			if g.GivenK != nil {
				row("  k-means, k given", *g.GivenK, "")
			}
		}
	}
	row("all", r.Scores, fmt.Sprintf("%.2f", r.Seconds))
	if r.GivenK != nil {
		row("k-means, k given", *r.GivenK, "")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	texts := make([]string, 0, len(r.Config.VectorText))
	for k, n := range r.Config.VectorText {
		texts = append(texts, fmt.Sprintf("%s %d", k, n))
	}
	_, err := fmt.Fprintf(w, "policy %s; vectors %s (text: %s); seed %d; GOMAXPROCS %d; CPU %.1f s; peak RSS %.0f MB\n%s; \"found\" counts clusters only.\n",
		r.Config.Policy, r.Config.Vectorizer, strings.Join(texts, ", "), r.Config.Seed, r.Config.GOMAXPROCS, r.CPUSeconds, r.PeakRSSMB,
		strings.ToUpper(unclusteredNote[:1])+unclusteredNote[1:])
	return err
}
