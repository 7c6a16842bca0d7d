package tokenizer

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGoldenWordLevelMetaspace: WordLevel over ▁-words with the three
// Metaspace configurations of scripts/gen-spm-tokenizers.py, each against
// the reference on the whole corpus.
func TestGoldenWordLevelMetaspace(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"wordlevel_first", "wordlevel_legacy", "wordlevel_nosplit"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rows := readGoldenFile(t, "testdata/"+name+"_golden.jsonl.gz")
			require.Len(t, rows, 2045)
			compareGolden(t, loadTestdata(t, name+"_tokenizer.json"), rows)
		})
	}
}

// loadTestdata loads a tokenizer.json of testdata.
func loadTestdata(t testing.TB, name string) *Tokenizer {
	t.Helper()
	tok, err := Load("testdata/" + name)
	require.NoError(t, err)
	return tok
}

func metaspaceWords(t *testing.T, cfg string, text string, base int32) []string {
	t.Helper()
	p, err := parsePreTokenizer(json.RawMessage(cfg))
	require.NoError(t, err)
	var out []string
	for _, w := range p.preTokenize(nil, newNormalized([]rune(text), base)) {
		out = append(out, string(w.runes))
	}
	return out
}

func TestMetaspaceSchemes(t *testing.T) {
	t.Parallel()
	always := `{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}`
	first := `{"type":"Metaspace","replacement":"▁","prepend_scheme":"first"}`
	never := `{"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":true}`
	nosplit := `{"type":"Metaspace","replacement":"_","prepend_scheme":"always","split":false}`
	require.Equal(t, []string{"▁Hello", "▁world"}, metaspaceWords(t, always, "Hello world", 0))
	require.Equal(t, []string{"▁Hello", "▁", "▁world"}, metaspaceWords(t, always, "Hello  world", 0))
	require.Equal(t, []string{"▁Hello"}, metaspaceWords(t, always, " Hello", 0), "no second ▁ before a leading space")
	require.Equal(t, []string{"▁glued"}, metaspaceWords(t, always, "glued", 7))
	require.Equal(t, []string{"▁glued"}, metaspaceWords(t, first, "glued", 0))
	require.Equal(t, []string{"glued"}, metaspaceWords(t, first, "glued", 7), "not at the start of the text")
	require.Equal(t, []string{"Hello", "▁world"}, metaspaceWords(t, never, "Hello world", 0))
	require.Equal(t, []string{"_a_b_"}, metaspaceWords(t, nosplit, "a b ", 0))
	require.Empty(t, metaspaceWords(t, always, "", 0))
}

func TestMetaspaceLoad(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[string]metaspacePreTokenizer{
		`{"type":"Metaspace","replacement":"▁","add_prefix_space":true}`:                              {'▁', prependAlways, true},
		`{"type":"Metaspace","replacement":"▁","add_prefix_space":true,"prepend_scheme":"never"}`:     {'▁', prependNever, true},
		`{"type":"Metaspace","replacement":"▁","add_prefix_space":false,"prepend_scheme":"never"}`:    {'▁', prependNever, true},
		`{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":false}`:               {'▁', prependFirst, false},
		`{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","str_rep":"▁","split":true}`: {'▁', prependAlways, true},
	} {
		p, err := parsePreTokenizer(json.RawMessage(cfg))
		require.NoError(t, err, cfg)
		require.Equal(t, want, p, cfg)
	}
	for cfg, msg := range map[string]string{
		`{"type":"Metaspace","replacement":"▁","add_prefix_space":false}`:                          "add_prefix_space false does not match prepend_scheme always",
		`{"type":"Metaspace","replacement":"▁","add_prefix_space":false,"prepend_scheme":"first"}`: "prepend_scheme first",
		`{"type":"Metaspace","replacement":"▁","prepend_scheme":"sometimes"}`:                      `prepend_scheme "sometimes"`,
		`{"type":"Metaspace","replacement":"ab"}`:                                                  `replacement "ab", want exactly one character`,
		`{"type":"Metaspace"}`: "replacement none",
		`{"type":"Metaspace","replacement":"▁","split":"yes"}`: "Metaspace pre_tokenizer",
	} {
		_, err := parsePreTokenizer(json.RawMessage(cfg))
		require.ErrorIs(t, err, ErrInvalid, cfg)
		require.ErrorContains(t, err, msg, cfg)
	}
}

func TestWordLevel(t *testing.T) {
	t.Parallel()
	tok, err := FromJSON([]byte(`{"model":{"type":"WordLevel","vocab":{"<unk>":0,"héllo":1,"world":2},"unk_token":"<unk>"},
		"pre_tokenizer":{"type":"WhitespaceSplit"}}`))
	require.NoError(t, err)
	e := tok.Encode("héllo  wörld world", false)
	require.Equal(t, []int64{1, 0, 2}, e.IDs)
	require.Equal(t, []string{"héllo", "<unk>", "world"}, e.Tokens)
	require.Equal(t, [][2]int{{0, 5}, {7, 12}, {13, 18}}, e.Offsets)
	for model, msg := range map[string]string{
		`{"type":"WordLevel","vocab":{"a":0},"unk_token":"<unk>"}`: `unk_token "<unk>" is not in the vocab`,
		`{"type":"WordLevel","vocab":{"a":0}}`:                     `unk_token "<unk>"`,
		`{"type":"WordLevel","vocab":{}}`:                          "empty vocab",
		`{"type":"WordLevel","vocab":{"<unk>":-1}}`:                "out of range",
		`{"type":"WordLevel","vocab":["a"]}`:                       "WordLevel vocab: want a JSON object",
		`{"type":"WordLevel","vocab":{"a":"x"}}`:                   `id of token "a"`,
		`{"type":"WordLevel","unk_token":"a"}`:                     "no vocab",
	} {
		_, err := FromJSON([]byte(`{"model":` + model + `}`))
		require.ErrorIs(t, err, ErrInvalid, model)
		require.ErrorContains(t, err, msg, model)
	}
}
