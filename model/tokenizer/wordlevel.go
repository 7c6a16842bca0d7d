package tokenizer

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// wordLevel maps each pre-tokenized word to its id as a whole; a word not
// in the vocabulary becomes the unknown token.
type wordLevel struct {
	vocab
	unk   string
	unkID int64
}

func (w *wordLevel) tokenize(dst []token, word []rune, sc *scratch) []token {
	if len(word) == 0 {
		return dst
	}
	b := sc.word[:0]
	for _, r := range word {
		b = utf8.AppendRune(b, r)
	}
	sc.word = b
	if id, ok := w.ids[string(b)]; ok {
		return append(dst, token{id: id, value: w.tokens[id], lo: 0, hi: len(word)})
	}
	return append(dst, token{id: w.unkID, value: w.unk, lo: 0, hi: len(word)})
}

// parseWordLevel reads a "WordLevel" model section. tokenizers fails at
// encode time when a word is unknown and unk_token is not in the vocab;
// Encode cannot fail, so such a file is refused at load.
func parseWordLevel(raw json.RawMessage) (model, error) {
	c := struct {
		Unk string `json:"unk_token"`
	}{Unk: "<unk>"}
	if err := unmarshalSmall(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: WordLevel model: %v", ErrInvalid, err)
	}
	vocabRaw, err := modelVocab(raw, "WordLevel")
	if err != nil {
		return nil, err
	}
	// Read by hand (as BPE's), for load time on large vocabularies.
	m, err := jsonVocab(vocabRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: WordLevel vocab: %v", ErrInvalid, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: WordLevel model has an empty vocab", ErrInvalid)
	}
	v, err := newVocab(m)
	if err != nil {
		return nil, err
	}
	id, ok := v.ids[c.Unk]
	if !ok {
		return nil, fmt.Errorf("%w: WordLevel unk_token %q is not in the vocab", ErrInvalid, c.Unk)
	}
	return &wordLevel{vocab: v, unk: c.Unk, unkID: id}, nil
}
