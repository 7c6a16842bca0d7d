package tokenizer_test

import (
	"fmt"

	"github.com/masx-ai/masx/model/tokenizer"
)

// A SentencePiece-built tokenizer (the XLM-R shape: Unigram model,
// Precompiled nmt_nfkc normalizer, Metaspace). Offsets are characters of the
// original text, through the normalization: the ligature "ﬁ" becomes "fi"
// and both letters point back at it (the ▁ of "▁fi" is the space before).
// The same tokens, ids and offsets as the official tokenizers library.
func Example_sentencePiece() {
	tok, err := tokenizer.Load("testdata/xlmr_tokenizer.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	e := tok.Encode("Le ﬁlm sort", true)
	fmt.Println(e.Tokens)
	fmt.Println(e.IDs)
	fmt.Println(e.Offsets)
	// Output:
	// [<s> ▁Le ▁fi l m ▁ s ort </s>]
	// [0 175 715 32 27 4 7 1341 2]
	// [[0 0] [0 2] [2 4] [4 5] [5 6] [6 7] [7 8] [8 11] [0 0]]
}
