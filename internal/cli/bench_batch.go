package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/internal/bench/batchbench"
)

// benchBatchOptions are `masx bench batch`'s inputs.
type benchBatchOptions struct {
	*App
	Phase time.Duration
	JSON  bool
}

func newBenchBatchCmd(app *App, runF func(context.Context, *benchBatchOptions) error) *cobra.Command {
	opts := &benchBatchOptions{App: app}
	cmd := &cobra.Command{
		Use:   "batch",
		Short: "Measure the micro-batcher: overhead on a no-op model and gain on a simulated accelerator",
		Long: `Runs, side by side in one process:
  1. a no-op model fed by 64 concurrent submitters, directly and through the
     batcher (items/s and overhead per item);
  2. a simulated accelerator (2 ms + 10 µs per item, one call at a time) driven
     by 256 concurrent callers, unbatched and batched (items/s, p50/p99);
  3. an idle started batcher (CPU used, dispatcher wake-ups).
Batch settings come from BATCH_SIZE, BATCH_DELAY_MS and BATCH_QUEUE_MAX.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Phase <= 0 {
				return Usagef("--phase %v: want a positive duration", opts.Phase)
			}
			return runOr(cmd.Context(), opts, runF, benchBatchRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&opts.Phase, "phase", 2*time.Second, "length of each measured phase")
	return cmd
}

func benchBatchRun(ctx context.Context, opts *benchBatchOptions) error {
	s := opts.Settings
	r, err := batchbench.Run(ctx, batchbench.Options{
		Phase:     opts.Phase,
		BatchSize: s.BatchSize,
		MaxDelay:  s.BatchDelay(),
		QueueMax:  s.BatchQueueMax,
	})
	if err != nil {
		return fmt.Errorf("benchmarking the batcher: %w", err)
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, r)
	}
	w := opts.Stdout
	fmt.Fprintf(w, "batch size %d, max delay %.0f ms\n\n", r.BatchSize, r.MaxDelayMS)
	fmt.Fprintf(w, "no-op model, 64 submitters\n")
	fmt.Fprintf(w, "  direct calls        %12.0f items/s\n", r.DirectItemsPerSec)
	fmt.Fprintf(w, "  through the batcher %12.0f items/s  (avg batch %.1f)\n", r.NoopItemsPerSec, r.NoopAvgBatch)
	fmt.Fprintf(w, "  overhead            %12.0f ns/item wall, %.0f ns/item CPU\n\n", r.OverheadNsPerItem, r.OverheadCPUNsPerItem)
	fmt.Fprintf(w, "simulated accelerator (%.2f ms per full batch), 256 callers\n", r.SimCallMS)
	fmt.Fprintf(w, "  unbatched %10.0f items/s   p50 %7.2f ms  p99 %7.2f ms\n", r.UnbatchedItemsPerSec, r.UnbatchedP50MS, r.UnbatchedP99MS)
	fmt.Fprintf(w, "  batched   %10.0f items/s   p50 %7.2f ms  p99 %7.2f ms  (bound %.2f ms, avg batch %.1f)\n",
		r.BatchedItemsPerSec, r.P50MS, r.P99MS, r.P99BoundMS, r.SimAvgBatch)
	fmt.Fprintf(w, "  speedup   %10.1f×\n\n", r.Speedup)
	fmt.Fprintf(w, "idle batcher: %.3f ms CPU per s, %d dispatcher wake-ups\n", r.IdleCPUMillisPerSec, r.IdleDispatcherWakeups)
	return nil
}
