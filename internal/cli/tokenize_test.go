package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/model/tokenizer"
)

// writeTinyTokenizer writes a BERT-style tokenizer.json with a small vocab.
func writeTinyTokenizer(t *testing.T) string {
	t.Helper()
	vocab := map[string]int{"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, ",": 6, "!": 7, "wide": 8, "##ly": 9}
	v, _ := json.Marshal(vocab)
	doc := fmt.Sprintf(`{"version":"1.0","truncation":{"max_length":3,"direction":"Right","strategy":"LongestFirst","stride":0},
		"padding":{"strategy":{"Fixed":64},"direction":"Right","pad_id":0,"pad_type_id":0,"pad_token":"[PAD]"},
		"added_tokens":[{"id":0,"content":"[PAD]","special":true},{"id":1,"content":"[UNK]","special":true},
			{"id":2,"content":"[CLS]","special":true},{"id":3,"content":"[SEP]","special":true}],
		"normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
		"pre_tokenizer":{"type":"BertPreTokenizer"},
		"post_processor":{"type":"BertProcessing","sep":["[SEP]",3],"cls":["[CLS]",2]},
		"model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":%s}}`, v)
	p := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTokenizeJSON(t *testing.T) {
	t.Parallel()
	tok := writeTinyTokenizer(t)
	// The file's truncation (3) and padding (64) are ignored unless asked.
	code, out, errOut := runCLI(t, "tokenize", "--tokenizer", tok, "--json", "Héllo, WIDELY!")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `{"ids":[2,4,6,8,9,7,3],"tokens":["[CLS]","hello",",","wide","##ly","!","[SEP]"],"offsets":[[0,0],[0,5],[5,6],[7,11],[11,13],[13,14],[0,0]]}` + "\n"
	if out != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}

	// A model folder works too, and "-" reads standard input.
	code, out, _ = runMasx(t, invocation{Stdin: strings.NewReader("hello")}, "tokenize", "--tokenizer", filepath.Dir(tok), "--json", "-")
	if code != ExitOK || !strings.Contains(out, `"ids":[2,4,3]`) {
		t.Errorf("stdin via folder: exit %d output %s", code, out)
	}

	code, out, _ = runCLI(t, "tokenize", "--tokenizer", tok, "--json", "--no-special", "hello")
	if code != ExitOK || !strings.Contains(out, `"ids":[4]`) {
		t.Errorf("--no-special: exit %d output %s", code, out)
	}
}

func TestTokenizeReadable(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, "tokenize", "--tokenizer", writeTinyTokenizer(t), "Héllo world")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.Contains(lines[2], "hello") || !strings.Contains(lines[2], `"Héllo"`) || !strings.Contains(lines[2], "0:5") {
		t.Errorf("readable output:\n%s", out)
	}
}

func TestTokenizeJSONL(t *testing.T) {
	t.Parallel()
	tok := writeTinyTokenizer(t)
	in := `"hello world"` + "\n\n" + `"hello, hello, hello, world"` + "\n"
	code, out, errOut := runMasx(t, invocation{Stdin: strings.NewReader(in)}, "tokenize", "--tokenizer", tok, "--jsonl", "--max-length", "5", "--pad")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []tokenizeOutput
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o tokenizeOutput
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, o)
	}
	if len(got) != 2 {
		t.Fatalf("%d results; want 2 (blank lines skipped)", len(got))
	}
	if !slices.Equal(got[0].IDs, []int64{2, 4, 5, 3, 0}) || !slices.Equal(got[0].AttentionMask, []int64{1, 1, 1, 1, 0}) || *got[0].Truncated {
		t.Errorf("first: %+v", got[0])
	}
	if len(got[1].IDs) != 5 || !*got[1].Truncated || got[1].Tokens[4] != "[SEP]" {
		t.Errorf("second: %+v; want 5 tokens, truncated, ending in [SEP]", got[1])
	}
}

