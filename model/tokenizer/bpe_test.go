package tokenizer

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// bpeJSONFile builds a tokenizer.json with a BPE model (options as JSON
// members, e.g. `"byte_fallback":true`) and no other component.
func bpeJSONFile(vocab []string, merges any, options string) []byte {
	v := map[string]int{}
	for i, s := range vocab {
		v[s] = i
	}
	vj, _ := json.Marshal(v)
	mj, _ := json.Marshal(merges)
	if options != "" {
		options = "," + options
	}
	return fmt.Appendf(nil, `{"model":{"type":"BPE","vocab":%s,"merges":%s%s}}`, vj, mj, options)
}

func newBPETok(t *testing.T, vocab []string, merges any, options string) *Tokenizer {
	t.Helper()
	tok, err := FromJSON(bpeJSONFile(vocab, merges, options))
	require.NoError(t, err)
	return tok
}

func encodeTO(tok *Tokenizer, text string) ([]string, [][2]int) {
	e := tok.Encode(text, true)
	return e.Tokens, e.Offsets
}

func TestBPEMergeRanks(t *testing.T) {
	t.Parallel()
	vocab := []string{"a", "b", "c", "ab", "bc", "abc", "aa"}
	// The lowest rank merges first: "b c" before "a b" gives a + bc.
	for _, merges := range []any{
		[]string{"b c", "a b", "a bc"},
		[][2]string{{"b", "c"}, {"a", "b"}, {"a", "bc"}},
		[]string{"#version: 0.2", "b c", "a b", "a bc"},
	} {
		tok := newBPETok(t, vocab, merges, "")
		toks, offs := encodeTO(tok, "abc")
		require.Equal(t, []string{"abc"}, toks, "merges %v", merges)
		require.Equal(t, [][2]int{{0, 3}}, offs)
		toks, _ = encodeTO(tok, "abcab")
		require.Equal(t, []string{"abc", "ab"}, toks, "merges %v", merges)
	}
	// "a b" first gives ab + c, and no "ab c" merge: two tokens.
	tok := newBPETok(t, vocab, []string{"a b", "b c", "a bc"}, "")
	toks, offs := encodeTO(tok, "abc")
	require.Equal(t, []string{"ab", "c"}, toks)
	require.Equal(t, [][2]int{{0, 2}, {2, 3}}, offs)
	// Equal ranks resolve leftmost first: "aaa" is aa + a.
	tok = newBPETok(t, vocab, []string{"a a"}, "")
	toks, _ = encodeTO(tok, "aaa")
	require.Equal(t, []string{"aa", "a"}, toks)
}

func TestBPEByteFallbackAndUnk(t *testing.T) {
	t.Parallel()
	vocab := []string{"<unk>", "a", "b", "<0xE2>", "<0x82>", "<0xAC>"}
	tok := newBPETok(t, vocab, []string{}, `"byte_fallback":true,"unk_token":"<unk>"`)
	toks, offs := encodeTO(tok, "a€b")
	require.Equal(t, []string{"a", "<0xE2>", "<0x82>", "<0xAC>", "b"}, toks)
	require.Equal(t, [][2]int{{0, 1}, {1, 2}, {1, 2}, {1, 2}, {2, 3}}, offs, "each byte token spans its character")
	// "ж" has no byte tokens (0xD0 missing): the unknown token.
	toks, _ = encodeTO(tok, "aжb")
	require.Equal(t, []string{"a", "<unk>", "b"}, toks)

	fused := newBPETok(t, vocab, []string{}, `"unk_token":"<unk>","fuse_unk":true`)
	toks, offs = encodeTO(fused, "aжжb")
	require.Equal(t, []string{"a", "<unk>", "b"}, toks)
	require.Equal(t, [][2]int{{0, 1}, {1, 3}, {3, 4}}, offs)
	unfused := newBPETok(t, vocab, []string{}, `"unk_token":"<unk>"`)
	toks, _ = encodeTO(unfused, "aжжb")
	require.Equal(t, []string{"a", "<unk>", "<unk>", "b"}, toks)
	// No unknown token: unknown characters vanish, as in tokenizers.
	none := newBPETok(t, vocab, []string{}, "")
	toks, offs = encodeTO(none, "aжb")
	require.Equal(t, []string{"a", "b"}, toks)
	require.Equal(t, [][2]int{{0, 1}, {2, 3}}, offs)
}

func TestBPEPrefixSuffix(t *testing.T) {
	t.Parallel()
	// continuing_subword_prefix: every character but the first carries
	// "##"; a merge drops the right token's prefix ("a" + "##b" = "ab").
	vocab := []string{"a", "##b", "##c", "ab", "##bc", "abc"}
	tok := newBPETok(t, vocab, []string{"a ##b", "ab ##c"}, `"continuing_subword_prefix":"##"`)
	toks, _ := encodeTO(tok, "abc")
	require.Equal(t, []string{"abc"}, toks)
	toks, _ = encodeTO(tok, "acb")
	require.Equal(t, []string{"a", "##c", "##b"}, toks)
	// end_of_word_suffix: the last character carries "</w>".
	vocab = []string{"a", "b", "b</w>", "ab</w>", "ab"}
	tok = newBPETok(t, vocab, []string{"a b</w>", "a b"}, `"end_of_word_suffix":"</w>"`)
	toks, _ = encodeTO(tok, "ab")
	require.Equal(t, []string{"ab</w>"}, toks)
	toks, _ = encodeTO(tok, "abb")
	require.Equal(t, []string{"ab", "b</w>"}, toks)
}

