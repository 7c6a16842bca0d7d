package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
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
	require.NoError(t, err, "FromJSON")
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
	require.Equal(t, w.tokens, e.Tokens, "Encode(%q) tokens", text)
	if w.offsets != nil {
		require.Equal(t, w.offsets, e.Offsets, "Encode(%q) offsets", text)
	}
	for i, s := range e.Tokens {
		if id, ok := tok.TokenID(s); ok && !strings.HasPrefix(s, " ") {
			require.Equal(t, id, e.IDs[i], "Encode(%q) token %q: id against the vocabulary's", text, s)
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
	require.Equal(t, 2, bert.NumSpecialTokens(), "NumSpecialTokens")
	e := bert.Encode("hello", false)
	require.Equal(t, []string{"hello"}, e.Tokens, "Encode without special tokens")

	tmpl := tiny(t, "", `{"type":"WhitespaceSplit"}`, `{"type":"TemplateProcessing",
		"single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":1}},{"SpecialToken":{"id":"[SEP]","type_id":2}}],
		"pair":[],"special_tokens":{"[CLS]":{"id":"[CLS]","ids":[1],"tokens":["[CLS]"]},"[SEP]":{"id":"[SEP]","ids":[2],"tokens":["[SEP]"]}}}`, "")
	e = tmpl.Encode("hello world", true)
	require.Equal(t, []int64{0, 1, 1, 2}, e.TypeIDs, "template type ids")
	require.Equal(t, []int64{1, 0, 0, 1}, e.SpecialTokensMask, "template special tokens mask")
	e = tmpl.Encode("hello", false)
	require.Equal(t, []int64{1}, e.TypeIDs, "template without special tokens: type ids")
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
	require.Equal(t, []int64{5, 4, 6}, e.IDs, "lstrip: ids")
	require.Equal(t, [][2]int{{0, 5}, {5, 12}, {12, 17}}, e.Offsets, "lstrip: offsets")
	e = tok.Encode("[CLS]  hello", true)
	require.Equal(t, []int64{1, 5}, e.IDs, "rstrip: ids")
	require.Equal(t, [][2]int{{0, 7}, {7, 12}}, e.Offsets, "rstrip: offsets")
	// single_word: only the standalone "ab" is the added token; "abc" and
	// "xab" go through the model ("abc" is in the vocab, "xab" is not).
	e = tok.Encode("ab abc xab", true)
	require.Equal(t, []string{"ab", "abc", "[UNK]"}, e.Tokens, "single_word: tokens")
	require.Equal(t, [][2]int{{0, 2}, {3, 6}, {7, 10}}, e.Offsets, "single_word: offsets")
	// normalized added tokens match the normalized text: "THERE" and
	// "there" both become the added token; the raw [mask] does not match
	// [MASK]. The file says id 23, but "THERE" is not in the vocabulary, so
	// tokenizers gives it the next free id, 25 (checked with the reference).
	e = tok.Encode("There [mask]", true)
	require.Equal(t, []int64{25}, e.IDs[:1], "normalized added token: ids %v; want 25 first", e.IDs)
	require.NotContains(t, e.IDs, int64(4), "normalized added token: want no [MASK]")
}

func TestSpecialTokensInTextMiniLM(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	// Added tokens are matched on the raw text before normalization, so a
	// literal "[SEP]" is the separator while "[sep]" is three tokens.
	e := tok.Encode("a [SEP] b [sep]", true)
	require.Equal(t, []string{"[CLS]", "a", "[SEP]", "b", "[", "sep", "]", "[SEP]"}, e.Tokens, "tokens")
	require.Equal(t, [2]int{2, 7}, e.Offsets[2], "offsets of the literal [SEP]")
}

func TestTruncationAndPadding(t *testing.T) {
	t.Parallel()
	base := loadMiniLM(t)
	text := "Hello, world!" // [CLS] hello , world ! [SEP]

	e := base.WithTruncation(5).Encode(text, true)
	require.Equal(t, []string{"[CLS]", "hello", ",", "world", "[SEP]"}, e.Tokens, "truncate right")
	require.True(t, e.Truncated, "truncate right: Truncated")
	left, err := base.WithTruncationConfig(Truncation{MaxLength: 5, Direction: Left})
	require.NoError(t, err)
	e = left.Encode(text, true)
	require.Equal(t, []string{"[CLS]", ",", "world", "!", "[SEP]"}, e.Tokens, "truncate left")
	e = base.WithTruncation(6).Encode(text, true)
	require.False(t, e.Truncated, "exact fit: Truncated")
	require.Equal(t, 6, e.Len(), "exact fit: len")
	// Below the special tokens' count the reference's room wraps around:
	// tokenization stops after the first word and nothing more is cut
	// (TestTruncationShorterThanSpecials).
	e = base.WithTruncation(1).Encode(text, true)
	require.Equal(t, []string{"[CLS]", "hello", "[SEP]"}, e.Tokens, "max below special count")
	e = base.WithTruncation(3).Encode(text, false)
	require.Equal(t, 3, e.Len(), "without special tokens the whole length is for the text")

	batch := base.WithPadding(Padding{}).EncodeBatch([]string{"a", text, ""}, true)
	for i, e := range batch {
		require.Equal(t, 6, e.Len(), "pad longest: tokens of encoding %d", i)
	}
	b0 := batch[0]
	require.Equal(t, []int64{1, 1, 1, 0, 0, 0}, b0.AttentionMask, "pad longest: mask")
	require.Equal(t, []int64{101, 1037, 102, 0, 0, 0}, b0.IDs, "pad longest: ids")
	require.Equal(t, "[PAD]", b0.Tokens[5], "pad longest: tokens %q", b0.Tokens)
	require.Equal(t, [2]int{}, b0.Offsets[5], "pad longest: offsets of a pad token")
	e = base.WithPadding(Padding{Strategy: PadFixed, Length: 5, Direction: Left}).Encode("a", true)
	require.Equal(t, []int64{0, 0, 101, 1037, 102}, e.IDs, "pad fixed left: ids")
	require.Equal(t, []int64{0, 0, 1, 1, 1}, e.AttentionMask, "pad fixed left: mask")
	e = base.WithPadding(Padding{MultipleOf: 8}).Encode(text, true)
	require.Equal(t, 8, e.Len(), "pad to multiple of 8: len")
	e = base.WithPadding(Padding{Strategy: PadFixed, Length: 2}).Encode(text, true)
	require.Equal(t, 6, e.Len(), "fixed padding shorter than the text must not cut")
	e = base.WithPadding(Padding{PadToken: "[MASK]", PadTypeID: 1}).EncodeBatch([]string{"a", "a b"}, true)[0]
	require.Equal(t, int64(103), e.IDs[3], "custom pad token: ids %v; want 103 last", e.IDs)
	require.Equal(t, int64(1), e.TypeIDs[3], "custom pad token: type ids %v; want type 1 last", e.TypeIDs)
}

func TestFileTruncationAndPaddingHonoured(t *testing.T) {
	t.Parallel()
	tok, err := Load("testdata/minilm_tokenizer.json")
	require.NoError(t, err)
	tr, ok := tok.Truncation()
	require.True(t, ok, "Truncation() set from the file")
	require.Equal(t, 128, tr.MaxLength, "Truncation() = %+v; want 128 from the file", tr)
	p, ok := tok.Padding()
	require.True(t, ok, "Padding() set from the file")
	require.Equal(t, PadFixed, p.Strategy, "Padding() = %+v; want Fixed 128 [PAD]", p)
	require.Equal(t, 128, p.Length, "Padding() = %+v; want Fixed 128 [PAD]", p)
	require.Equal(t, "[PAD]", p.PadToken, "Padding() = %+v; want Fixed 128 [PAD]", p)
	long := strings.Repeat("word ", 300)
	e := tok.Encode(long, true)
	require.Equal(t, 128, e.Len(), "long text: len")
	require.True(t, e.Truncated, "long text: Truncated")
	require.Equal(t, "[SEP]", e.Tokens[127], "long text: last token")
	e = tok.Encode("short", true)
	require.Equal(t, 128, e.Len(), "short text: want padded to 128")
	require.Equal(t, int64(0), e.AttentionMask[3], "short text: want padded to 128")
	require.Equal(t, int64(0), tok.PadID(), "PadID")
	require.Equal(t, 30522, tok.VocabSize(), "VocabSize")
	id, ok := tok.TokenID("hello")
	require.True(t, ok, "TokenID(hello) found")
	require.Equal(t, int64(7592), id, "TokenID(hello)")
	s, ok := tok.Token(101)
	require.True(t, ok, "Token(101) found")
	require.Equal(t, "[CLS]", s, "Token(101)")
	_, ok = tok.Token(1 << 40)
	require.False(t, ok, "Token(1<<40) found; want not found")
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.json")
	_, err := Load(missing)
	require.ErrorIs(t, err, os.ErrNotExist, "Load(missing)")
	require.ErrorContains(t, err, missing, "Load(missing) names the path")
	broken := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(broken, []byte(`{"model": {`), 0o644))
	_, err = Load(broken)
	require.ErrorIs(t, err, ErrInvalid, "Load(broken)")
	require.ErrorContains(t, err, broken, "Load(broken) names the path")
	cases := []struct {
		name string
		json string
		want error
		msg  string
	}{
		{"bpe dropout", `{"model":{"type":"BPE","vocab":{"a":0},"merges":[],"dropout":0.1}}`, ErrUnsupported, "dropout 0.1"},
		{"no model", `{"model":null}`, ErrInvalid, "no model"},
		{"unk missing", `{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"a":0}}}`, ErrInvalid, `"[UNK]"`},
		{"bad id", `{"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":-1}}}`, ErrInvalid, "out of range"},
		{"normalizer", `{"normalizer":{"type":"Nmt"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "Nmt"},
		{"pre_tokenizer", `{"pre_tokenizer":{"type":"NoSuchSplitter"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "NoSuchSplitter"},
		{"post", `{"post_processor":{"type":"NoSuchProcessing"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "NoSuchProcessing"},
		{"padding", `{"padding":{"strategy":"Sideways"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, "Sideways"},
		{"truncation", `{"truncation":{"max_length":4,"direction":"Up"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, "Up"},
		{"regex", `{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"a(?=b"},"behavior":"Removed"},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrUnsupported, "a(?=b"},
		{"template", `{"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"X","type_id":0}}],"special_tokens":{}},"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, `"X"`},
		{"empty added", `{"added_tokens":[{"id":1,"content":""}],"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}}`, ErrInvalid, "empty"},
	}
	for _, c := range cases {
		_, err := FromJSON([]byte(c.json))
		require.ErrorIs(t, err, c.want, "%s: FromJSON error", c.name)
		require.ErrorContains(t, err, c.msg, "%s: FromJSON error", c.name)
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	// Each bad byte is one character (decoded as U+FFFD and removed by
	// clean_text), so "abc" starts at character 2.
	e := tok.Encode("\xff\xfeabc", true)
	require.Equal(t, []string{"[CLS]", "abc", "[SEP]"}, e.Tokens, "tokens")
	require.Equal(t, [2]int{2, 5}, e.Offsets[1], "offsets: want abc at [2 5]")
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
		require.Fail(t, e)
	}
}
