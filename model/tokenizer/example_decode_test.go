package tokenizer_test

import (
	"fmt"

	"github.com/masx-ai/masx/model/tokenizer"
)

func ExampleTokenizer_Decode() {
	tok, err := tokenizer.Load("testdata/minilm_tokenizer.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	ids := []int64{101, 7592, 1010, 2088, 999, 2123, 1005, 1056, 102}
	text, _ := tok.Decode(ids, false)
	fmt.Println(text)
	text, _ = tok.Decode(ids, true)
	fmt.Println(text)
	_, err = tok.Decode([]int64{7592, 999999}, true)
	fmt.Println(err)
	// Output:
	// [CLS] hello, world! don ' t [SEP]
	// hello, world! don ' t
	// unknown token id: id 999999 (position 1) is not in the vocabulary of 30522 tokens nor an added token
}

func ExampleTokenizer_NewStream() {
	tok, err := tokenizer.Load("testdata/decoders/bytelevel.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	// "ä¸Ń" is 中 in GPT-2's byte-level alphabet; "Ã¤" is ä. Token 26 is
	// "ä", a lone lead byte: the stream holds it back until the
	// sequence is complete, where Decode would print U+FFFD.
	s := tok.NewStream(true)
	for _, id := range []int64{23, 26, 0, 27} {
		piece, _ := s.Step(id)
		fmt.Printf("%q\n", piece)
	}
	rest, _ := s.Finish()
	fmt.Printf("finish %q\n", rest)
	// Output:
	// " hello"
	// ""
	// "�[UNK]"
	// "中"
	// finish ""
}

func ExampleTokenizer_EncodePair() {
	tok, err := tokenizer.Load("testdata/minilm_tokenizer.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Windows of 10 tokens over a question and a long passage: the passage
	// is cut (only_second), its windows overlap by 2 tokens.
	tok, err = tok.WithoutPadding().WithTruncationConfig(tokenizer.Truncation{MaxLength: 10, Strategy: tokenizer.OnlySecond, Stride: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := tok.EncodePair("who won?", "the home side won the final two to one", true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Tokens, e.TypeIDs)
	for _, w := range e.Overflowing {
		fmt.Println(w.Tokens)
	}
	// Output:
	// [[CLS] who won ? [SEP] the home side won [SEP]] [0 0 0 0 0 1 1 1 1 1]
	// [[CLS] who won ? [SEP] side won the final [SEP]]
	// [[CLS] who won ? [SEP] the final two to [SEP]]
	// [[CLS] who won ? [SEP] two to one [SEP]]
}