func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	tok := writeTinyTokenizer(t)
	broken := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(broken, []byte(`{"model":`), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	cases := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"missing file", "", []string{"tokenize", "--tokenizer", missing, "x"}, missing},
		{"broken file", "", []string{"tokenize", "--tokenizer", broken, "x"}, broken},
		{"no tokenizer", "", []string{"tokenize", "x"}, "--tokenizer"},
		{"no text", "", []string{"tokenize", "--tokenizer", tok}, "one TEXT"},
		{"pad alone", "", []string{"tokenize", "--tokenizer", tok, "--pad", "x"}, "--max-length"},
		{"negative length", "", []string{"tokenize", "--tokenizer", tok, "--max-length", "-1", "x"}, "-1"},
		{"jsonl with argument", "", []string{"tokenize", "--tokenizer", tok, "--jsonl", "x"}, "standard input"},
		{"jsonl not a string", "\"ok\"\n{\"text\":1}\n", []string{"tokenize", "--tokenizer", tok, "--jsonl"}, "line 2"},
	}
	for _, c := range cases {
		code, _, errOut := runMasx(t, invocation{Stdin: strings.NewReader(c.stdin)}, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 mentioning %q", c.name, code, errOut, c.want)
		}
	}
}

// familyTokenizers are the tokenizer.json files of every family masx
// reads that are committed in the repository (the large npm ones are in
// the oracle cache and covered by the tokenizer package's tests).
func familyTokenizers(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "model", "tokenizer", "testdata")
	var out []string
	for _, f := range []string{"minilm_tokenizer.json", "mpnet_shape_tokenizer.json", "xlmr_tokenizer.json", "marian_tokenizer.json",
		"nllb_tokenizer.json", "unigram_bytefallback_tokenizer.json", "wordlevel_first_tokenizer.json"} {
		p := filepath.Join(dir, f)
		_, err := os.Stat(p)
		require.NoError(t, err, "family tokenizer %s", p)
		out = append(out, p)
	}
	return out
}

// TestTokenizeEveryFamily tokenizes a text with each family's tokenizer
// and decodes the ids back: the command works for every family, and
// --decode gives the text the library's Decode gives.
func TestTokenizeEveryFamily(t *testing.T) {
	t.Parallel()
	const text = "Le Conseil fédéral a présenté mardi son budget 2025."
	for _, f := range familyTokenizers(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, "tokenize", "--tokenizer", f, "--json", text)
			require.Equal(t, ExitOK, code, errOut)
			var o tokenizeOutput
			require.NoError(t, json.Unmarshal([]byte(out), &o))
			require.NotEmpty(t, o.IDs)
			tok, err := tokenizer.Load(f)
			require.NoError(t, err)
			require.Equal(t, tok.WithTruncation(0).WithoutPadding().Encode(text, true).IDs, o.IDs)

			args := []string{"tokenize", "--tokenizer", f, "--decode"}
			for _, id := range o.IDs {
				args = append(args, strconv.FormatInt(id, 10))
			}
			code, out, errOut = runCLI(t, args...)
			require.Equal(t, ExitOK, code, errOut)
			want, err := tok.Decode(o.IDs, true)
			require.NoError(t, err)
			require.Equal(t, want+"\n", out)
		})
	}
}

func TestTokenizeDecode(t *testing.T) {
	t.Parallel()
	minilm := familyTokenizers(t)[0]
	code, out, errOut := runCLI(t, "tokenize", "--tokenizer", minilm, "--decode", "101", "7592,", "1010", "2088", "102")
	require.Equal(t, ExitOK, code, errOut)
	require.Equal(t, "hello, world\n", out)

	code, out, errOut = runMasx(t, invocation{Stdin: strings.NewReader("[101, 7592, 102]")}, "tokenize", "--tokenizer", minilm, "--decode", "--keep-special", "--json")
	require.Equal(t, ExitOK, code, errOut)
	require.JSONEq(t, `{"text":"[CLS] hello [SEP]"}`, out)

	code, out, errOut = runMasx(t, invocation{Stdin: strings.NewReader("7592 2088\n")}, "tokenize", "--tokenizer", minilm, "--decode", "-")
	require.Equal(t, ExitOK, code, errOut)
	require.Equal(t, "hello world\n", out)
}

