package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
