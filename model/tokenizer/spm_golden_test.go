package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The SentencePiece families are built by scripts/gen-spm-tokenizers.py
// (spm_train on the repo's multilingual paragraphs, converted the way
// transformers' converters do) and their goldens come from the official
// tokenizers library; see that script for each step.

// TestGoldenXLMR: Unigram + Precompiled (nmt_nfkc) + Metaspace, <s> $A </s>.
func TestGoldenXLMR(t *testing.T) {
	t.Parallel()
	rows := readGoldenFile(t, "testdata/xlmr_golden.jsonl.gz")
	require.Len(t, rows, 2045)
	compareGolden(t, loadTestdata(t, "xlmr_tokenizer.json"), rows)
}

// TestGoldenMarian: Unigram without a charsmap, </s> appended.
func TestGoldenMarian(t *testing.T) {
	t.Parallel()
	rows := readGoldenFile(t, "testdata/marian_golden.jsonl.gz")
	require.Len(t, rows, 2045)
	compareGolden(t, loadTestdata(t, "marian_tokenizer.json"), rows)
}

// TestGoldenUnigramByteFallback: a model trained with --byte_fallback;
// characters outside the vocabulary become <0xNN> tokens.
func TestGoldenUnigramByteFallback(t *testing.T) {
	t.Parallel()
	rows := readGoldenFile(t, "testdata/unigram_bytefallback_golden.jsonl.gz")
	require.Len(t, rows, 2045)
	byteTokens := 0
	for _, r := range rows {
		for _, tok := range r.Tokens {
			if len(tok) == 6 && tok[:3] == "<0x" {
				byteTokens++
			}
		}
	}
	require.Positive(t, byteTokens, "the corpus should reach the byte fallback")
	compareGolden(t, loadTestdata(t, "unigram_bytefallback_tokenizer.json"), rows)
}

// TestGoldenNLLB: an spm_train BPE model converted as NllbConverter does
// (merges from the pieces), Precompiled + Metaspace, "fra_Latn $A </s>".
func TestGoldenNLLB(t *testing.T) {
	t.Parallel()
	rows := readGoldenFile(t, "testdata/nllb_golden.jsonl.gz")
	require.Len(t, rows, 2045)
	compareGolden(t, loadTestdata(t, "nllb_tokenizer.json"), rows)
}
