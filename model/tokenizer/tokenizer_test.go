package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tinyVocab is a vocabulary small enough to reason about by hand.
var tinyVocab = map[string]int{
	"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "[PAD]": 3, "[MASK]": 4,
	"hello": 5, "world": 6, "##s": 7, "un": 8, "##believ": 9, "##able": 10,
	",": 11, "!": 12, "a": 13, "b": 14, "1": 15, "2": 16, "3": 17, "-": 18,
	"x": 19, "é": 20, "ab": 21, "abc": 22, "there": 23, "e": 24,
}

// tiny builds a tokenizer.json around tinyVocab with the given sections
// (JSON text; empty means null).
func tiny(t *testing.T, normalizer, preTok, post, added string) *Tokenizer {
	t.Helper()
	tok, err := FromJSON(tinyJSON(normalizer, preTok, post, added))
	if err != nil {
		t.Fatalf("FromJSON: %v", err)
	}
	return tok
}

func tinyJSON(normalizer, preTok, post, added string) []byte {
	orNull := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	vocab, _ := json.Marshal(tinyVocab)
	return fmt.Appendf(nil, `{"version":"1.0","truncation":null,"padding":null,
		"added_tokens":%s,"normalizer":%s,"pre_tokenizer":%s,"post_processor":%s,
		"model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
		"max_input_chars_per_word":20,"vocab":%s}}`,
		orNull(added), orNull(normalizer), orNull(preTok), orNull(post), vocab)
}

type want struct {
	tokens  []string
	offsets [][2]int
}

func check(t *testing.T, tok *Tokenizer, text string, w want) {
	t.Helper()
	e := tok.Encode(text, true)
	if !slices.Equal(e.Tokens, w.tokens) {
		t.Errorf("Encode(%q) tokens = %q; want %q", text, e.Tokens, w.tokens)
	}
	if w.offsets != nil && !slices.Equal(e.Offsets, w.offsets) {
		t.Errorf("Encode(%q) offsets = %v; want %v", text, e.Offsets, w.offsets)
	}
	for i, s := range e.Tokens {
		if id, ok := tok.TokenID(s); ok && id != e.IDs[i] && !strings.HasPrefix(s, " ") {
			t.Errorf("Encode(%q) token %q has id %d; vocabulary says %d", text, s, e.IDs[i], id)
		}
	}
}

func TestPreTokenizers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, preTok, text string
		want               want
	}{
		{"Whitespace", `{"type":"Whitespace"}`, "hello, world!!",
			want{[]string{"hello", ",", "world", "[UNK]"}, [][2]int{{0, 5}, {5, 6}, {7, 12}, {12, 14}}}},
		{"WhitespaceSplit", `{"type":"WhitespaceSplit"}`, " hello\u00a0world, ",
			want{[]string{"hello", "[UNK]"}, [][2]int{{1, 6}, {7, 13}}}},
		{"Punctuation default isolated", `{"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},{"type":"Punctuation"}]}`,
			"hello,world!", want{[]string{"hello", ",", "world", "!"}, [][2]int{{0, 5}, {5, 6}, {6, 11}, {11, 12}}}},
		{"Punctuation merged with previous", `{"type":"Punctuation","behavior":"MergedWithPrevious"}`,
			"a-b", want{[]string{"[UNK]", "b"}, [][2]int{{0, 2}, {2, 3}}}}, // "a-" is not in the vocab
		{"Punctuation merged with next", `{"type":"Punctuation","behavior":"MergedWithNext"}`,
			"a-b", want{[]string{"a", "[UNK]"}, [][2]int{{0, 1}, {1, 3}}}},
		{"Punctuation removed", `{"type":"Punctuation","behavior":"Removed"}`,
			"a-b", want{[]string{"a", "b"}, [][2]int{{0, 1}, {2, 3}}}},
		{"Digits individual", `{"type":"Digits","individual_digits":true}`,
			"x123", want{[]string{"x", "1", "2", "3"}, [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}}}},
		{"Digits contiguous", `{"type":"Digits","individual_digits":false}`,
			"x12", want{[]string{"x", "[UNK]"}, [][2]int{{0, 1}, {1, 3}}}}, // "12": "1" then no "##2"
		{"Split literal removed", `{"type":"Split","pattern":{"String":"-"},"behavior":"Removed","invert":false}`,
			"a-b", want{[]string{"a", "b"}, [][2]int{{0, 1}, {2, 3}}}},
		{"Split regex inverted", `{"type":"Split","pattern":{"Regex":"[a-z]+"},"behavior":"Removed","invert":true}`,
			"hello  world", want{[]string{"hello", "world"}, [][2]int{{0, 5}, {7, 12}}}},
		{"Bert", `{"type":"BertPreTokenizer"}`, "hello,world !",
			want{[]string{"hello", ",", "world", "!"}, [][2]int{{0, 5}, {5, 6}, {6, 11}, {12, 13}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, tiny(t, "", c.preTok, "", ""), c.text, c.want)
		})
	}
}

