package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/internal/bench/generatebench"
)

// benchGenerateOptions are `masx bench generate`'s inputs.
type benchGenerateOptions struct {
	*App
	Model    string // seq2seq folder; empty: the generated OPUS-MT-shaped model
	Tokens   int
	SrcLen   int
	Batch    int
	Beams    int
	SkipInt8 bool
	JSON     bool
}

func newBenchGenerateCmd(app *App, runF func(context.Context, *benchGenerateOptions) error) *cobra.Command {
	opts := &benchGenerateOptions{App: app}
	cmd := &cobra.Command{
		Use:   "generate [--model DIR] [--json]",
		Short: "Seq2seq generation: KV cache vs recompute, lockstep batches, beam search, runtime overhead, int8",
		Long: `Measure seq2seq generation (translation, summaries) in one run, on one model:

  nocache   batch 1, greedy, the decoder recomputing the whole sequence each step
  cache     batch 1, greedy, with the KV cache
  batched   --batch sentences in lockstep, greedy
  beam      --batch sentences, --beams beams
  runtime   the batched run through the inference runtime, against the engine alone
  int8      cache, batched and beam again on the _quantized (dynamic int8) files

Every sentence generates exactly --tokens tokens (EOS is banned until then).
Without --model, a random-weight model with OPUS-MT en-de's dimensions (6+6
layers, d_model 512, 8 heads, FFN 2048, vocabulary 58,101) is generated once
into the cache folder (needs /usr/bin/python3 with python3-onnx; about a
minute and 1 GB). The device follows MASX_FORCE_CPU / MASX_FORCE_GPU.`,
		Example: `  masx bench generate
  masx bench generate --json --tokens 32 --batch 8
  MASX_FORCE_GPU=1 masx bench generate --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o := opts; o.Tokens < 1 || o.SrcLen < 2 || o.Batch < 1 || o.Beams < 2 {
				return Usagef("--tokens %d, --src-len %d, --batch %d, --beams %d: want ≥ 1, ≥ 2, ≥ 1, ≥ 2", o.Tokens, o.SrcLen, o.Batch, o.Beams)
			}
			return runOr(cmd.Context(), opts, runF, benchGenerateRun)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "seq2seq model folder (default: generated OPUS-MT-shaped model)")
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	f.IntVar(&opts.Tokens, "tokens", generatebench.TokensDefault, "tokens generated per sentence")
	f.IntVar(&opts.SrcLen, "src-len", generatebench.SrcLenDefault, "source tokens per sentence")
	f.IntVar(&opts.Batch, "batch", generatebench.BatchDefault, "sentences per lockstep batch")
	f.IntVar(&opts.Beams, "beams", generatebench.BeamsDefault, "beams of the beam-search run")
	f.BoolVar(&opts.SkipInt8, "skip-int8", false, "leave out the _quantized runs")
	return cmd
}

func benchGenerateRun(ctx context.Context, opts *benchGenerateOptions) error {
	s := opts.Settings
	dev, err := detectDevice(s)
	if err != nil {
		return err
	}
	rep, err := generatebench.Run(ctx, generatebench.Config{
		Device: dev, ORTLib: s.ResolvedORTLib(), Threads: s.ResolvedORTThreads(),
		CacheDir: s.ResolvedCacheDir(), ModelDir: opts.Model,
		Tokens: opts.Tokens, SrcLen: opts.SrcLen, Batch: opts.Batch, Beams: opts.Beams, SkipInt8: opts.SkipInt8,
		Logf: func(f string, a ...any) { opts.Logger.Info(fmt.Sprintf(f, a...)) },
	})
	if err != nil {
		return modelInputError(err)
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (%s, ONNX Runtime %s, %d threads)\n", rep.Model, rep.Provider, rep.ORTVersion, rep.Threads)
	fmt.Fprintf(tw, "settings\t%d tokens per sentence, %d source tokens, batch %d, %d beams\n", rep.Tokens, rep.SrcLen, rep.Batch, rep.Beams)
	fmt.Fprintln(tw, "\ttokens/s\ttokens/CPU-s\tencoder s\tdecoder s\trows/step\t")
	row := func(name string, m generatebench.Measurement, note string) {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.2f\t%.2f\t%.1f\t%s\n", name, m.TokensPerSec, m.TokensPerCPUS, m.EncoderSeconds, m.DecoderSeconds, m.MeanRows, note)
	}
	fmt.Fprintf(tw, "per CPU-s\tcache %.2f× nocache, batched %.2f× cache, runtime overhead %.1f%%\n", rep.CacheSpeedupCPU, rep.BatchSpeedupCPU, rep.RuntimeOverheadCPUPct)
	row("nocache", rep.NoCache, "")
	row("cache", rep.Cache, fmt.Sprintf("(%.2f× nocache)", rep.CacheSpeedup))
	row("batched", rep.Batched, fmt.Sprintf("(%.2f× cache)", rep.BatchSpeedup))
	row("runtime", rep.Runtime, fmt.Sprintf("(overhead %.1f%%)", rep.RuntimeOverheadPct))
	row("beam", rep.Beam4, "")
	if rep.Int8Batched != nil {
		row("int8 cache", *rep.Int8Cache, "")
		row("int8 batched", *rep.Int8Batched, fmt.Sprintf("(%.2f× fp32)", rep.Int8BatchSpeedup))
		row("int8 beam", *rep.Int8Beam4, fmt.Sprintf("(%.2f× fp32)", rep.Int8Beam4Speedup))
	}
	return tw.Flush()
}
