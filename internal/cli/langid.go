package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/nlp/langid"
)

// maxLangidInput bounds what `masx langid -` reads from stdin: the
// detector looks at the first 1000 characters (at most 4000 bytes), so
// 64 KiB leaves room for leading markup and whitespace; the rest is not
// read at all.
const maxLangidInput = 64 << 10

// langidReport is `masx langid --json`.
type langidReport struct {
	Lang       string  `json:"lang"`
	Confidence float64 `json:"confidence"`
}

// langidOptions are `masx langid`'s inputs.
type langidOptions struct {
	*App
	Text      string // the text; unused with FromStdin
	FromStdin bool   // read the text from standard input (the argument -)
	JSON      bool
}

func newLangidCmd(app *App, runF func(context.Context, *langidOptions) error) *cobra.Command {
	opts := &langidOptions{App: app}
	cmd := &cobra.Command{
		Use:   "langid [--json] TEXT...|-",
		Short: "Print the language (ISO 639-1) of a text and the confidence",
		Long: `langid identifies the language of TEXT (several arguments are joined with
spaces), or of stdin when the only argument is -, and prints the ISO 639-1
code and a confidence in [0, 1], e.g. "de 0.99". Only the first 1000
characters count; stdin is read up to 64 KiB.

It prints "und" when the text has too few letters (under 12; a Han, kana or
Hangul character counts 3), is in a language masx does not report, or no
language reaches confidence 0.5. See the nlp/langid package doc for the
languages and measured accuracy.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "-" {
				if len(args) > 1 {
					return Usagef("langid: - reads stdin and takes no other arguments, got %d more", len(args)-1)
				}
				opts.FromStdin = true
			} else {
				opts.Text = strings.Join(args, " ")
			}
			return runOr(cmd.Context(), opts, runF, langidRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"lang":…,"confidence":…}`)
	return cmd
}

func langidRun(_ context.Context, opts *langidOptions) error {
	text := opts.Text
	if opts.FromStdin {
		b, err := io.ReadAll(io.LimitReader(opts.Stdin, maxLangidInput))
		if err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
		text = string(b)
	}
	d, err := langid.Default()
	if err != nil {
		return fmt.Errorf("loading the language model: %w", err)
	}
	r := d.Detect(text)
	rep := langidReport{Lang: r.Lang, Confidence: math.Round(r.Confidence*100) / 100}
	if opts.JSON {
		return json.NewEncoder(opts.Stdout).Encode(rep)
	}
	_, err = fmt.Fprintf(opts.Stdout, "%s %.2f\n", rep.Lang, rep.Confidence)
	return err
}