func TestBPEIgnoreMerges(t *testing.T) {
	t.Parallel()
	// "abc" is in the vocab but no merge builds it.
	vocab := []string{"a", "b", "c", "ab", "abc"}
	merges := []string{"a b"}
	toks, _ := encodeTO(newBPETok(t, vocab, merges, ""), "abc")
	require.Equal(t, []string{"ab", "c"}, toks)
	toks, _ = encodeTO(newBPETok(t, vocab, merges, `"ignore_merges":true`), "abc")
	require.Equal(t, []string{"abc"}, toks)
}

func TestBPEBadFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		json []byte
		want error
		msg  string
	}{
		{"dropout", bpeJSONFile([]string{"a"}, []string{}, `"dropout":0.1`), ErrUnsupported, "dropout 0.1"},
		{"empty vocab", bpeJSONFile(nil, []string{}, ""), ErrInvalid, "empty vocab"},
		{"unk", bpeJSONFile([]string{"a"}, []string{}, `"unk_token":"<unk>"`), ErrInvalid, `"<unk>"`},
		{"merge token", bpeJSONFile([]string{"a", "ab"}, []string{"a b"}, ""), ErrInvalid, `token "b" is not in the vocab`},
		{"merged token", bpeJSONFile([]string{"a", "b"}, []string{"a b"}, ""), ErrInvalid, `merged token "ab"`},
		{"three parts", bpeJSONFile([]string{"a", "b"}, []string{"a b c"}, ""), ErrInvalid, "one space"},
		{"pair of three", bpeJSONFile([]string{"a", "b"}, [][]string{{"a", "b", "c"}}, ""), ErrInvalid, "more than two"},
		{"merges not a list", []byte(`{"model":{"type":"BPE","vocab":{"a":0},"merges":{"a":1}}}`), ErrInvalid, "want a JSON array"},
		{"vocab not ids", []byte(`{"model":{"type":"BPE","vocab":{"a":"x"},"merges":[]}}`), ErrInvalid, `id of token "a"`},
		{"unterminated", []byte(`{"model":{"type":"BPE","vocab":{"a":0},"merges":["a b]}}`), ErrInvalid, "does not end"},
		{"trailing", []byte(`{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}} x`), ErrInvalid, "after the object"},
		{"prefix", bpeJSONFile([]string{"a", "b", "ab"}, []string{"a b"}, `"continuing_subword_prefix":"##"`), ErrInvalid, "lacks the continuing_subword_prefix"},
	}
	for _, c := range cases {
		_, err := FromJSON(c.json)
		require.ErrorIs(t, err, c.want, "%s", c.name)
		require.ErrorContains(t, err, c.msg, "%s", c.name)
	}
}

// TestBPEEscapedTokens reads tokens written with JSON escapes, as real
// files write control characters and quotes.
func TestBPEEscapedTokens(t *testing.T) {
	t.Parallel()
	tok, err := FromJSON([]byte(`{"model":{"type":"BPE","vocab":{"\"":0,"\n":1,"\"\n":2,"\u00e9":3,"\ud83d\ude80":4},
		"merges":[["\"","\n"]]}}`))
	require.NoError(t, err)
	toks, _ := encodeTO(tok, "\"\né🚀")
	require.Equal(t, []string{"\"\n", "é", "🚀"}, toks)
}

// TestBPECacheConcurrent encodes the same words from many goroutines:
// cached and uncached results agree, and no goroutine outlives the test
// (the parallel merge resolution of Load included).
func TestBPECacheConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	tok, err := Load("testdata/mpnet_shape_tokenizer.json")
	require.NoError(t, err)
	vocab := []string{"a", "b", "c", "ab", "bc", "abc"}
	bt := newBPETok(t, vocab, []string{"b c", "a b", "a bc"}, "")
	texts := []string{"abc", "cab", "bca", "abcabc", "cc", "ba"}
	want := make([][]string, len(texts))
	for i, s := range texts {
		want[i], _ = encodeTO(bt, s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				for i, s := range texts {
					if got, _ := encodeTO(bt, s); fmt.Sprint(got) != fmt.Sprint(want[i]) {
						errs <- fmt.Errorf("Encode(%q) = %q, want %q", s, got, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NotNil(t, tok)
}

func TestLoadNotUTF8(t *testing.T) {
	t.Parallel()
	_, err := FromJSON([]byte("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\xff\":0},\"merges\":[]}}"))
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "not UTF-8")
}

// TestBPESharedIDs: two tokens with one id (files have them) are both
// found, whichever the id's reverse entry names.
func TestBPESharedIDs(t *testing.T) {
	t.Parallel()
	tok, err := FromJSON([]byte(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"ba":2},"merges":["a b","b a"]}}`))
	require.NoError(t, err)
	e := tok.Encode("abba", false)
	require.Equal(t, []int64{2, 2}, e.IDs)
	v := map[string]int64{"a": 0, "b": 1, "ab": 2, "ba": 2, "c": 3}
	voc, err := newVocab(v)
	require.NoError(t, err)
	st := newStrTable(v, voc.tokens)
	for k, id := range v {
		got, ok := st.get([]byte(k))
		require.True(t, ok, "%q", k)
		require.Equal(t, id, got, "%q", k)
	}
	_, ok := st.get([]byte("zz"))
	require.False(t, ok)
}