func TestNormalizers(t *testing.T) {
	t.Parallel()
	ws := `{"type":"WhitespaceSplit"}`
	cases := []struct {
		name, normalizer, text string
		want                   want
	}{
		{"NFD lowercase strip accents", `{"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"Lowercase"},{"type":"StripAccents"}]}`,
			"HÉLLO", want{[]string{"hello"}, [][2]int{{0, 5}}}},
		{"NFC composes", `{"type":"NFC"}`, "e\u0301", want{[]string{"é"}, [][2]int{{0, 1}}}},
		{"NFKC folds fullwidth", `{"type":"NFKC"}`, "ｈｅｌｌｏ", want{[]string{"hello"}, [][2]int{{0, 5}}}},
		{"Replace literal", `{"type":"Replace","pattern":{"String":"-"},"content":" "}`,
			"a-b", want{[]string{"a", "b"}, [][2]int{{0, 1}, {2, 3}}}},
		{"Replace regex", `{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "}`,
			"a \t b", want{[]string{"a", "b"}, [][2]int{{0, 1}, {4, 5}}}},
		{"Strip", `{"type":"Strip","strip_left":true,"strip_right":true}`,
			"  hello  ", want{[]string{"hello"}, [][2]int{{2, 7}}}},
		{"Bert cased keeps accents", `{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":false}`,
			"é\u200b", want{[]string{"é"}, [][2]int{{0, 1}}}},
		{"Bert uncased İ", `{"type":"BertNormalizer","lowercase":true}`,
			"İx", want{[]string{"[UNK]"}, [][2]int{{0, 2}}}}, // "ix" is not in the vocab
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, tiny(t, c.normalizer, ws, "", ""), c.text, c.want)
		})
	}
}

func TestBertProcessingAndTemplate(t *testing.T) {
	t.Parallel()
	bert := tiny(t, "", `{"type":"WhitespaceSplit"}`, `{"type":"BertProcessing","sep":["[SEP]",2],"cls":["[CLS]",1]}`, "")
	check(t, bert, "hello world", want{[]string{"[CLS]", "hello", "world", "[SEP]"}, [][2]int{{0, 0}, {0, 5}, {6, 11}, {0, 0}}})
	if got := bert.NumSpecialTokens(); got != 2 {
		t.Errorf("NumSpecialTokens = %d; want 2", got)
	}
	e := bert.Encode("hello", false)
	if !slices.Equal(e.Tokens, []string{"hello"}) {
		t.Errorf("Encode without special tokens = %q; want [hello]", e.Tokens)
	}

	tmpl := tiny(t, "", `{"type":"WhitespaceSplit"}`, `{"type":"TemplateProcessing",
		"single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":1}},{"SpecialToken":{"id":"[SEP]","type_id":2}}],
		"pair":[],"special_tokens":{"[CLS]":{"id":"[CLS]","ids":[1],"tokens":["[CLS]"]},"[SEP]":{"id":"[SEP]","ids":[2],"tokens":["[SEP]"]}}}`, "")
	e = tmpl.Encode("hello world", true)
	if !slices.Equal(e.TypeIDs, []int64{0, 1, 1, 2}) || !slices.Equal(e.SpecialTokensMask, []int64{1, 0, 0, 1}) {
		t.Errorf("template type ids %v special mask %v; want [0 1 1 2] [1 0 0 1]", e.TypeIDs, e.SpecialTokensMask)
	}
	if e = tmpl.Encode("hello", false); !slices.Equal(e.TypeIDs, []int64{1}) {
		t.Errorf("template without special tokens: type ids %v; want [1]", e.TypeIDs)
	}
}

