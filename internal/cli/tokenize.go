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
	IDs           []int64          `json:"ids"`
	Tokens        []string         `json:"tokens"`
	Offsets       [][2]int         `json:"offsets"`
	TypeIDs       []int64          `json:"type_ids,omitempty"`       // with --pair
	AttentionMask []int64          `json:"attention_mask,omitempty"` // with --pad
	Truncated     *bool            `json:"truncated,omitempty"`      // with --max-length
	Overflowing   []tokenizeOutput `json:"overflowing,omitempty"`    // with --max-length: the windows cut off
}

// decodeOutput is `masx tokenize --decode --json`.
type decodeOutput struct {
	Text string `json:"text"`
}

// maxDecodeIDs bounds how many ids --decode reads.
const maxDecodeIDs = 1 << 20

// maxTokenizeLine bounds one --jsonl input line (a JSON string).
const maxTokenizeLine = 16 << 20

// tokenizeOptions are `masx tokenize`'s inputs.
type tokenizeOptions struct {
	*App
	Tokenizer   string // a tokenizer.json, or a model folder holding one
	Text        string // the text; - reads all of standard input
	JSONL       bool   // read one JSON string per line of standard input instead
	MaxLength   int    // truncate to this many tokens; 0 does not
	Pad         bool   // pad to MaxLength
	NoSpecial   bool   // no [CLS] and [SEP]
	JSON        bool
	Pair        string // second text of a pair (--pair)
	HasPair     bool
	Stride      int    // overlap of the overflowing windows
	Strategy    string // truncation strategy for pairs
	Decode      bool   // ids in, text out
	IDs         []int64
	KeepSpecial bool // --decode: keep special tokens in the text
	Windows     bool // one JSON line per window over the whole text
}

