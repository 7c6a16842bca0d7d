package cli

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/internal/bench/clusterbench"
)

// benchClusterOptions are `masx bench cluster`'s inputs.
type benchClusterOptions struct {
	*App
	clusterbench.Config
	JSON bool
}

func newBenchClusterCmd(app *App, runF func(context.Context, *benchClusterOptions) error) *cobra.Command {
	opts := &benchClusterOptions{App: app}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Time the clustering policies and HDBSCAN on synthetic Gaussian blobs",
		Long: `cluster generates n points in dim dimensions around --centers Gaussian blobs
(fixed seed), then times on the same points: the stories policy (the
pipeline's default: HDBSCAN cores on 20 principal components, then k-means
refinement), with the peak resident memory of that step alone; HDBSCAN
(min cluster size 5) on the full dimension, unless --skip-full-hdbscan; and
the original policy (20 principal components, HDBSCAN with epsilon 0.05).
It reports wall seconds, clusters found and the process's peak resident
memory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch c := opts.Config; {
			case c.N < 1:
				return Usagef("--n is %d; want at least 1", c.N)
			case c.Dim < 1:
				return Usagef("--dim is %d; want at least 1", c.Dim)
			case c.Centers < 1:
				return Usagef("--centers is %d; want at least 1", c.Centers)
			case !(c.Spread >= 0):
				return Usagef("--spread is %v; want a number ≥ 0", c.Spread)
			}
			return runOr(cmd.Context(), opts, runF, benchClusterRun)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.N, "n", 10000, "number of points")
	f.IntVar(&opts.Dim, "dim", 256, "dimensions")
	f.IntVar(&opts.Centers, "centers", 20, "Gaussian blobs (centres uniform in [-10, 10] per dimension)")
	f.Float64Var(&opts.Spread, "spread", 1, "standard deviation of each blob")
	f.Uint64Var(&opts.Seed, "seed", 1, "generator seed")
	f.BoolVar(&opts.SkipFullHDBSCAN, "skip-full-hdbscan", false, "leave out HDBSCAN on the full dimension (O(n²·d); minutes at 50,000 points)")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func benchClusterRun(ctx context.Context, opts *benchClusterOptions) error {
	rep, err := clusterbench.Run(ctx, opts.Config)
	if err != nil {
		return err
	}
	if opts.JSON {
		return json.NewEncoder(opts.Stdout).Encode(rep)
	}
	return rep.WriteText(opts.Stdout)
}