func TestAddedTokens(t *testing.T) {
	t.Parallel()
	added := `[
		{"id":4,"content":"[MASK]","single_word":false,"lstrip":true,"rstrip":false,"normalized":false,"special":true},
		{"id":1,"content":"[CLS]","single_word":false,"lstrip":false,"rstrip":true,"normalized":false,"special":true},
		{"id":21,"content":"ab","single_word":true,"lstrip":false,"rstrip":false,"normalized":false,"special":false},
		{"id":23,"content":"THERE","single_word":false,"lstrip":false,"rstrip":false,"normalized":true,"special":false}]`
	tok := tiny(t, `{"type":"Lowercase"}`, `{"type":"WhitespaceSplit"}`, "", added)

	e := tok.Encode("hello [MASK]world", true)
	if !slices.Equal(e.IDs, []int64{5, 4, 6}) || !slices.Equal(e.Offsets, [][2]int{{0, 5}, {5, 12}, {12, 17}}) {
		t.Errorf("lstrip: ids %v offsets %v; want [5 4 6] [[0 5] [5 12] [12 17]]", e.IDs, e.Offsets)
	}
	e = tok.Encode("[CLS]  hello", true)
	if !slices.Equal(e.IDs, []int64{1, 5}) || !slices.Equal(e.Offsets, [][2]int{{0, 7}, {7, 12}}) {
		t.Errorf("rstrip: ids %v offsets %v; want [1 5] [[0 7] [7 12]]", e.IDs, e.Offsets)
	}
	// single_word: only the standalone "ab" is the added token; "abc" and
	// "xab" go through the model ("abc" is in the vocab, "xab" is not).
	e = tok.Encode("ab abc xab", true)
	if !slices.Equal(e.Tokens, []string{"ab", "abc", "[UNK]"}) || !slices.Equal(e.Offsets, [][2]int{{0, 2}, {3, 6}, {7, 10}}) {
		t.Errorf("single_word: tokens %q offsets %v", e.Tokens, e.Offsets)
	}
	// normalized added tokens match the normalized text: "THERE" and
	// "there" both become id 23; the raw [mask] does not match [MASK].
	e = tok.Encode("There [mask]", true)
	if !slices.Equal(e.IDs[:1], []int64{23}) || slices.Contains(e.IDs, 4) {
		t.Errorf("normalized added token: ids %v; want 23 first and no [MASK]", e.IDs)
	}
}

func TestSpecialTokensInTextMiniLM(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	// Added tokens are matched on the raw text before normalization, so a
	// literal "[SEP]" is the separator while "[sep]" is three tokens.
	e := tok.Encode("a [SEP] b [sep]", true)
	wantTok := []string{"[CLS]", "a", "[SEP]", "b", "[", "sep", "]", "[SEP]"}
	if !slices.Equal(e.Tokens, wantTok) {
		t.Errorf("tokens = %q; want %q", e.Tokens, wantTok)
	}
	if e.Offsets[2] != [2]int{2, 7} {
		t.Errorf("offsets of the literal [SEP] = %v; want [2 7]", e.Offsets[2])
	}
}

