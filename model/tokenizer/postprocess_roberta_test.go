package tokenizer

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// refEncoding is what the official library (tokenizers 0.23.2 through
// scripts' node binding) returned for a text, copied here for files built
// in the test.
type refEncoding struct {
	text    string
	tokens  []string
	offsets [][2]int
	typeIDs []int64
}

func checkRef(t *testing.T, tok *Tokenizer, refs []refEncoding) {
	t.Helper()
	for _, r := range refs {
		e := tok.Encode(r.text, true)
		require.Equal(t, r.tokens, e.Tokens, "Encode(%q) tokens", r.text)
		require.Equal(t, r.offsets, e.Offsets, "Encode(%q) offsets", r.text)
		require.Equal(t, r.typeIDs, e.TypeIDs, "Encode(%q) type ids", r.text)
	}
}

// TestRobertaProcessingTrim covers RobertaProcessing's offset trimming on
// the tiny byte-level file: leading spaces leave the offsets, except the
// single one of the first token under add_prefix_space; an lstrip added
// token is trimmed too; tokens that are only spaces shrink to empty.
func TestRobertaProcessingTrim(t *testing.T) {
	t.Parallel()
	tok, err := FromJSON(tinyByteLevelJSON(t))
	require.NoError(t, err)
	checkRef(t, tok, []refEncoding{
		{"the theatre", []string{"<s>", "Ġthe", "Ġthe", "a", "t", "r", "e", "</s>"},
			[][2]int{{0, 0}, {0, 3}, {4, 7}, {7, 8}, {8, 9}, {9, 10}, {10, 11}, {0, 0}}, []int64{0, 0, 0, 0, 0, 0, 0, 0}},
		{"  the <mask>  in é", []string{"<s>", "Ġ", "Ġthe", " <mask>", "Ġ", "Ġ", "in", "Ġ", "Ã©", "</s>"},
			[][2]int{{0, 0}, {0, 0}, {2, 5}, {6, 12}, {13, 13}, {14, 14}, {14, 16}, {17, 17}, {17, 18}, {0, 0}}, make([]int64, 10)},
		{"x  ", []string{"<s>", "Ġ", "x", "Ġ", "Ġ", "</s>"},
			[][2]int{{0, 0}, {0, 0}, {0, 1}, {2, 2}, {3, 3}, {0, 0}}, make([]int64, 6)},
	})
}

// TestPostProcessorSequence covers a Sequence of the ByteLevel
// post-processor (trim_offsets without add_prefix_space) and a template,
// over the ByteLevel normalizer and a lookahead Split regex.
func TestPostProcessorSequence(t *testing.T) {
	t.Parallel()
	var f map[string]any
	require.NoError(t, json.Unmarshal(tinyByteLevelJSON(t), &f))
	s := f["model"].(map[string]any)["vocab"].(map[string]any)["<s>"]
	f["normalizer"] = map[string]any{"type": "ByteLevel"}
	f["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]string{"Regex": `\s+(?!\S)|\s+|\S+`}, "behavior": "Isolated", "invert": false}
	f["post_processor"] = map[string]any{"type": "Sequence", "processors": []any{
		map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		map[string]any{"type": "TemplateProcessing",
			"single":         []any{map[string]any{"SpecialToken": map[string]any{"id": "<s>", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 1}}},
			"special_tokens": map[string]any{"<s>": map[string]any{"id": "<s>", "ids": []any{s}, "tokens": []string{"<s>"}}}},
	}}
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	tok, err := FromJSON(raw)
	require.NoError(t, err)
	checkRef(t, tok, []refEncoding{
		{"the theatre", []string{"<s>", "t", "he", "Ġthe", "a", "t", "r", "e"},
			[][2]int{{0, 0}, {0, 1}, {1, 3}, {4, 7}, {7, 8}, {8, 9}, {9, 10}, {10, 11}}, []int64{0, 1, 1, 1, 1, 1, 1, 1}},
		{"  the  in é  ", []string{"<s>", "Ġ", "Ġthe", "Ġ", "Ġ", "in", "Ġ", "Ã©", "Ġ", "Ġ"},
			[][2]int{{0, 0}, {1, 1}, {2, 5}, {6, 6}, {7, 7}, {7, 9}, {10, 10}, {10, 11}, {12, 12}, {13, 13}}, []int64{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	})
}

func TestPostProcessorErrors(t *testing.T) {
	t.Parallel()
	wp := `"model":{"type":"WordPiece","unk_token":"a","vocab":{"a":0}}`
	cases := []struct {
		name, post string
		want       error
		msg        string
	}{
		{"two templates", `{"type":"Sequence","processors":[{"type":"BertProcessing","sep":["a",0],"cls":["a",0]},{"type":"RobertaProcessing"}]}`, ErrUnsupported, "more than one"},
		{"bad member", `{"type":"Sequence","processors":[{"type":"Nope"}]}`, ErrUnsupported, `post_processor 0 of Sequence`},
		{"roberta sep", `{"type":"RobertaProcessing","sep":[2,"</s>"]}`, ErrInvalid, "RobertaProcessing sep"},
		{"bytelevel options", `{"type":"ByteLevel","trim_offsets":"yes"}`, ErrInvalid, "ByteLevel post_processor"},
	}
	for _, c := range cases {
		_, err := FromJSON([]byte(`{"post_processor":` + c.post + `,` + wp + `}`))
		require.ErrorIs(t, err, c.want, c.name)
		require.ErrorContains(t, err, c.msg, c.name)
	}
}
