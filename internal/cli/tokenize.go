package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/model/tokenizer"
)

// tokenizeOutput is one line of `masx tokenize --json|--jsonl`.
type tokenizeOutput struct {
	IDs           []int64  `json:"ids"`
	Tokens        []string `json:"tokens"`
	Offsets       [][2]int `json:"offsets"`
	AttentionMask []int64  `json:"attention_mask,omitempty"` // with --pad
	Truncated     *bool    `json:"truncated,omitempty"`      // with --max-length
}

// maxTokenizeLine bounds one --jsonl input line (a JSON string).
const maxTokenizeLine = 16 << 20

// tokenizeOptions are `masx tokenize`'s inputs.
type tokenizeOptions struct {
	*App
	Tokenizer string // a tokenizer.json, or a model folder holding one
	Text      string // the text; - reads all of standard input
	JSONL     bool   // read one JSON string per line of standard input instead
	MaxLength int    // truncate to this many tokens; 0 does not
	Pad       bool   // pad to MaxLength
	NoSpecial bool   // no [CLS] and [SEP]
	JSON      bool
}

func newTokenizeCmd(app *App, runF func(context.Context, *tokenizeOptions) error) *cobra.Command {
	opts := &tokenizeOptions{App: app}
	cmd := &cobra.Command{
		Use:   "tokenize --tokenizer FILE [--json] TEXT|-",
		Short: "Tokenize text with a Hugging Face tokenizer.json",
		Long: `Tokenize text with a Hugging Face tokenizer.json (WordPiece/BERT family),
printing ids, tokens and character offsets exactly as Python tokenizers does.

TEXT is the text itself; "-" reads the whole of standard input as one text.
With --jsonl, standard input holds one JSON string per line and one JSON
result is printed per line. Special tokens ([CLS], [SEP]) are added unless
--no-special; truncation and padding are off unless --max-length (and --pad)
ask for them, whatever the file says.`,
		Example: `  masx tokenize --tokenizer models/acme/x/tokenizer.json "Hello, world!"
  masx tokenize --tokenizer tokenizer.json --json --max-length 128 --pad - < article.txt
  printf '"first text"\n"second"\n' | masx tokenize --tokenizer tokenizer.json --jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(args); err != nil {
				return err
			}
			return runOr(cmd.Context(), opts, runF, tokenizeRun)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Tokenizer, "tokenizer", "", "tokenizer.json file, or a model folder holding one")
	f.BoolVar(&opts.JSON, "json", false, `print {"ids":[…],"tokens":[…],"offsets":[[s,e],…]}`)
	f.BoolVar(&opts.JSONL, "jsonl", false, "read one JSON string per line from standard input, print one JSON result per line")
	f.IntVar(&opts.MaxLength, "max-length", 0, "truncate to N tokens, special tokens included (0: no truncation)")
	f.BoolVar(&opts.Pad, "pad", false, "pad to --max-length and print the attention mask")
	f.BoolVar(&opts.NoSpecial, "no-special", false, "do not add special tokens ([CLS], [SEP])")
	return cmd
}

// check refuses flags and arguments that do not go together and takes
// the text argument.
func (opts *tokenizeOptions) check(args []string) error {
	switch {
	case opts.Tokenizer == "":
		return Usagef("tokenize needs --tokenizer FILE (a tokenizer.json or a model folder)")
	case opts.JSONL && len(args) > 0:
		return Usagef("tokenize --jsonl reads standard input; got %d argument(s)", len(args))
	case !opts.JSONL && len(args) != 1:
		return Usagef("tokenize needs exactly one TEXT argument (or - for standard input); got %d", len(args))
	case opts.MaxLength < 0:
		return Usagef("--max-length %d: want a positive number of tokens", opts.MaxLength)
	case opts.Pad && opts.MaxLength == 0:
		return Usagef("--pad pads to --max-length; give --max-length N too")
	}
	if !opts.JSONL {
		opts.Text = args[0]
	}
	return nil
}

func tokenizeRun(_ context.Context, opts *tokenizeOptions) error {
	tok, err := loadTokenizer(opts.Tokenizer)
	if err != nil {
		return AsUsage(err)
	}
	tok = tok.WithTruncation(opts.MaxLength).WithoutPadding()
	if opts.Pad {
		tok = tok.WithPadding(tokenizer.Padding{Strategy: tokenizer.PadFixed, Length: opts.MaxLength})
	}
	enc := json.NewEncoder(opts.Stdout)
	enc.SetEscapeHTML(false)
	if opts.JSONL {
		return tokenizeLines(opts, tok, enc)
	}
	text := opts.Text
	if text == "-" {
		data, err := io.ReadAll(io.LimitReader(opts.Stdin, maxTokenizeLine+1))
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		if len(data) > maxTokenizeLine {
			return Usagef("standard input is larger than %d bytes", maxTokenizeLine)
		}
		text = string(data)
	}
	e := tok.Encode(text, !opts.NoSpecial)
	if opts.JSON {
		return enc.Encode(opts.output(e))
	}
	return printTokens(opts.Stdout, text, e)
}

// tokenizeLines is --jsonl: one JSON string per line of standard input,
// one JSON result per line out.
func tokenizeLines(opts *tokenizeOptions, tok *tokenizer.Tokenizer, enc *json.Encoder) error {
	sc := bufio.NewScanner(opts.Stdin)
	sc.Buffer(make([]byte, 64<<10), maxTokenizeLine)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var text string
		if err := json.Unmarshal(sc.Bytes(), &text); err != nil {
			return Usagef("tokenize --jsonl: line %d: want a JSON string: %v", line, err)
		}
		if err := enc.Encode(opts.output(tok.Encode(text, !opts.NoSpecial))); err != nil {
			return fmt.Errorf("writing result: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	return nil
}

// output is one encoding as printed: the mask with --pad, the truncation
// flag with --max-length.
func (opts *tokenizeOptions) output(e tokenizer.Encoding) tokenizeOutput {
	o := tokenizeOutput{IDs: e.IDs, Tokens: e.Tokens, Offsets: e.Offsets}
	if opts.Pad {
		o.AttentionMask = e.AttentionMask
	}
	if opts.MaxLength > 0 {
		o.Truncated = &e.Truncated
	}
	return o
}

// loadTokenizer loads a tokenizer.json, or the one in a model folder.
func loadTokenizer(path string) (*tokenizer.Tokenizer, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "tokenizer.json")
	}
	return tokenizer.Load(path)
}

// printTokens is the readable form: one token a line with its id, offsets
// and the text it covers.
func printTokens(w io.Writer, text string, e tokenizer.Encoding) error {
	runes := []rune(text)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tID\tTOKEN\tOFFSETS\tTEXT")
	for i, id := range e.IDs {
		o := e.Offsets[i]
		span := ""
		if o[1] > o[0] && o[1] <= len(runes) {
			span = strconv.Quote(string(runes[o[0]:o[1]]))
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d:%d\t%s\n", i, id, e.Tokens[i], o[0], o[1], span)
	}
	if e.Truncated {
		fmt.Fprintln(tw, "(truncated)")
	}
	return tw.Flush()
}
