package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/internal/bench/embedbench"
)

// benchEmbedOptions are `masx bench embed`'s inputs.
type benchEmbedOptions struct {
	*App
	Model          string // folder or installed repo id; empty: the generated MiniLM-shaped model
	Duration       time.Duration
	Callers        int
	SeqLen         int
	MaxBatchTokens int
	JSON           bool
}

func newBenchEmbedCmd(app *App, runF func(context.Context, *benchEmbedOptions) error) *cobra.Command {
	opts := &benchEmbedOptions{App: app}
	cmd := &cobra.Command{
		Use:   "embed [--model DIR|ORG/NAME] [--json]",
		Short: "Sentence embeddings: unbatched vs micro-batched, runtime vs raw ONNX Runtime, length bucketing",
		Long: `Measure sentence embeddings in one run, on one model and device:

  unbatched   CALLERS goroutines, one text per ONNX Runtime call
  batched     the same callers through the inference runtime, which batches
  raw/runtime full batches of BATCH_SIZE texts, straight vs through the runtime
  mixed       texts of 6 to max-length tokens, with and without length bucketing

Fixed-length texts have --seq-len tokens. Without --model, a random-weight
model shaped like all-MiniLM-L6-v2 is generated once into the cache folder
(needs /usr/bin/python3 with python3-onnx; scripts/setup.sh). The device
follows MASX_FORCE_CPU / MASX_FORCE_GPU; fp16 follows MASX_FP16.`,
		Example: `  masx bench embed
  masx bench embed --model sentence-transformers/all-MiniLM-L6-v2 --json
  MASX_FORCE_GPU=1 BATCH_SIZE=256 masx bench embed --json
  masx bench embed --seq-len 16     # short texts, where batching pays on a CPU`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o := opts; o.Duration <= 0 || o.Callers < 1 || o.SeqLen < 3 || o.MaxBatchTokens < 0 {
				return Usagef("--duration %v, --callers %d, --seq-len %d, --max-batch-tokens %d: want a positive duration, ≥ 1 caller, ≥ 3 tokens, ≥ 0 tokens",
					o.Duration, o.Callers, o.SeqLen, o.MaxBatchTokens)
			}
			return runOr(cmd.Context(), opts, runF, benchEmbedRun)
		},
	}
	cmd.Flags().StringVar(&opts.Model, "model", "", "model folder or installed repository id (default: generated MiniLM-shaped model)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 5*time.Second, "length of each measurement")
	cmd.Flags().IntVar(&opts.Callers, "callers", 64, "concurrent callers")
	cmd.Flags().IntVar(&opts.SeqLen, "seq-len", 128, "tokens per fixed-length text, [CLS] and [SEP] included")
	cmd.Flags().IntVar(&opts.MaxBatchTokens, "max-batch-tokens", 0, "token bound of a batch (default 1024 on a CPU, BATCH_SIZE × max length on a GPU)")
	return cmd
}

func benchEmbedRun(ctx context.Context, opts *benchEmbedOptions) error {
	dir := ""
	if opts.Model != "" {
		var err error
		if dir, err = resolveEmbedModel(opts.Settings, opts.Model); err != nil {
			return err
		}
	}
	s := opts.Settings
	dev, err := detectDevice(s)
	if err != nil {
		return err
	}
	rep, err := embedbench.Run(ctx, embedbench.Config{
		Device:         dev,
		Embed:          embedConfig(s, ""),
		CacheDir:       s.ResolvedCacheDir(),
		ModelDir:       dir,
		Duration:       opts.Duration,
		Callers:        opts.Callers,
		SeqLen:         opts.SeqLen,
		MaxBatchTokens: opts.MaxBatchTokens,
		Logf:           func(f string, a ...any) { opts.Logger.Info(fmt.Sprintf(f, a...)) },
	})
	if err != nil {
		return modelInputError(err)
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (%s, %s, fp16 %v, ONNX Runtime %s, %d threads)\n", rep.Model, rep.Provider, rep.Device, rep.FP16, rep.ORTVersion, rep.Threads)
	fmt.Fprintf(tw, "settings\tbatches of %d fixed-length texts, ≤ %d tokens, delay %.0fms, %d callers, seq %d, %.0fs per run\n", rep.BatchSize, rep.MaxBatchTokens, rep.BatchDelayMS, rep.Callers, rep.SeqLen, rep.DurationS)
	fmt.Fprintln(tw, "\ttexts/s\ttexts/CPU-s\t")
	fmt.Fprintf(tw, "unbatched\t%.1f\t%.1f\t\n", rep.UnbatchedItemsPerSec, rep.UnbatchedPerCPUSec)
	fmt.Fprintf(tw, "batched\t%.1f\t%.1f\t(mean batch %.1f; %.2f× unbatched, %.2f× per CPU-s)\n", rep.BatchedItemsPerSec, rep.BatchedPerCPUSec, rep.BatchedMeanBatch, rep.Speedup, rep.CPUSpeedup)
	fmt.Fprintf(tw, "raw ONNX Runtime\t%.1f\t%.1f\t(batches of %d)\n", rep.RawItemsPerSec, rep.RawPerCPUSec, rep.BatchSize)
	fmt.Fprintf(tw, "raw, one per call\t%.1f\t\t(batching ceiling on this hardware: %.2f×)\n", rep.RawBatch1ItemsPerSec, rep.BatchingCeiling)
	fmt.Fprintf(tw, "through runtime\t%.1f\t%.1f\t(mean batch %.1f; overhead %.1f%%, %.1f%% per CPU-s)\n", rep.RuntimeItemsPerSec, rep.RuntimePerCPUSec, rep.RuntimeMeanBatch, rep.RuntimeOverheadPct, rep.RuntimeCPUOverhead)
	fmt.Fprintf(tw, "mixed, bucketed\t%.1f\t\t(padding efficiency %.2f)\n", rep.MixedItemsPerSec, rep.PaddingEfficiency)
	fmt.Fprintf(tw, "mixed, unsorted\t%.1f\t\t(padding efficiency %.2f)\n", rep.MixedUnsortedItemsPerSec, rep.PaddingEfficiencyUnsorted)
	return tw.Flush()
}