func newTokenizeCmd(app *App, runF func(context.Context, *tokenizeOptions) error) *cobra.Command {
	opts := &tokenizeOptions{App: app}
	cmd := &cobra.Command{
		Use:   "tokenize --tokenizer FILE|MODEL_DIR [--json] TEXT|- | --decode IDS…|-",
		Short: "Tokenize text, or decode ids, with a Hugging Face tokenizer.json",
		Long: `Tokenize text with a Hugging Face tokenizer.json of any family masx reads
(WordPiece, byte-level BPE, SentencePiece BPE and Unigram, WordLevel),
printing ids, tokens and character offsets exactly as the Rust tokenizers
library does. A model folder stands for its tokenizer.json.

TEXT is the text itself; "-" reads the whole of standard input as one text.
--pair TEXT encodes the two as a pair (question and passage). With --jsonl,
standard input holds one JSON string per line and one JSON result is printed
per line. Special tokens are added unless --no-special; truncation and
padding are off unless --max-length (and --pad) ask for them, whatever the
file says. With --max-length, --stride N makes what is cut off into
overlapping windows, printed as "overflowing" with --json exactly as the
Rust library gives them (it stops tokenizing at the maximum length, so they
cover little more than it); --windows instead prints one JSON line per
window covering the whole text, for a long article. --strategy picks which
text of a pair is cut.

--decode turns ids back into text: the ids are the arguments, or standard
input ("-" or none) as numbers separated by spaces or commas, or a JSON
array. Special tokens are dropped unless --keep-special.`,
		Example: `  masx tokenize --tokenizer models/acme/x/tokenizer.json "Hello, world!"
  masx tokenize --tokenizer tokenizer.json --json --max-length 128 --pad - < article.txt
  masx tokenize --tokenizer tokenizer.json --windows --max-length 256 --stride 64 - < article.txt
  masx tokenize --tokenizer models/acme/x --json --pair "Who won?" "The home side won 2-1."
  printf '"first text"\n"second"\n' | masx tokenize --tokenizer tokenizer.json --jsonl
  masx tokenize --tokenizer tokenizer.json --decode 101 7592 102
  echo '[101, 7592, 102]' | masx tokenize --tokenizer tokenizer.json --decode --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.HasPair = cmd.Flags().Changed("pair")
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
	f.StringVar(&opts.Pair, "pair", "", "encode TEXT and this second text as a pair")
	f.IntVar(&opts.Stride, "stride", 0, "with --max-length: overflowing windows overlap by N tokens")
	f.StringVar(&opts.Strategy, "strategy", "longest_first", "with --max-length and --pair: longest_first, only_first or only_second")
	f.BoolVar(&opts.Windows, "windows", false, "with --max-length: print one JSON line per window (--stride overlap) covering the whole text")
	f.BoolVar(&opts.Decode, "decode", false, "decode ids (arguments, or standard input) into text")
	f.BoolVar(&opts.KeepSpecial, "keep-special", false, "with --decode: keep special tokens in the text")
	return cmd
}

// check refuses flags and arguments that do not go together and takes
// the text argument.
func (opts *tokenizeOptions) check(args []string) error {
	if opts.Tokenizer == "" {
		return Usagef("tokenize needs --tokenizer FILE (a tokenizer.json or a model folder)")
	}
	if opts.Decode {
		return opts.checkDecode(args)
	}
	if opts.KeepSpecial {
		return Usagef("--keep-special goes with --decode")
	}
	if _, err := tokenizer.ParseTruncationStrategy(opts.Strategy); err != nil {
		return Usagef("--strategy %q: want longest_first, only_first or only_second", opts.Strategy)
	}
	switch {
	case opts.JSONL && len(args) > 0:
		return Usagef("tokenize --jsonl reads standard input; got %d argument(s)", len(args))
	case opts.JSONL && opts.HasPair:
		return Usagef("--pair takes one pair; it does not go with --jsonl")
	case !opts.JSONL && len(args) != 1:
		return Usagef("tokenize needs exactly one TEXT argument (or - for standard input); got %d", len(args))
	case opts.MaxLength < 0:
		return Usagef("--max-length %d: want a positive number of tokens", opts.MaxLength)
	case opts.Pad && opts.MaxLength == 0:
		return Usagef("--pad pads to --max-length; give --max-length N too")
	case opts.Stride < 0:
		return Usagef("--stride %d: want 0 or more tokens", opts.Stride)
	case opts.Stride > 0 && opts.MaxLength == 0:
		return Usagef("--stride overlaps the windows --max-length cuts; give --max-length N too")
	case opts.Windows && (opts.MaxLength == 0 || opts.HasPair || opts.JSONL):
		return Usagef("--windows needs --max-length N and one text (not --pair or --jsonl)")
	}
	if !opts.JSONL {
		opts.Text = args[0]
	}
	return nil
}

// checkDecode takes the ids of --decode from the arguments; none or "-"
// leaves them to standard input.
func (opts *tokenizeOptions) checkDecode(args []string) error {
	switch {
	case opts.JSONL || opts.HasPair || opts.MaxLength != 0 || opts.Pad || opts.Stride != 0 || opts.NoSpecial || opts.Windows:
		return Usagef("--decode takes ids and --keep-special, --json; not --jsonl, --pair, --max-length, --pad, --stride, --windows or --no-special")
	case len(args) == 0 || len(args) == 1 && args[0] == "-":
		return nil
	}
	ids, err := parseIDs(strings.Join(args, " "))
	if err != nil {
		return err
	}
	opts.IDs = ids
	return nil
}

// parseIDs reads token ids: a JSON array, or integers separated by spaces
// or commas.
func parseIDs(s string) ([]int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var ids []int64
		if err := json.Unmarshal([]byte(s), &ids); err != nil {
			return nil, Usagef("--decode: want a JSON array of integer ids: %v", err)
		}
		return ids, nil
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	if len(fields) > maxDecodeIDs {
		return nil, Usagef("--decode: %d ids, more than %d", len(fields), maxDecodeIDs)
	}
	ids := make([]int64, len(fields))
	for i, f := range fields {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, Usagef("--decode: id %d is %q, want an integer", i+1, f)
		}
		ids[i] = id
	}
	return ids, nil
}

func tokenizeRun(_ context.Context, opts *tokenizeOptions) error {
	tok, err := loadTokenizer(opts.Tokenizer)
	if err != nil {
		return AsUsage(err)
	}
	enc := json.NewEncoder(opts.Stdout)
	enc.SetEscapeHTML(false)
	if opts.Decode {
		return decodeRun(opts, tok, enc)
	}
	if tok, err = opts.configure(tok); err != nil {
		return err
	}
	if opts.JSONL {
		return tokenizeLines(opts, tok, enc)
	}
	text := opts.Text
	if text == "-" {
		if text, err = readStdin(opts); err != nil {
			return err
		}
	}
	if opts.Windows {
		for _, w := range tok.EncodeWindows(text, !opts.NoSpecial) {
			o := opts.output(w)
			o.Truncated = nil
			if err := enc.Encode(o); err != nil {
				return fmt.Errorf("writing result: %w", err)
			}
		}
		return nil
	}
	var e tokenizer.Encoding
	if opts.HasPair {
		if e, err = tok.EncodePair(text, opts.Pair, !opts.NoSpecial); err != nil {
			return AsUsage(err)
		}
	} else {
		e = tok.Encode(text, !opts.NoSpecial)
	}
	if opts.JSON {
		return enc.Encode(opts.output(e))
	}
	return printTokens(opts.Stdout, text, opts.Pair, e)
}

// configure applies the command's truncation and padding, and none of the
// file's.
func (opts *tokenizeOptions) configure(tok *tokenizer.Tokenizer) (*tokenizer.Tokenizer, error) {
	tok = tok.WithTruncation(0).WithoutPadding()
	if opts.MaxLength > 0 {
		st, _ := tokenizer.ParseTruncationStrategy(opts.Strategy) // checked
		var err error
		tok, err = tok.WithTruncationConfig(tokenizer.Truncation{MaxLength: opts.MaxLength, Stride: opts.Stride, Strategy: st})
		if err != nil {
			return nil, AsUsage(fmt.Errorf("--max-length %d --stride %d: %w", opts.MaxLength, opts.Stride, err))
		}
	}
	if opts.Pad {
		tok = tok.WithPadding(tokenizer.Padding{Strategy: tokenizer.PadFixed, Length: opts.MaxLength})
	}
	return tok, nil
}

func readStdin(opts *tokenizeOptions) (string, error) {
	data, err := io.ReadAll(io.LimitReader(opts.Stdin, maxTokenizeLine+1))
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	if len(data) > maxTokenizeLine {
		return "", Usagef("standard input is larger than %d bytes", maxTokenizeLine)
	}
	return string(data), nil
}

// decodeRun is --decode: ids (arguments or standard input) to text.
func decodeRun(opts *tokenizeOptions, tok *tokenizer.Tokenizer, enc *json.Encoder) error {
	ids := opts.IDs
	if ids == nil {
		in, err := readStdin(opts)
		if err != nil {
			return err
		}
		if ids, err = parseIDs(in); err != nil {
			return err
		}
	}
	text, err := tok.Decode(ids, !opts.KeepSpecial)
	if err != nil {
		return AsUsage(fmt.Errorf("--decode: %w", err))
	}
	if opts.JSON {
		return enc.Encode(decodeOutput{Text: text})
	}
	_, err = fmt.Fprintln(opts.Stdout, text)
	return err
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

// output is one encoding as printed: the type ids with --pair, the mask
// with --pad, the truncation flag and the overflowing windows with
// --max-length.
func (opts *tokenizeOptions) output(e tokenizer.Encoding) tokenizeOutput {
	o := tokenizeOutput{IDs: e.IDs, Tokens: e.Tokens, Offsets: e.Offsets}
	if opts.HasPair {
		o.TypeIDs = e.TypeIDs
	}
	if opts.Pad {
		o.AttentionMask = e.AttentionMask
	}
	if opts.MaxLength > 0 {
		o.Truncated = &e.Truncated
		for _, w := range e.Overflowing {
			ow := opts.output(w)
			ow.Truncated = nil
			o.Overflowing = append(o.Overflowing, ow)
		}
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
// and the text it covers (offsets of a pair's second text point into it:
// type id 1 where the template says so).
func printTokens(w io.Writer, text, pair string, e tokenizer.Encoding) error {
	runes, pairRunes := []rune(text), []rune(pair)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tID\tTOKEN\tOFFSETS\tTEXT")
	for i, id := range e.IDs {
		o := e.Offsets[i]
		src := runes
		if e.TypeIDs[i] == 1 && pair != "" {
			src = pairRunes
		}
		span := ""
		if o[1] > o[0] && o[1] <= len(src) {
			span = strconv.Quote(string(src[o[0]:o[1]]))
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d:%d\t%s\n", i, id, strconv.Quote(e.Tokens[i]), o[0], o[1], span)
	}
	if e.Truncated {
		fmt.Fprintf(tw, "(truncated; %d overflowing windows)\n", len(e.Overflowing))
	}
	return tw.Flush()
}
