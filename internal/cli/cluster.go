package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/masx-ai/masx/nlp/cluster"
)

// maxVectorLine bounds one input line; a 768-dimensional vector is about
// 20 KB of JSON.
const maxVectorLine = 16 << 20

// clusterReport is `masx cluster --json`.
type clusterReport struct {
	Algorithm string `json:"algorithm"`
	NClusters int    `json:"n_clusters"`
	Noise     int    `json:"noise"`
	Labels    []int  `json:"labels"`
}

// clusterOptions are `masx cluster`'s inputs.
type clusterOptions struct {
	*App
	Input string // a file of vectors, or - for standard input
	Algo  string // auto, kmeans or hdbscan
	K     int    // k-means clusters; 0 picks min(10, max(2, floor(sqrt(n/2))))
	// HDBSCAN configures HDBSCAN, in auto's policy too; nil leaves the
	// policy's own.
	HDBSCAN *cluster.Config
	JSON    bool
}

// hdbscanFlags are the flags that configure HDBSCAN.
var hdbscanFlags = []string{"min-cluster-size", "min-samples", "epsilon", "selection", "metric"}

func newClusterCmd(app *App, runF func(context.Context, *clusterOptions) error) *cobra.Command {
	opts := &clusterOptions{App: app}
	var hdb cluster.Config
	cmd := &cobra.Command{
		Use:   "cluster --input vectors.jsonl",
		Short: "Cluster vectors (one JSON array of numbers per line) as the pipeline does",
		Long: `cluster reads vectors, one JSON array of numbers per line ('-' for stdin; blank
lines are skipped), and labels each with a cluster number, or -1 for noise.

--algo stories is the pipeline's default policy (MASX_CLUSTER_POLICY=stories):
HDBSCAN finds the stories' dense cores on 20 principal components, then
spherical k-means in the full space assigns every vector; the number of
clusters comes from the data.

--algo auto (default) is the original system's policy, which the pipeline
runs with MASX_CLUSTER_POLICY=original: fewer than 50 vectors go to
k-means with k = min(10, max(2, floor(sqrt(n/2)))); otherwise the vectors are
L2-normalised, reduced to 20 principal components and clustered by HDBSCAN
(min cluster size 5, epsilon 0.05); when HDBSCAN finds no cluster, k-means
with k = max(3, round(sqrt(n/2))) partitions them instead.
--algo kmeans and --algo hdbscan run one algorithm on the vectors as given.

A line that is not an array of numbers, or has a different length than the
first, is an input error (exit 2) naming the line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(cmd.Flags(), hdb); err != nil {
				return err
			}
			return runOr(cmd.Context(), opts, runF, clusterRun)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Input, "input", "", "file of vectors, one JSON array per line ('-' for stdin)")
	f.StringVar(&opts.Algo, "algo", "auto", "auto (the original policy), stories (the pipeline's default policy), kmeans or hdbscan")
	f.IntVar(&opts.K, "k", 0, "k-means clusters (default min(10, max(2, floor(sqrt(n/2)))))")
	f.IntVar(&hdb.MinClusterSize, "min-cluster-size", cluster.DefaultMinClusterSize, "HDBSCAN smallest cluster")
	f.IntVar(&hdb.MinSamples, "min-samples", 0, "HDBSCAN core-distance neighbours, counting the point (0: min cluster size)")
	f.Float64Var(&hdb.Epsilon, "epsilon", 0, "HDBSCAN cluster_selection_epsilon (default 0.05 with --algo auto, 0 with hdbscan)")
	f.StringVar(&hdb.Selection, "selection", cluster.SelectionEOM, "HDBSCAN cluster selection: eom or leaf")
	f.StringVar(&hdb.Metric, "metric", cluster.MetricEuclidean, "HDBSCAN distance: euclidean or cosine")
	f.BoolVar(&opts.JSON, "json", false, `print {"algorithm","n_clusters","noise","labels"} as JSON`)
	return cmd
}

// check refuses flags that do not go together and sets HDBSCAN from hdb
// when --algo hdbscan or an HDBSCAN flag asks for it.
func (opts *clusterOptions) check(flags *pflag.FlagSet, hdb cluster.Config) error {
	if opts.Input == "" {
		return Usagef("cluster needs --input FILE (or --input - for stdin)")
	}
	switch opts.Algo {
	case "auto", "hdbscan":
		if flags.Changed("k") {
			return Usagef("--k applies to --algo kmeans, not %s", opts.Algo)
		}
	case "stories":
		if flags.Changed("k") {
			return Usagef("--k applies to --algo kmeans, not stories")
		}
	case "kmeans":
		for _, f := range hdbscanFlags {
			if flags.Changed(f) {
				return Usagef("--%s applies to --algo auto or hdbscan, not kmeans", f)
			}
		}
		if flags.Changed("k") && opts.K < 1 {
			return Usagef("--k is %d; want at least 1", opts.K)
		}
	default:
		return Usagef("--algo is %q; want auto, stories, kmeans or hdbscan", opts.Algo)
	}
	if opts.Algo == "hdbscan" || slices.ContainsFunc(hdbscanFlags, flags.Changed) {
		switch {
		case flags.Changed("epsilon"):
		case opts.Algo == "auto":
			hdb.Epsilon = cluster.DefaultPolicyEpsilon
		default:
			hdb.Epsilon = 0
		}
		opts.HDBSCAN = &hdb
	}
	return nil
}

func clusterRun(ctx context.Context, opts *clusterOptions) error {
	vectors, lines, err := readVectors(opts.Stdin, opts.Input)
	if err != nil {
		return err
	}
	var res cluster.Result
	switch opts.Algo {
	case "auto":
		res, err = cluster.Auto(ctx, vectors, cluster.AutoConfig{HDBSCAN: opts.HDBSCAN})
	case "stories":
		res, err = cluster.Cluster(ctx, vectors, cluster.PolicyConfig{Stories: cluster.StoriesConfig{HDBSCAN: opts.HDBSCAN}})
	case "hdbscan":
		hcfg := cluster.Config{}
		if opts.HDBSCAN != nil {
			hcfg = *opts.HDBSCAN
		}
		res, err = cluster.HDBSCAN(ctx, vectors, hcfg)
	case "kmeans":
		k := opts.K
		if k == 0 {
			k = max(cluster.SmallK(len(vectors)), 1)
		}
		var km cluster.KMeansResult
		km, err = cluster.KMeans(ctx, vectors, cluster.KMeansConfig{K: k})
		res = km.Result
	default:
		return Usagef("--algo is %q; want auto, stories, kmeans or hdbscan", opts.Algo)
	}
	if err != nil {
		return clusterInputError(err, lines)
	}
	rep := clusterReport{Algorithm: res.Algorithm, NClusters: res.NClusters, Noise: res.Noise(), Labels: res.Labels}
	if opts.JSON {
		return json.NewEncoder(opts.Stdout).Encode(rep)
	}
	return writeClusterTable(opts.Stdout, rep)
}

// readVectors parses one JSON array of numbers per non-blank line and
// returns the vectors with the line number of each.
func readVectors(stdin io.Reader, path string) ([][]float64, []int, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, AsUsage(fmt.Errorf("opening vectors: %w", err))
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxVectorLine)
	var (
		vectors [][]float64
		lines   []int
		line    int
	)
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(trimSpace(b)) == 0 {
			continue
		}
		var raw []*float64
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, nil, Usagef("%s line %d: want a JSON array of numbers: %v", path, line, err)
		}
		if len(raw) == 0 {
			return nil, nil, Usagef("%s line %d: empty array; want at least one number", path, line)
		}
		if len(vectors) > 0 && len(raw) != len(vectors[0]) {
			return nil, nil, Usagef("%s line %d: %d numbers; want %d like line %d", path, line, len(raw), len(vectors[0]), lines[0])
		}
		v := make([]float64, len(raw))
		for i, p := range raw {
			if p == nil {
				return nil, nil, Usagef("%s line %d: value %d is null; want a number", path, line, i)
			}
			v[i] = *p
		}
		vectors = append(vectors, v)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, Usagef("%s line %d: longer than %d bytes", path, line+1, maxVectorLine)
		}
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return vectors, lines, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// clusterFlagOf names the flag behind each configuration field, so errors
// speak the user's language.
var clusterFlagOf = map[string]string{
	"MinClusterSize":         "min-cluster-size",
	"MinSamples":             "min-samples",
	"Epsilon":                "epsilon",
	"Selection":              "selection",
	"Metric":                 "metric",
	"HDBSCAN.MinClusterSize": "min-cluster-size",
	"HDBSCAN.MinSamples":     "min-samples",
	"HDBSCAN.Epsilon":        "epsilon",
	"HDBSCAN.Selection":      "selection",
	"HDBSCAN.Metric":         "metric",
	"K":                      "k",
}

// clusterInputError turns the package's input and config errors into
// usage errors, with rows translated to input line numbers.
func clusterInputError(err error, lines []int) error {
	var ie *cluster.InputError
	if errors.As(err, &ie) && ie.Row >= 0 && ie.Row < len(lines) {
		return Usagef("line %d: %s", lines[ie.Row], ie.Reason)
	}
	var ce *cluster.ConfigError
	if errors.As(err, &ce) {
		if flag, ok := clusterFlagOf[ce.Field]; ok {
			return Usagef("--%s is %v; want %s", flag, ce.Value, ce.Want)
		}
	}
	if errors.Is(err, cluster.ErrInvalidConfig) || errors.Is(err, cluster.ErrInvalidInput) {
		return AsUsage(err)
	}
	return fmt.Errorf("clustering: %w", err)
}

func writeClusterTable(w io.Writer, rep clusterReport) error {
	sizes := make([]int, rep.NClusters)
	for _, l := range rep.Labels {
		if l >= 0 && l < len(sizes) {
			sizes[l]++
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "algorithm\t%s\n", rep.Algorithm)
	fmt.Fprintf(tw, "vectors\t%d\n", len(rep.Labels))
	fmt.Fprintf(tw, "clusters\t%d\n", rep.NClusters)
	fmt.Fprintf(tw, "noise\t%d\n", rep.Noise)
	for c, n := range sizes {
		fmt.Fprintf(tw, "cluster %d\t%d vectors\n", c, n)
	}
	return tw.Flush()
}
