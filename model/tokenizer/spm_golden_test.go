package tokenizer

import (
	"sync"
	"testing"
	"unicode/utf8"

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

// FuzzSentencePiece checks that the SentencePiece families never panic and
// give consistent encodings with offsets inside the text, whatever the
// input: Unigram with and without byte fallback, the nmt_nfkc charsmap and
// Metaspace, spm BPE. `go test` runs the seeds (the hostile corpus texts);
// explore with go test -fuzz FuzzSentencePiece ./model/tokenizer/.
func FuzzSentencePiece(f *testing.F) {
	var toks []*Tokenizer
	for _, name := range []string{"xlmr", "marian", "nllb", "unigram_bytefallback", "wordlevel_first"} {
		toks = append(toks, loadTestdata(f, name+"_tokenizer.json"))
	}
	for _, r := range readGoldenFile(f, "testdata/xlmr_golden.jsonl.gz") {
		if len(r.Text) < 200 {
			f.Add(r.Text)
		}
	}
	for _, s := range []string{"\xff\xfe", "e\u0301\u0302\u0303", "ｶﾞｷﾞ", "\r\n\r\n", "a\u200d\u200d", "㈱㈱ ﬁ", "<s><mask> x", "▁▁ ▁"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := utf8.RuneCountInString(text)
		for _, tok := range toks {
			e := tok.Encode(text, true)
			require.Len(t, e.Offsets, e.Len(), "Encode(%q)", text)
			require.Len(t, e.Tokens, e.Len(), "Encode(%q)", text)
			for i, o := range e.Offsets {
				require.True(t, 0 <= o[0] && o[0] <= o[1] && o[1] <= n, "Encode(%q): token %d %q has offsets %v outside [0, %d]", text, i, e.Tokens[i], o, n)
				_, ok := tok.Token(e.IDs[i])
				require.True(t, ok, "Encode(%q): token %d has id %d not in the vocabulary", text, i, e.IDs[i])
			}
		}
	})
}

// TestConcurrentSentencePiece: one tokenizer shared by goroutines (the
// pooled lattice and charsmap buffers) gives every goroutine the reference
// encodings; run under -race.
func TestConcurrentSentencePiece(t *testing.T) {
	t.Parallel()
	rows := readGoldenFile(t, "testdata/xlmr_golden.jsonl.gz")[:300]
	tok := loadTestdata(t, "xlmr_tokenizer.json")
	errs := make(chan string, 4)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range rows {
				r := rows[(i+g*75)%len(rows)]
				if d := goldenDiff(tok, r); d != "" {
					errs <- d
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	var bad []string
	for d := range errs {
		bad = append(bad, d)
	}
	require.Empty(t, bad, "goroutines that saw an encoding differ from the reference")
}
