package cli

import (
	"encoding/json"
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

func newSummarizeCmd(app *App) *cobra.Command {
	var (
		n        int
		compress bool
		budget   int
		asJSON   bool
	)
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
			switch {
			case n < 0:
				return Usagef("--sentences %d: want 0 (adaptive) or more", n)
			case budget < 0:
				return Usagef("--budget %d: want 0 (no limit) or more characters", budget)
			case budget > 0 && !compress:
				return Usagef("--budget applies to --compress only")
			case compress && cmd.Flags().Changed("sentences"):
				return Usagef("--sentences applies to summaries; --compress picks the count itself")
			}
			text, err := readSummarizeInput(cmd, args[0])
			if err != nil {
				return err
			}
			var rep summarizeReport
			if compress {
				r, err := summarize.CompressWith(text, summarize.Budget{Max: budget}, summarize.Options{})
				if err != nil {
					return fmt.Errorf("compressing %s: %w", args[0], err)
				}
				rep = summarizeReport{Mode: "compress", Text: r.Text, InputSents: r.Sentences, Kept: r.Kept,
					InputChars: r.InputUnits, OutputChars: r.OutputUnits, Truncated: r.Truncated}
			} else {
				sents := summarize.Summarize(text, n)
				out := strings.Join(sents, " ")
				rep = summarizeReport{Mode: "summary", Sentences: sents, InputSents: len(sentences.Split(text)),
					Kept: len(sents), InputChars: utf8.RuneCountInString(text), OutputChars: utf8.RuneCountInString(out)}
			}
			if asJSON {
				enc := json.NewEncoder(app.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			if compress {
				if rep.Text == "" {
					return nil
				}
				_, err = fmt.Fprintln(app.Stdout, rep.Text)
				return err
			}
			for _, s := range rep.Sentences {
				if _, err := fmt.Fprintln(app.Stdout, s); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "sentences", "n", 5, "sentences in the summary (0 keeps 20–40 %)")
	cmd.Flags().BoolVar(&compress, "compress", false, "print the compressed text instead of a summary")
	cmd.Flags().IntVar(&budget, "budget", 0, "with --compress: most characters in the output (0 = no limit)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with statistics")
	return cmd
}

// readSummarizeInput reads path ("-" for stdin) up to maxSummarizeInput.
// A missing, unreadable or oversized input is a usage error naming it.
func readSummarizeInput(cmd *cobra.Command, path string) (string, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = cmd.InOrStdin(), "stdin"
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
