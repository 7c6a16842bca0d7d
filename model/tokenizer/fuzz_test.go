package tokenizer

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzEncode checks that Encode never panics and always returns a
// consistent encoding, on the MiniLM pipeline and on one that exercises the
// other components (NFKC, Replace, Strip, Whitespace, Digits, added tokens
// with lstrip/rstrip/single_word). `go test` runs the seeds; explore with
// go test -fuzz FuzzEncode ./model/tokenizer/.
func FuzzEncode(f *testing.F) {
	minilm := loadMiniLM(f).WithTruncation(64)
	added := `[
		{"id":4,"content":"[MASK]","single_word":false,"lstrip":true,"rstrip":true,"normalized":false,"special":true},
		{"id":21,"content":"ab","single_word":true,"lstrip":false,"rstrip":false,"normalized":true,"special":false}]`
	other, err := FromJSON(tinyJSON(
		`{"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Replace","pattern":{"Regex":"\\d"},"content":"1 "},{"type":"Strip","strip_left":true,"strip_right":true},{"type":"NFD"},{"type":"StripAccents"},{"type":"Lowercase"},{"type":"NFC"}]}`,
		`{"type":"Sequence","pretokenizers":[{"type":"Whitespace"},{"type":"Digits","individual_digits":true},{"type":"Punctuation","behavior":"MergedWithNext"}]}`,
		`{"type":"BertProcessing","sep":["[SEP]",2],"cls":["[CLS]",1]}`, added))
	require.NoError(f, err)
	for _, r := range readGolden(f) {
		f.Add(r.Text)
	}
	for _, s := range []string{"\xff\xfe", "[MASK][MASK]  [MASK]", " ab ab", "e\u0301\u0316\u0327", "İİ\u0130",
		"\u00a0\u3000\u2028", "ﬁ①⁵", "\x00\ufffd\u200b", "a\u0345\u0301", "한국어 \u1100\u1161", string(rune(0x2B920))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := utf8.RuneCountInString(text)
		for _, tok := range []*Tokenizer{minilm, other} {
			e := tok.Encode(text, true)
			l := e.Len()
			require.Len(t, e.Tokens, l, "Encode(%q): slice lengths differ: Tokens", text)
			require.Len(t, e.Offsets, l, "Encode(%q): slice lengths differ: Offsets", text)
			require.Len(t, e.TypeIDs, l, "Encode(%q): slice lengths differ: TypeIDs", text)
			require.Len(t, e.AttentionMask, l, "Encode(%q): slice lengths differ: AttentionMask", text)
			require.Len(t, e.SpecialTokensMask, l, "Encode(%q): slice lengths differ: SpecialTokensMask", text)
			require.GreaterOrEqual(t, l, 2, "Encode(%q): special tokens missing: %q", text, e.Tokens)
			require.True(t, e.SpecialTokensMask[0] == 1 && e.SpecialTokensMask[l-1] == 1, "Encode(%q): special tokens missing: %q", text, e.Tokens)
			if tr, ok := tok.Truncation(); ok {
				require.LessOrEqual(t, l, tr.MaxLength, "Encode(%q): tokens over the truncation length", text)
			}
			for i, o := range e.Offsets {
				require.True(t, 0 <= o[0] && o[0] <= o[1] && o[1] <= n, "Encode(%q): token %d %q has offsets %v outside [0, %d]", text, i, e.Tokens[i], o, n)
				_, ok := tok.Token(e.IDs[i])
				require.True(t, ok, "Encode(%q): token %d has id %d not in the vocabulary", text, i, e.IDs[i])
			}
		}
	})
}
