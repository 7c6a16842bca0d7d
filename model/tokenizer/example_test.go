package tokenizer_test

import (
	"fmt"

	"github.com/masx-ai/masx/model/tokenizer"
)

func Example() {
	tok, err := tokenizer.Load("testdata/minilm_tokenizer.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	// The MiniLM file truncates and pads to 128; turn both off to see the
	// tokens alone.
	tok = tok.WithTruncation(0).WithoutPadding()
	e := tok.Encode("Héllo, wörld! 北京", true)
	fmt.Println(e.Tokens)
	fmt.Println(e.IDs)
	fmt.Println(e.Offsets)
	// Output:
	// [[CLS] hello , world ! 北 京 [SEP]]
	// [101 7592 1010 2088 999 1781 1755 102]
	// [[0 0] [0 5] [5 6] [7 12] [12 13] [14 15] [15 16] [0 0]]
}

func ExampleTokenizer_EncodeBatch() {
	tok, err := tokenizer.Load("testdata/minilm_tokenizer.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	// For a model batch: cut at 8 tokens, pad to the longest text of the
	// batch rather than to the file's fixed 128.
	tok = tok.WithTruncation(8).WithPadding(tokenizer.Padding{Strategy: tokenizer.PadLongest})
	for _, e := range tok.EncodeBatch([]string{"Markets rallied.", "The central bank raised interest rates again on Tuesday."}, true) {
		fmt.Println(e.IDs, e.AttentionMask, e.Truncated)
	}
	// Output:
	// [101 6089 24356 1012 102 0 0 0] [1 1 1 1 1 0 0 0] false
	// [101 1996 2430 2924 2992 3037 6165 102] [1 1 1 1 1 1 1 1] true
}
