package tokenizer

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownID marks a token id that is neither an added token nor in the
// model's vocabulary. Hugging Face tokenizers drops such ids silently; a
// generation loop that produces one has a bug worth seeing, so Decode
// reports it.
var ErrUnknownID = errors.New("unknown token id")

// Decode turns ids back into text as tokenizers' Tokenizer::decode does:
// each id becomes its token (added tokens first, then the model's
// vocabulary), special added tokens are dropped when skipSpecialTokens is
// set, and the decoder of tokenizer.json turns the tokens into text; a
// tokenizer without a decoder joins the tokens with spaces. An id with no
// token gives an error wrapping ErrUnknownID that names it.
func (t *Tokenizer) Decode(ids []int64, skipSpecialTokens bool) (string, error) {
	tokens, err := t.decodeTokens(make([]string, 0, len(ids)), ids, skipSpecialTokens)
	if err != nil {
		return "", err
	}
	return t.joinTokens(tokens), nil
}

// DecodeBatch decodes each sequence of ids.
func (t *Tokenizer) DecodeBatch(seqs [][]int64, skipSpecialTokens bool) ([]string, error) {
	out := make([]string, len(seqs))
	for i, ids := range seqs {
		s, err := t.Decode(ids, skipSpecialTokens)
		if err != nil {
			return nil, fmt.Errorf("sequence %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// decodeTokens appends the token strings of ids to dst.
func (t *Tokenizer) decodeTokens(dst []string, ids []int64, skipSpecial bool) ([]string, error) {
	for i, id := range ids {
		tok, ok := t.Token(id)
		if !ok {
			return nil, fmt.Errorf("%w: id %d (position %d) is not in the vocabulary of %d tokens nor an added token",
				ErrUnknownID, id, i, t.VocabSize())
		}
		if skipSpecial && t.isSpecial(tok) {
			continue
		}
		dst = append(dst, tok)
	}
	return dst, nil
}

// isSpecial reports that tok is the content of a special added token, the
// test tokenizers applies (by content, so a vocabulary token spelled like
// a special token is skipped as well).
func (t *Tokenizer) isSpecial(tok string) bool {
	a, ok := t.added.byContent[tok]
	return ok && a.special
}

func (t *Tokenizer) joinTokens(tokens []string) string {
	if t.decoder == nil {
		return strings.Join(tokens, " ")
	}
	return decodeTokens(t.decoder, tokens)
}
