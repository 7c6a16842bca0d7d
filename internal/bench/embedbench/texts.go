package embedbench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"github.com/masx-ai/masx/model/tokenizer"
)

// wordList collects whole-word vocabulary entries (lowercase letters only,
// not "##" pieces) that the tokenizer keeps as one token each, so a text of
// n words has exactly n tokens plus the special ones.
func wordList(tok *tokenizer.Tokenizer) ([]string, error) {
	tok = tok.WithoutPadding().WithTruncation(0)
	var words []string
	for id := range int64(tok.VocabSize()) {
		w, ok := tok.Token(id)
		if !ok || len(w) < 3 || len(w) > 10 {
			continue
		}
		letters := true
		for _, r := range w {
			if r > unicode.MaxASCII || !unicode.IsLower(r) {
				letters = false
				break
			}
		}
		if !letters {
			continue
		}
		if e := tok.Encode(w, false); len(e.IDs) != 1 || e.IDs[0] != id {
			continue
		}
		words = append(words, w)
		if len(words) == 5000 {
			break
		}
	}
	if len(words) < 100 {
		return nil, fmt.Errorf("the tokenizer has only %d plain words; want a WordPiece vocabulary like MiniLM's", len(words))
	}
	return words, nil
}

// makeText joins n random words: n tokens, plus [CLS] and [SEP].
func makeText(words []string, n int, rng *rand.Rand) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.String()
}