func TestTokenizePairAndStride(t *testing.T) {
	t.Parallel()
	minilm := familyTokenizers(t)[0]
	code, out, errOut := runCLI(t, "tokenize", "--tokenizer", minilm, "--json", "--pair", "the home side won", "who won?")
	require.Equal(t, ExitOK, code, errOut)
	var o tokenizeOutput
	require.NoError(t, json.Unmarshal([]byte(out), &o))
	require.Equal(t, []string{"[CLS]", "who", "won", "?", "[SEP]", "the", "home", "side", "won", "[SEP]"}, o.Tokens)
	require.Equal(t, []int64{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, o.TypeIDs)

	// Windows of 6 tokens (4 of text) overlapping by 2 cover the text.
	code, out, errOut = runCLI(t, "tokenize", "--tokenizer", minilm, "--json", "--max-length", "6", "--stride", "2", "a b c d e f g h")
	require.Equal(t, ExitOK, code, errOut)
	o = tokenizeOutput{}
	require.NoError(t, json.Unmarshal([]byte(out), &o))
	require.Equal(t, []string{"[CLS]", "a", "b", "c", "d", "[SEP]"}, o.Tokens)
	require.True(t, *o.Truncated)
	require.Len(t, o.Overflowing, 1)
	require.Equal(t, []string{"[CLS]", "c", "d", "e", "f", "[SEP]"}, o.Overflowing[0].Tokens)

	// --windows covers the whole text: 8 letters in windows of 4 stepping by 2.
	code, out, errOut = runCLI(t, "tokenize", "--tokenizer", minilm, "--windows", "--max-length", "6", "--stride", "2", "a b c d e f g h")
	require.Equal(t, ExitOK, code, errOut)
	var windows [][]string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var w tokenizeOutput
		require.NoError(t, json.Unmarshal([]byte(line), &w))
		windows = append(windows, w.Tokens[1:len(w.Tokens)-1])
	}
	require.Equal(t, [][]string{{"a", "b", "c", "d"}, {"c", "d", "e", "f"}, {"e", "f", "g", "h"}}, windows)

	code, out, errOut = runCLI(t, "tokenize", "--tokenizer", minilm, "--pair", "the home side won", "who won?")
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, out, `"home"`)
}

func TestTokenizeBadInput(t *testing.T) {
	t.Parallel()
	minilm := familyTokenizers(t)[0]
	for _, c := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"decode not a number", "", []string{"--decode", "101", "x7"}, `"x7"`},
		{"decode unknown id", "", []string{"--decode", "101", "99999999"}, "99999999"},
		{"decode bad json", "[1, \"a\"]", []string{"--decode"}, "JSON array"},
		{"decode with pair", "", []string{"--decode", "--pair", "x", "1"}, "--decode takes ids"},
		{"keep-special without decode", "", []string{"--keep-special", "x"}, "--keep-special"},
		{"bad strategy", "", []string{"--strategy", "middle", "x"}, `"middle"`},
		{"stride without length", "", []string{"--stride", "2", "x"}, "--max-length"},
		{"stride too large", "", []string{"--max-length", "6", "--stride", "4", "x"}, "stride 4"},
		{"pair too long for only_second", "", []string{"--max-length", "6", "--strategy", "only_second", "--pair", "b", "a a a a a a a a"}, "truncation"},
		{"pair with jsonl", "", []string{"--jsonl", "--pair", "x"}, "--pair"},
		{"windows without length", "", []string{"--windows", "x"}, "--windows needs"},
	} {
		args := append([]string{"tokenize", "--tokenizer", minilm}, c.args...)
		code, _, errOut := runMasx(t, invocation{Stdin: strings.NewReader(c.stdin)}, args...)
		require.Equal(t, ExitUsage, code, "%s: stderr %s", c.name, errOut)
		require.Contains(t, errOut, c.want, c.name)
	}
}

func TestTokenizeFlagsParse(t *testing.T) {
	t.Parallel()
	tk, err := parse(t, newTokenizeCmd, "--tokenizer", "t.json", "--max-length", "16", "--stride", "4", "--strategy", "only_second", "--pair", "b", "a")
	require.NoError(t, err)
	require.True(t, tk.HasPair)
	require.Equal(t, "b", tk.Pair)
	require.Equal(t, 4, tk.Stride)
	require.Equal(t, "only_second", tk.Strategy)
	tk, err = parse(t, newTokenizeCmd, "--tokenizer", "t.json", "--decode", "1", "2,3")
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2, 3}, tk.IDs)
	tk, err = parse(t, newTokenizeCmd, "--tokenizer", "t.json", "--decode")
	require.NoError(t, err)
	require.Nil(t, tk.IDs, "ids from standard input")

	bt, err := parse(t, newBenchTokenizeCmd, "--only", "llama", "--duration", "1s", "--json")
	require.NoError(t, err)
	require.Equal(t, "llama", bt.Only)
	require.True(t, bt.JSON)
	_, err = parse(t, newBenchTokenizeCmd, "--duration", "0s")
	require.ErrorIs(t, err, ErrUsage)
}
