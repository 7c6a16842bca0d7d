package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// unigramFile is a tokenizer.json with only a Unigram model: the whole text
// is one word.
func unigramFile(t testing.TB, vocab [][2]any, unkID any, byteFallback bool) *Tokenizer {
	t.Helper()
	m := map[string]any{"type": "Unigram", "vocab": vocab, "unk_id": unkID, "byte_fallback": byteFallback}
	b, err := json.Marshal(map[string]any{"model": m})
	require.NoError(t, err)
	tok, err := FromJSON(b)
	require.NoError(t, err)
	return tok
}

// TestUnigramViterbi is tokenizers' own doc example: the best path, then a
// run of unknown characters fused into one unknown token whose value is the
// text it covers.
func TestUnigramViterbi(t *testing.T) {
	t.Parallel()
	tok := unigramFile(t, [][2]any{
		{"<unk>", 0.0}, {"a", 0.0}, {"b", 0.0}, {"c", 0.0}, {"d", 0.0},
		{"cd", 1.0}, {"ab", 2.0}, {"abc", 5.0}, {"abcd", 10.0},
	}, 0, false)
	e := tok.Encode("abcdacdxx", false)
	require.Equal(t, []string{"abcd", "a", "cd", "xx"}, e.Tokens)
	require.Equal(t, []int64{8, 1, 5, 0}, e.IDs)
	require.Equal(t, [][2]int{{0, 4}, {4, 5}, {5, 7}, {7, 9}}, e.Offsets)

	// Offsets are in characters, not bytes: "é" is two bytes, one rune.
	e = tok.Encode("éab", false)
	require.Equal(t, []string{"é", "ab"}, e.Tokens)
	require.Equal(t, [][2]int{{0, 1}, {1, 3}}, e.Offsets)
	require.Empty(t, tok.Encode("", false).IDs)
}

// TestUnigramTies: of equal-scoring paths the one found first wins, as in
// tokenizers (ends are updated only on a strictly better score).
func TestUnigramTies(t *testing.T) {
	t.Parallel()
	tok := unigramFile(t, [][2]any{{"<unk>", 0.0}, {"a", -1.0}, {"b", -1.0}, {"ab", -2.0}}, 0, false)
	require.Equal(t, []string{"ab"}, tok.Encode("ab", false).Tokens)
	tok = unigramFile(t, [][2]any{{"<unk>", 0.0}, {"a", -1.0}, {"b", -1.0}, {"ab", -2.5}}, 0, false)
	require.Equal(t, []string{"a", "b"}, tok.Encode("ab", false).Tokens)
}

// TestUnigramUnknownPenalty: an unknown character costs the lowest score
// minus 10, so a piece path cheaper than that is preferred to it.
func TestUnigramUnknownPenalty(t *testing.T) {
	t.Parallel()
	// "x" alone is unknown (no single-character piece): its edge costs the
	// lowest score (-5) minus 10 = -15. unk+"y" = -15+20 beats "xy" (-5);
	// with "y" at 5 it does not (-10).
	tok := unigramFile(t, [][2]any{{"<unk>", 0.0}, {"y", 20.0}, {"xy", -5.0}}, 0, false)
	e := tok.Encode("xy", false)
	require.Equal(t, []string{"x", "y"}, e.Tokens)
	require.Equal(t, []int64{0, 1}, e.IDs)
	tok = unigramFile(t, [][2]any{{"<unk>", 0.0}, {"y", 5.0}, {"xy", -5.0}}, 0, false)
	require.Equal(t, []string{"xy"}, tok.Encode("xy", false).Tokens)
}

// TestUnigramByteFallback: an unknown run becomes its <0xNN> tokens, each
// with the run's whole range, when every byte has a token; otherwise the
// unknown token.
func TestUnigramByteFallback(t *testing.T) {
	t.Parallel()
	vocab := [][2]any{{"<unk>", 0.0}, {"a", -1.0}}
	for _, b := range []byte("é") {
		vocab = append(vocab, [2]any{fmt.Sprintf("<0x%02X>", b), -5.0})
	}
	tok := unigramFile(t, vocab, 0, true)
	e := tok.Encode("aéa", false)
	require.Equal(t, []string{"a", "<0xC3>", "<0xA9>", "a"}, e.Tokens)
	require.Equal(t, []int64{1, 2, 3, 1}, e.IDs)
	require.Equal(t, [][2]int{{0, 1}, {1, 2}, {1, 2}, {2, 3}}, e.Offsets)
	// "ü" shares 0xC3 but 0xBC has no token: the unknown token.
	e = tok.Encode("aü", false)
	require.Equal(t, []string{"a", "ü"}, e.Tokens)
	require.Equal(t, []int64{1, 0}, e.IDs)
	// Without byte_fallback the same vocabulary gives the unknown token.
	tok = unigramFile(t, vocab, 0, false)
	require.Equal(t, []int64{1, 0, 1}, tok.Encode("aéa", false).IDs)
}

// TestUnigramLongWord: a 10,000-character word with an unknown rune every
// so often stays linear and exact in its offsets.
func TestUnigramLongWord(t *testing.T) {
	t.Parallel()
	tok := unigramFile(t, [][2]any{{"<unk>", 0.0}, {"a", -1.0}, {"aa", -1.5}, {"aaaa", -2.0}}, 0, false)
	text := strings.Repeat("aaaaaaaaa中", 1000)
	e := tok.Encode(text, false)
	end := 0
	for i, o := range e.Offsets {
		require.Equal(t, end, o[0], "token %d", i)
		end = o[1]
	}
	require.Equal(t, 10000, end)
}

func TestUnigramLoadErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		model string
		err   error
		msg   string
	}{
		"no unk_id":    {`{"type":"Unigram","vocab":[["a",0]]}`, ErrUnsupported, "unk_id"},
		"unk_id range": {`{"type":"Unigram","vocab":[["a",0]],"unk_id":1}`, ErrInvalid, "unk_id 1"},
		"negative unk": {`{"type":"Unigram","vocab":[["a",0]],"unk_id":-1}`, ErrInvalid, "unk_id -1"},
		"empty vocab":  {`{"type":"Unigram","vocab":[],"unk_id":0}`, ErrInvalid, "empty vocab"},
		"bad score":    {`{"type":"Unigram","vocab":[["a","x"]],"unk_id":0}`, ErrInvalid, `entry 0 ("a"): score`},
		"bad piece":    {`{"type":"Unigram","vocab":[[1,0]],"unk_id":0}`, ErrInvalid, "entry 0: piece string expected"},
		"not a list":   {`{"type":"Unigram","vocab":{"a":0},"unk_id":0}`, ErrInvalid, "Unigram vocab: want a JSON array"},
		"flat list":    {`{"type":"Unigram","vocab":["a"],"unk_id":0}`, ErrInvalid, "[piece, score] arrays"},
		"three items":  {`{"type":"Unigram","vocab":[["a",0,1]],"unk_id":0}`, ErrInvalid, `entry 0 ("a"): ']' expected`},
		"no vocab":     {`{"type":"Unigram","unk_id":0}`, ErrInvalid, "no vocab"},
		"bad utf8":     {"{\"type\":\"Unigram\",\"vocab\":[[\"\xff\",0]],\"unk_id\":0}", ErrInvalid, "UTF-8"},
		"unbalanced":   {`{"type":"Unigram","vocab":[["a",0],"unk_id":0}`, ErrInvalid, "unbalanced"},
		"huge piece":   {`{"type":"Unigram","vocab":[["` + strings.Repeat("a", 2000) + `",0]],"unk_id":0}`, ErrInvalid, "2000 bytes"},
	} {
		_, err := FromJSON([]byte(`{"model":` + tc.model + `}`))
		require.ErrorIs(t, err, tc.err, name)
		require.ErrorContains(t, err, tc.msg, name)
	}
}

// TestUnigramDuplicatePieces: a piece listed twice resolves to its last id,
// as tokenizers' token_to_ids map does, and the score of that id counts.
func TestUnigramDuplicatePieces(t *testing.T) {
	t.Parallel()
	// (Escaped pieces are decoded: "\u00e9" is é.)
	esc, err := FromJSON([]byte(`{"model":{"type":"Unigram","vocab":[["<unk>",0],["\u00e9",-1]],"unk_id":0}}`))
	require.NoError(t, err)
	require.Equal(t, []int64{1}, esc.Encode("é", false).IDs)
	tok := unigramFile(t, [][2]any{{"<unk>", 0.0}, {"ab", -1.0}, {"a", -1.0}, {"b", -1.0}, {"ab", -5.0}}, 0, false)
	u := tok.model.(*unigram)
	require.Equal(t, u.trie.value[u.trie.child(u.trie.child(0, 'a'), 'b')], int32(4), "the trie keeps the later duplicate")
	e := tok.Encode("ab", false)
	require.Equal(t, []string{"a", "b"}, e.Tokens)
	id, ok := tok.TokenID("ab")
	require.True(t, ok)
	require.Equal(t, int64(4), id)
}

// TestUnigramHugeWord: a 200,000-byte word is encoded exactly as its
// halves' pattern says, and its lattice is not kept in the pool.
func TestUnigramHugeWord(t *testing.T) {
	t.Parallel()
	tok := unigramFile(t, [][2]any{{"<unk>", 0.0}, {"ab", -1.0}, {"a", -2.0}, {"b", -2.0}}, 0, false)
	e := tok.Encode(strings.Repeat("ab", 100000), false)
	require.Len(t, e.IDs, 100000)
	require.Equal(t, [2]int{199998, 200000}, e.Offsets[len(e.Offsets)-1])
	sc := new(scratch)
	u := tok.model.(*unigram)
	u.tokenize(nil, []rune(strings.Repeat("ab", 100000)), sc)
	require.Zero(t, cap(sc.lat.score), "the huge lattice was kept")
	u.tokenize(nil, []rune("abab"), sc)
	require.NotZero(t, cap(sc.lat.score), "a small lattice is kept")
}

// TestUnigramCache: a word's second encoding comes from the cache and
// equals the first; words with an unknown token (whose value is their own
// text) and words of 256 bytes or more are not cached.
func TestUnigramCache(t *testing.T) {
	t.Parallel()
	tok := loadTestdata(t, "xlmr_tokenizer.json")
	u := tok.model.(*unigram)
	text := "Le marché ｶﾞ " + strings.Repeat("x", 300)
	first := tok.Encode(text, true)
	require.Contains(t, u.cache.m, "▁marché")
	require.NotContains(t, u.cache.m, "▁カ\u3099", "the word with the unknown voiced mark must not be cached")
	require.Len(t, u.cache.m, 2, "▁Le and ▁marché only: %v", u.cache.m)
	second := tok.Encode(text, true)
	require.Equal(t, first, second)
}