func TestTruncationAndPadding(t *testing.T) {
	t.Parallel()
	base := loadMiniLM(t)
	text := "Hello, world!" // [CLS] hello , world ! [SEP]

	e := base.WithTruncation(5).Encode(text, true)
	if !slices.Equal(e.Tokens, []string{"[CLS]", "hello", ",", "world", "[SEP]"}) || !e.Truncated {
		t.Errorf("truncate right: %q truncated=%v", e.Tokens, e.Truncated)
	}
	e = base.WithTruncationConfig(Truncation{MaxLength: 5, Direction: Left}).Encode(text, true)
	if !slices.Equal(e.Tokens, []string{"[CLS]", ",", "world", "!", "[SEP]"}) {
		t.Errorf("truncate left: %q", e.Tokens)
	}
	if e = base.WithTruncation(6).Encode(text, true); e.Truncated || e.Len() != 6 {
		t.Errorf("exact fit: len %d truncated=%v; want 6 false", e.Len(), e.Truncated)
	}
	if e = base.WithTruncation(1).Encode(text, true); !slices.Equal(e.Tokens, []string{"[CLS]", "[SEP]"}) {
		t.Errorf("max below special count: %q; want only [CLS] [SEP]", e.Tokens)
	}
	if e = base.WithTruncation(3).Encode(text, false); e.Len() != 3 {
		t.Errorf("without special tokens the whole length is for the text: len %d; want 3", e.Len())
	}

	batch := base.WithPadding(Padding{}).EncodeBatch([]string{"a", text, ""}, true)
	for i, e := range batch {
		if e.Len() != 6 {
			t.Errorf("pad longest: encoding %d has %d tokens; want 6", i, e.Len())
		}
	}
	if b0 := batch[0]; !slices.Equal(b0.AttentionMask, []int64{1, 1, 1, 0, 0, 0}) ||
		!slices.Equal(b0.IDs, []int64{101, 1037, 102, 0, 0, 0}) || b0.Tokens[5] != "[PAD]" || b0.Offsets[5] != [2]int{} {
		t.Errorf("pad longest: %v mask %v tokens %q", b0.IDs, b0.AttentionMask, b0.Tokens)
	}
	e = base.WithPadding(Padding{Strategy: PadFixed, Length: 5, Direction: Left}).Encode("a", true)
	if !slices.Equal(e.IDs, []int64{0, 0, 101, 1037, 102}) || !slices.Equal(e.AttentionMask, []int64{0, 0, 1, 1, 1}) {
		t.Errorf("pad fixed left: ids %v mask %v", e.IDs, e.AttentionMask)
	}
	if e = base.WithPadding(Padding{MultipleOf: 8}).Encode(text, true); e.Len() != 8 {
		t.Errorf("pad to multiple of 8: len %d", e.Len())
	}
	if e = base.WithPadding(Padding{Strategy: PadFixed, Length: 2}).Encode(text, true); e.Len() != 6 {
		t.Errorf("fixed padding shorter than the text must not cut: len %d", e.Len())
	}
	if e = base.WithPadding(Padding{PadToken: "[MASK]", PadTypeID: 1}).EncodeBatch([]string{"a", "a b"}, true)[0]; e.IDs[3] != 103 || e.TypeIDs[3] != 1 {
		t.Errorf("custom pad token: ids %v type ids %v; want 103 and type 1 last", e.IDs, e.TypeIDs)
	}
}

