package tokenizer

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadAddedMiniLM is the MiniLM tokenizer with testdata/added_tokens.json
// as its added tokens, spliced as scripts/tokenizer-goldens.mjs added does.
func loadAddedMiniLM(t testing.TB) *Tokenizer {
	t.Helper()
	data, err := os.ReadFile("testdata/minilm_tokenizer.json")
	require.NoError(t, err)
	added, err := os.ReadFile("testdata/added_tokens.json")
	require.NoError(t, err)
	var f map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &f))
	f["added_tokens"] = added
	f["truncation"], f["padding"] = json.RawMessage("null"), json.RawMessage("null")
	data, err = json.Marshal(f)
	require.NoError(t, err)
	tok, err := FromJSON(data)
	require.NoError(t, err)
	return tok
}

// TestAddedTokensGolden holds the added-token rules to the reference on
// tokens that combine special, normalized, lstrip, rstrip and single_word
// (overlapping contents, contents with spaces, normalized CJK and accents,
// a content already in the vocabulary, ids the file gets wrong), over texts
// written for them, 300 corpus texts and 60 pairs: ids, tokens, offsets,
// masks and decoding.
func TestAddedTokensGolden(t *testing.T) {
	t.Parallel()
	compareGolden(t, loadAddedMiniLM(t), readGoldenFile(t, "testdata/minilm_added_tokens.jsonl.gz"))
}
