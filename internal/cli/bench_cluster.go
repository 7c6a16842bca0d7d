package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/nlp/cluster"
)

// benchClusterReport is `masx bench cluster --json`. Seconds are wall
// time; peak_rss_mb is the process's high-water mark (VmHWM), −1 where
// /proc is missing.
type benchClusterReport struct {
	N          int     `json:"n"`
	Dim        int     `json:"dim"`
	Centers    int     `json:"centers"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	Seconds    float64 `json:"seconds"` // HDBSCAN on the full dimension
	NClusters  int     `json:"n_clusters"`
	Noise      int     `json:"noise"`
	// The pipeline's policy on the same vectors (normalise, 20 principal
	// components, HDBSCAN with epsilon 0.05).
	AutoSeconds   float64 `json:"auto_seconds"`
	AutoAlgorithm string  `json:"auto_algorithm"`
	AutoNClusters int     `json:"auto_n_clusters"`
	AutoNoise     int     `json:"auto_noise"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
}

func newBenchClusterCmd(app *App) *cobra.Command {
	var (
		n, dim, centers int
		spread          float64
		seed            uint64
		asJSON          bool
	)
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Time HDBSCAN and the clustering policy on synthetic Gaussian blobs",
		Long: `cluster generates n points in dim dimensions around --centers Gaussian blobs
(fixed seed), then times HDBSCAN (min cluster size 5) on the full dimension
and the pipeline's policy (normalise, 20 principal components, HDBSCAN with
epsilon 0.05) on the same points. It reports wall seconds, clusters found
and the process's peak resident memory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case n < 1:
				return Usagef("--n is %d; want at least 1", n)
			case dim < 1:
				return Usagef("--dim is %d; want at least 1", dim)
			case centers < 1:
				return Usagef("--centers is %d; want at least 1", centers)
			case !(spread >= 0):
				return Usagef("--spread is %v; want a number ≥ 0", spread)
			}
			ctx := cmd.Context()
			vectors, _ := cluster.GaussianBlobs(n, dim, centers, spread, seed)
			rep := benchClusterReport{N: n, Dim: dim, Centers: centers, GOMAXPROCS: runtime.GOMAXPROCS(0)}

			start := time.Now()
			res, err := cluster.HDBSCAN(ctx, vectors, cluster.Config{})
			if err != nil {
				return fmt.Errorf("running HDBSCAN: %w", err)
			}
			rep.Seconds = time.Since(start).Seconds()
			rep.NClusters, rep.Noise = res.NClusters, res.Noise()

			start = time.Now()
			auto, err := cluster.Auto(ctx, vectors, cluster.AutoConfig{})
			if err != nil {
				return fmt.Errorf("running the clustering policy: %w", err)
			}
			rep.AutoSeconds = time.Since(start).Seconds()
			rep.AutoAlgorithm, rep.AutoNClusters, rep.AutoNoise = auto.Algorithm, auto.NClusters, auto.Noise()
			rep.PeakRSSMB = peakRSSMB()

			if asJSON {
				return json.NewEncoder(app.Stdout).Encode(rep)
			}
			tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "points\t%d × %d dims, %d blobs, GOMAXPROCS %d\n", rep.N, rep.Dim, rep.Centers, rep.GOMAXPROCS)
			fmt.Fprintf(tw, "hdbscan (full dim)\t%.3f s\t%d clusters, %d noise\n", rep.Seconds, rep.NClusters, rep.Noise)
			fmt.Fprintf(tw, "policy (%s)\t%.3f s\t%d clusters, %d noise\n", rep.AutoAlgorithm, rep.AutoSeconds, rep.AutoNClusters, rep.AutoNoise)
			fmt.Fprintf(tw, "peak RSS\t%.1f MB\n", rep.PeakRSSMB)
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.IntVar(&n, "n", 10000, "number of points")
	f.IntVar(&dim, "dim", 256, "dimensions")
	f.IntVar(&centers, "centers", 20, "Gaussian blobs (centres uniform in [-10, 10] per dimension)")
	f.Float64Var(&spread, "spread", 1, "standard deviation of each blob")
	f.Uint64Var(&seed, "seed", 1, "generator seed")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// peakRSSMB reads the resident-set high-water mark from /proc/self/status,
// or returns −1 where there is none.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return -1
		}
		return kb / 1024
	}
	return -1
}
