package tokenizer

import (
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// tinyByteLevelJSON is a byte-level BPE tokenizer small enough to build in
// a test: the 256 byte runes, a few merges, BART's pre-tokenizer and
// post-processor, and a <mask> added token with lstrip.
func tinyByteLevelJSON(t testing.TB) []byte {
	vocab := map[string]int{}
	for b := range 256 {
		vocab[string(byteRune[b])] = b
	}
	var merges [][2]string
	for _, m := range [][2]string{{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}, {"i", "n"}, {"Ġ", "a"}, {"Ã", "©"}} {
		merges = append(merges, m)
		vocab[m[0]+m[1]] = len(vocab)
	}
	for _, s := range []string{"<s>", "</s>", "<mask>"} {
		vocab[s] = len(vocab)
	}
	vj, err := json.Marshal(vocab)
	require.NoError(t, err)
	mj, err := json.Marshal(merges)
	require.NoError(t, err)
	const flags = `"single_word":false,"rstrip":false,"normalized":false,"special":true`
	return fmt.Appendf(nil, `{"added_tokens":[
		{"id":%d,"content":"<s>","lstrip":false,%s},{"id":%d,"content":"</s>","lstrip":false,%s},
		{"id":%d,"content":"<mask>","lstrip":true,%s}],
		"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true},
		"post_processor":{"type":"RobertaProcessing","sep":["</s>",%d],"cls":["<s>",%d],"trim_offsets":true,"add_prefix_space":true},
		"model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,"vocab":%s,"merges":%s}}`,
		vocab["<s>"], flags, vocab["</s>"], flags, vocab["<mask>"], flags, vocab["</s>"], vocab["<s>"], vj, mj)
}

// FuzzEncodeBPE checks that byte-level BPE encoding never panics, that
// its offsets stay within the text and never go backwards, and that every
// id is in the vocabulary; the seeds are the corpus texts. Explore with
// go test -fuzz FuzzEncodeBPE ./model/tokenizer/.
func FuzzEncodeBPE(f *testing.F) {
	tok, err := FromJSON(tinyByteLevelJSON(f))
	require.NoError(f, err)
	for _, s := range corpusTexts(f) {
		f.Add(s)
	}
	for _, s := range []string{"\xff\xfe", "a <mask> b", " the the", "é", "\x00", "'s 'S 'll", "  \n\n  x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := utf8.RuneCountInString(text)
		e := tok.Encode(text, true)
		require.GreaterOrEqual(t, e.Len(), 2, "Encode(%q): <s> and </s> missing", text)
		last := 0
		for i, o := range e.Offsets {
			_, ok := tok.Token(e.IDs[i])
			require.True(t, ok, "Encode(%q): id %d not in the vocabulary", text, e.IDs[i])
			if e.SpecialTokensMask[i] == 1 {
				continue
			}
			require.True(t, 0 <= o[0] && o[0] <= o[1] && o[1] <= n, "Encode(%q): token %d %q offsets %v outside [0, %d]", text, i, e.Tokens[i], o, n)
			require.GreaterOrEqual(t, o[1], last, "Encode(%q): token %d %q ends at %d before the previous one (%d)", text, i, e.Tokens[i], o[1], last)
			last = o[1]
		}
	})
}
