package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/nlp/langid"
	"github.com/masx-ai/masx/nlp/translate"
)

// maxTranslateInput bounds what `masx translate` takes: a long article is
// a few tens of kilobytes; a megabyte is far past any, and keeps a stray
// pipe from feeding a server without end.
const maxTranslateInput = 1 << 20

// translateReport is `masx translate --json`.
type translateReport struct {
	Text       string  `json:"text"`
	Source     string  `json:"source_language"`
	Detected   bool    `json:"detected"` // the language came from langid, not --from
	Confidence float64 `json:"confidence,omitempty"`
	Backend    string  `json:"backend"`
	Translated bool    `json:"translated"`
	Reason     string  `json:"reason,omitempty"`
}

// translateOptions are `masx translate`'s inputs.
type translateOptions struct {
	*App
	Text      string
	FromStdin bool
	From      string // "auto" or an ISO 639-1 code
	Backend   string // overrides MASX_TRANSLATOR when set
	JSON      bool
}

func newTranslateCmd(app *App, runF func(context.Context, *translateOptions) error) *cobra.Command {
	opts := &translateOptions{App: app}
	cmd := &cobra.Command{
		Use:   "translate [--from auto|CODE] [--backend SPEC] [--json] TEXT...|-",
		Short: "Translate a text into English with the configured translator",
		Long: `translate puts TEXT (several arguments are joined with spaces), or stdin
when the only argument is -, into English with the translator
MASX_TRANSLATOR names, or --backend (same syntax: none, apertium:<url>,
libretranslate:<url>, onnx:<model dir>). It prints the English text, then
a line with the source language, whether it was detected, and the backend.

--from auto (the default) detects the language as the pipeline does;
--from es skips detection. A text the backend cannot translate is printed
unchanged with the reason, and the exit code is 1. stdin is read up to
1 MiB.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "-" {
				if len(args) > 1 {
					return Usagef("translate: - reads stdin and takes no other arguments, got %d more", len(args)-1)
				}
				opts.FromStdin = true
			} else {
				opts.Text = strings.Join(args, " ")
			}
			return runOr(cmd.Context(), opts, runF, translateRun)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "auto", "source language: auto (detect) or an ISO 639-1 code")
	cmd.Flags().StringVar(&opts.Backend, "backend", "", "translator, overriding MASX_TRANSLATOR (none, apertium:<url>, libretranslate:<url>, onnx:<dir>)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	return cmd
}

// ErrNotTranslated: masx translate could not translate the text.
var ErrNotTranslated = errors.New("not translated")

func translateRun(ctx context.Context, opts *translateOptions) error {
	text, err := translateInput(opts)
	if err != nil {
		return err
	}
	rep := translateReport{Source: strings.ToLower(strings.TrimSpace(opts.From))}
	switch {
	case rep.Source == "" || rep.Source == "auto":
		d, err := langid.Default()
		if err != nil {
			return fmt.Errorf("loading the language model: %w", err)
		}
		r := d.Detect(text)
		rep.Source, rep.Detected, rep.Confidence = r.Lang, true, math.Round(r.Confidence*100)/100
	case !slices.Contains(translate.Codes(), rep.Source):
		return Usagef("translate: --from %q: want auto or an ISO 639-1 code masx knows (%s)", opts.From, strings.Join(sortedCodes(), " "))
	}
	s := opts.Settings
	if opts.Backend != "" {
		cp := *s
		cp.Translator = opts.Backend
		s = &cp
	}
	tr, err := newTranslator(s, nil)
	if err != nil {
		if opts.Backend != "" {
			err = fmt.Errorf("--backend: %w", err)
		}
		return err
	}
	res, err := translate.One(ctx, tr, text, rep.Source)
	if err != nil {
		return err
	}
	rep.Text, rep.Backend, rep.Translated, rep.Reason = res.Text, tr.Name(), res.Translated, res.Reason()
	if err := printTranslate(opts.Stdout, rep, opts.JSON); err != nil {
		return err
	}
	if res.Err != nil {
		return fmt.Errorf("%w: %w", ErrNotTranslated, res.Err)
	}
	return nil
}

func translateInput(opts *translateOptions) (string, error) {
	text := opts.Text
	if opts.FromStdin {
		b, err := io.ReadAll(io.LimitReader(opts.Stdin, maxTranslateInput+1))
		if err != nil {
			return "", fmt.Errorf("reading stdin: %w", err)
		}
		if len(b) > maxTranslateInput {
			return "", Usagef("translate: stdin holds more than %d bytes; want at most that", maxTranslateInput)
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		return "", Usagef("translate: the text is empty; want TEXT or - with text on stdin")
	}
	return text, nil
}

func printTranslate(w io.Writer, rep translateReport, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(rep)
	}
	how := "given"
	if rep.Detected {
		how = fmt.Sprintf("detected, %.2f", rep.Confidence)
	}
	state := "translated"
	if !rep.Translated {
		state = "not translated"
		if rep.Reason != "" {
			state += ": " + rep.Reason
		}
	}
	_, err := fmt.Fprintf(w, "%s\n\nlanguage %s (%s), backend %s, %s\n", strings.TrimSpace(rep.Text), rep.Source, how, rep.Backend, state)
	return err
}

func sortedCodes() []string {
	c := translate.Codes()
	slices.Sort(c)
	return c
}
