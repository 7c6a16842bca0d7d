package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/nlp/sentences"
	"github.com/masx-ai/masx/nlp/summarize"
)

// maxSummarizeInput bounds what `masx summarize` reads from a file or
// stdin: far above any article, small enough that a wrong file (a disk
// image, /dev/zero) fails fast instead of filling memory.
const maxSummarizeInput = 16 << 20

// summarizeReport is `masx summarize --json`.
type summarizeReport struct {
	Mode        string   `json:"mode"` // "summary" or "compress"
	Sentences   []string `json:"sentences,omitempty"`
	Text        string   `json:"text,omitempty"`
	InputSents  int      `json:"input_sentences"`
	Kept        int      `json:"kept"`
	InputChars  int      `json:"input_chars"`
	OutputChars int      `json:"output_chars"`
	Truncated   bool     `json:"truncated,omitempty"`
}

// summarizeOptions are `masx summarize`'s inputs.
type summarizeOptions struct {
	*App
	Path      string // a file, or - for standard input
	Sentences int    // summary length; 0 keeps 20–40 %
	Compress  bool   // print the compressed text instead
	Budget    int    // with Compress: most characters, 0 no limit
	JSON      bool
}

func newSummarizeCmd(app *App, runF func(context.Context, *summarizeOptions) error) *cobra.Command {
	opts := &summarizeOptions{App: app}
	cmd := &cobra.Command{
		Use:   "summarize [--sentences N] [--compress [--budget CHARS]] FILE|-",
		Short: "Print an extractive summary, or the compressed text, of a text file",
		Long: `summarize reads UTF-8 text from FILE, or from stdin when FILE is -, and
prints an extractive summary: the N most informative sentences (TF-IDF,
length, numbers, position, entities and dates, picked by MMR), one per line,
in their original order. --sentences 0 keeps 20–40 % of the sentences.

With --compress it prints the compressed text the pipeline sends to
translation instead: 20–40 % of the sentences (fewer for longer texts),
within --budget characters when given.

Input is limited to 16 MiB; invalid UTF-8 is replaced.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o := opts; {
			case o.Sentences < 0:
				return Usagef("--sentences %d: want 0 (adaptive) or more", o.Sentences)
			case o.Budget < 0:
				return Usagef("--budget %d: want 0 (no limit) or more characters", o.Budget)
			case o.Budget > 0 && !o.Compress:
				return Usagef("--budget applies to --compress only")
			case o.Compress && cmd.Flags().Changed("sentences"):
				return Usagef("--sentences applies to summaries; --compress picks the count itself")
			}
			opts.Path = args[0]
			return runOr(cmd.Context(), opts, runF, summarizeRun)
		},
	}
	cmd.Flags().IntVarP(&opts.Sentences, "sentences", "n", 5, "sentences in the summary (0 keeps 20–40 %)")
	cmd.Flags().BoolVar(&opts.Compress, "compress", false, "print the compressed text instead of a summary")
	cmd.Flags().IntVar(&opts.Budget, "budget", 0, "with --compress: most characters in the output (0 = no limit)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON with statistics")
	return cmd
}

func summarizeRun(_ context.Context, opts *summarizeOptions) error {
	text, err := readSummarizeInput(opts.Stdin, opts.Path)
	if err != nil {
		return err
	}
	var rep summarizeReport
	if opts.Compress {
		r, err := summarize.CompressWith(text, summarize.Budget{Max: opts.Budget}, summarize.Options{})
		if err != nil {
			return fmt.Errorf("compressing %s: %w", opts.Path, err)
		}
		rep = summarizeReport{Mode: "compress", Text: r.Text, InputSents: r.Sentences, Kept: r.Kept,
			InputChars: r.InputUnits, OutputChars: r.OutputUnits, Truncated: r.Truncated}
	} else {
		sents := summarize.Summarize(text, opts.Sentences)
		out := strings.Join(sents, " ")
		rep = summarizeReport{Mode: "summary", Sentences: sents, InputSents: len(sentences.Split(text)),
			Kept: len(sents), InputChars: utf8.RuneCountInString(text), OutputChars: utf8.RuneCountInString(out)}
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, rep)
	}
	if opts.Compress {
		if rep.Text == "" {
			return nil
		}
		_, err = fmt.Fprintln(opts.Stdout, rep.Text)
		return err
	}
	for _, s := range rep.Sentences {
		if _, err := fmt.Fprintln(opts.Stdout, s); err != nil {
			return err
		}
	}
	return nil
}

// readSummarizeInput reads path ("-" for stdin) up to maxSummarizeInput.
// A missing, unreadable or oversized input is a usage error naming it.
func readSummarizeInput(stdin io.Reader, path string) (string, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = stdin, "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", Usagef("reading %s: %v", path, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSummarizeInput+1))
	if err != nil {
		return "", Usagef("reading %s: %v", name, err)
	}
	if len(b) > maxSummarizeInput {
		return "", Usagef("reading %s: input is larger than %d bytes", name, maxSummarizeInput)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}
