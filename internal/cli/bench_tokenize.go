package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/internal/bench/tokenizebench"
)

// benchTokenizeOptions are `masx bench tokenize`'s inputs.
type benchTokenizeOptions struct {
	*App
	Repo     string
	Only     string
	Duration time.Duration
	Batch    int
	List     bool
	Dump     bool
	JSON     bool
}

func newBenchTokenizeCmd(app *App, runF func(context.Context, *benchTokenizeOptions) error) *cobra.Command {
	opts := &benchTokenizeOptions{App: app}
	cmd := &cobra.Command{
		Use:   "tokenize [--json] [--only NAME] [--duration D]",
		Short: "Tokenizer throughput per family: texts/s and MB/s on one core",
		Long: `Measure model/tokenizer on every tokenizer family masx reads (WordPiece,
byte-level BPE, SentencePiece BPE, Unigram; the table is in
internal/bench/tokenizebench), encoding 256-text batches of mixed news
paragraphs from the tokenizer corpus on one core (GOMAXPROCS 1), special
tokens added, no truncation. Families whose tokenizer.json is missing (the
large npm ones live in the cache scripts/setup.sh fills) are skipped.

scripts/bench-tokenize-reference.sh runs this and the Rust tokenizers library
on the same texts and files, single-threaded, and prints the ratios.`,
		Example: `  masx bench tokenize
  masx bench tokenize --json --duration 5s
  masx bench tokenize --only llama3
  masx bench tokenize --list      # family, tokenizer.json (for the reference script)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Duration <= 0 || opts.Batch < 1 {
				return Usagef("--duration %v, --batch %d: want a positive duration and batch size", opts.Duration, opts.Batch)
			}
			return runOr(cmd.Context(), opts, runF, benchTokenizeRun)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, "print JSON")
	f.StringVar(&opts.Repo, "repo", ".", "repository root (the corpus and the committed tokenizers)")
	f.StringVar(&opts.Only, "only", "", "measure only the families whose name contains this")
	f.DurationVar(&opts.Duration, "duration", tokenizebench.DurationDefault, "how long each family is measured")
	f.IntVar(&opts.Batch, "batch", tokenizebench.BatchSizeDefault, "texts per batch")
	f.BoolVar(&opts.List, "list", false, "print each family and its tokenizer.json path, tab-separated, and exit")
	f.BoolVar(&opts.Dump, "dump-batches", false, "print the batches measured, one JSON array of texts a line, and exit")
	return cmd
}

func benchTokenizeRun(ctx context.Context, opts *benchTokenizeOptions) error {
	c := tokenizebench.Config{
		RepoRoot:  opts.Repo,
		CacheDir:  opts.Settings.ResolvedCacheDir(),
		Only:      opts.Only,
		Duration:  opts.Duration,
		BatchSize: opts.Batch,
	}
	if opts.List {
		for _, f := range tokenizebench.Families() {
			fmt.Fprintf(opts.Stdout, "%s\t%s\n", f.Name, c.Resolve(f.File))
		}
		return nil
	}
	if opts.Dump {
		texts, err := tokenizebench.Paragraphs(filepath.Join(opts.Repo, tokenizebench.CorpusPath), tokenizebench.MinRunesDefault)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(opts.Stdout)
		enc.SetEscapeHTML(false)
		for _, b := range tokenizebench.Batches(texts, opts.Batch) {
			if err := enc.Encode(b); err != nil {
				return err
			}
		}
		return nil
	}
	rep, err := tokenizebench.Run(ctx, c)
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	fmt.Fprintf(opts.Stdout, "%d news paragraphs, batches of %d, one core (load average %.1f)\n", rep.Paragraphs, rep.BatchSize, rep.LoadAvg)
	tw := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FAMILY\tTEXTS/S\tMB/S\tTEXTS/CPU-S\tMB/CPU-S\tTOKENS/S\tALLOCS/TEXT\tLOAD")
	for _, r := range rep.Results {
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\tskipped: %s\t\t\t\t\t\t\n", r.Family, r.Skipped)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.0f\t%.2f\t%.0f\t%.1f\t%.2fs\n", r.Family, r.TextsPerSec, r.MBPerSec,
			r.TextsPerCPUSec, r.MBPerCPUSec, r.TokensPerS, r.AllocsText, r.LoadSeconds)
	}
	return tw.Flush()
}