func TestFileTruncationAndPaddingHonoured(t *testing.T) {
	t.Parallel()
	tok, err := Load("testdata/minilm_tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := tok.Truncation()
	if !ok || tr.MaxLength != 128 {
		t.Errorf("Truncation() = %+v, %v; want 128 from the file", tr, ok)
	}
	p, ok := tok.Padding()
	if !ok || p.Strategy != PadFixed || p.Length != 128 || p.PadToken != "[PAD]" {
		t.Errorf("Padding() = %+v, %v; want Fixed 128 [PAD]", p, ok)
	}
	long := strings.Repeat("word ", 300)
	e := tok.Encode(long, true)
	if e.Len() != 128 || !e.Truncated || e.Tokens[127] != "[SEP]" {
		t.Errorf("long text: len %d truncated=%v last %q; want 128 true [SEP]", e.Len(), e.Truncated, e.Tokens[e.Len()-1])
	}
	if e = tok.Encode("short", true); e.Len() != 128 || e.AttentionMask[3] != 0 {
		t.Errorf("short text: len %d; want padded to 128", e.Len())
	}
	if tok.PadID() != 0 || tok.VocabSize() != 30522 {
		t.Errorf("PadID %d VocabSize %d; want 0 30522", tok.PadID(), tok.VocabSize())
	}
	if id, ok := tok.TokenID("hello"); !ok || id != 7592 {
		t.Errorf("TokenID(hello) = %d, %v; want 7592", id, ok)
	}
	if s, ok := tok.Token(101); !ok || s != "[CLS]" {
		t.Errorf("Token(101) = %q, %v; want [CLS]", s, ok)
	}
	if _, ok := tok.Token(1 << 40); ok {
		t.Error("Token(1<<40) found; want not found")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.json")
	if _, err := Load(missing); err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) = %v; want not-exist naming the path", err)
	}
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"model": {`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(broken); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), broken) {
		t.Errorf("Load(broken) = %v; want ErrInvalid naming the path", err)
	}
	cases := []struct {
		name string
		json string
		want error
		msg  string
	}{
		{"bpe", `{"model":{"type":"BPE","vocab":{},"merges":[]}}`, ErrUnsupported, `"BPE"`},
		{"no model", `{"model":null}`, ErrInvalid, "no model"},
		{"unk missing", `{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"a":0}}}`, ErrInvalid, `"[UNK]"`},
		{"bad id", `{"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":-1}}}`, ErrInvalid, "out of range"},
		{"normalizer", `{"normalizer":{"type":"Precompiled"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "Precompiled"},
		{"pre_tokenizer", `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "ByteLevel"},
		{"post", `{"post_processor":{"type":"RobertaProcessing"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "RobertaProcessing"},
		{"padding", `{"padding":{"strategy":"Sideways"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, "Sideways"},
		{"truncation", `{"truncation":{"max_length":4,"direction":"Up"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, "Up"},
		{"regex", `{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(?=a)"},"behavior":"Removed"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "(?=a)"},
		{"template", `{"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"X","type_id":0}}],"special_tokens":{}},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, `"X"`},
		{"empty added", `{"added_tokens":[{"id":1,"content":""}],"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, "empty"},
	}
	for _, c := range cases {
		_, err := FromJSON([]byte(c.json))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: FromJSON error = %v; want %v mentioning %s", c.name, err, c.want, c.msg)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	// Each bad byte is one character (decoded as U+FFFD and removed by
	// clean_text), so "abc" starts at character 2.
	e := tok.Encode("\xff\xfeabc", true)
	if !slices.Equal(e.Tokens, []string{"[CLS]", "abc", "[SEP]"}) || e.Offsets[1] != [2]int{2, 5} {
		t.Errorf("tokens %q offsets %v; want abc at [2 5]", e.Tokens, e.Offsets)
	}
}

// TestConcurrentEncode shares one Tokenizer between goroutines (run with
// -race) and checks every result against a sequential run.
func TestConcurrentEncode(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	rows := readGolden(t)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(rows); i += 2 {
				if e := tok.Encode(rows[i].Text, true); !slices.Equal(e.IDs, rows[i].IDs) {
					select {
					case errs <- fmt.Sprintf("row %d differs under concurrency", i):
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
