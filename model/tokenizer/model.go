package tokenizer

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// model turns one pre-tokenized word into vocabulary tokens. It is the seam
// where the tokenizers.json model kinds plug in: WordPiece (BERT family)
// today; BPE (BART, GPT-2, RoBERTa) and Unigram (NLLB, Marian, T5, XLM-R)
// implement the same four methods. Implementations are immutable and safe
// for concurrent use; per-call buffers come in scratch.
type model interface {
	// tokenize appends the tokens of word to dst. Token offsets are rune
	// offsets into word. It must not fail: unknown input maps to the
	// model's unknown token.
	tokenize(dst []token, word []rune, sc *scratch) []token
	tokenID(s string) (int64, bool)
	tokenOf(id int64) (string, bool)
	vocabSize() int
}

// token is a model output before offsets are mapped to the original text.
type token struct {
	id     int64
	value  string
	lo, hi int
}

// scratch holds per-call buffers so the hot path does not allocate.
type scratch struct {
	word []byte // UTF-8 of the current word
	pos  []int  // byte offset of each rune boundary in word
	key  []byte // lookup key (prefix + substring)

	pieces  []piece
	words   []normalized
	mtoks   []token
	splits  []split
	nsplits []split
	starts  []int // where each word's tokens start in pieces

	bpe bpeScratch
	lat lattice // Unigram's Viterbi buffers (unigram.go)
}

// maxVocabID bounds token ids read from a file, so a hostile file cannot
// make the id table huge.
const maxVocabID = 1 << 24

// vocab maps tokens to ids and back.
type vocab struct {
	ids    map[string]int64
	tokens []string // index = id; "" where no token has that id
}

func newVocab(m map[string]int64) (vocab, error) {
	var maxID int64 = -1
	for tok, id := range m {
		if id < 0 || id >= maxVocabID {
			return vocab{}, fmt.Errorf("%w: vocab id %d of token %q out of range [0, %d)", ErrInvalid, id, tok, maxVocabID)
		}
		maxID = max(maxID, id)
	}
	v := vocab{ids: m, tokens: make([]string, maxID+1)}
	for tok, id := range m {
		v.tokens[id] = tok
	}
	return v, nil
}

func (v *vocab) tokenID(s string) (int64, bool) {
	id, ok := v.ids[s]
	return id, ok
}

func (v *vocab) tokenOf(id int64) (string, bool) {
	if id < 0 || id >= int64(len(v.tokens)) || v.tokens[id] == "" {
		return "", false
	}
	return v.tokens[id], true
}

func (v *vocab) vocabSize() int { return len(v.ids) }

// wordPiece is the greedy longest-match-first WordPiece of BERT: a word is
// cut into the longest vocabulary prefix, then the longest "##"-prefixed
// continuation, and so on; a word with any uncovered part, or longer than
// maxChars runes, becomes the single unknown token.
type wordPiece struct {
	vocab
	maxKey   int // longest vocabulary entry in bytes: longer candidates cannot match
	unk      string
	unkID    int64
	prefix   string
	maxChars int
}

func (w *wordPiece) tokenize(dst []token, word []rune, sc *scratch) []token {
	n := len(word)
	if n == 0 {
		return dst
	}
	if n > w.maxChars {
		return append(dst, token{id: w.unkID, value: w.unk, lo: 0, hi: n})
	}
	sc.word = sc.word[:0]
	sc.pos = sc.pos[:0]
	for _, r := range word {
		sc.pos = append(sc.pos, len(sc.word))
		sc.word = utf8.AppendRune(sc.word, r)
	}
	sc.pos = append(sc.pos, len(sc.word))
	mark := len(dst)
	for start := 0; start < n; {
		// Start from the longest candidate that could be in the vocabulary;
		// the reference tries longer ones too, but they never match.
		room := w.maxKey
		if start > 0 {
			room -= len(w.prefix)
		}
		end := n
		for end > start && sc.pos[end]-sc.pos[start] > room {
			end--
		}
		found := false
		for ; start < end; end-- {
			sc.key = sc.key[:0]
			if start > 0 {
				sc.key = append(sc.key, w.prefix...)
			}
			sc.key = append(sc.key, sc.word[sc.pos[start]:sc.pos[end]]...)
			if id, ok := w.ids[string(sc.key)]; ok {
				dst = append(dst, token{id: id, value: w.tokens[id], lo: start, hi: end})
				found = true
				break
			}
		}
		if !found {
			return append(dst[:mark], token{id: w.unkID, value: w.unk, lo: 0, hi: n})
		}
		start = end
	}
	return dst
}

// parseModel reads the "model" section of tokenizer.json.
func parseModel(raw json.RawMessage) (model, error) {
	if isNull(raw) {
		return nil, fmt.Errorf("%w: tokenizer.json has no model section", ErrInvalid)
	}
	var head struct {
		Type string `json:"type"`
		// Old files have no type; WordPiece is recognised by its fields.
		Prefix   *string `json:"continuing_subword_prefix"`
		MaxChars *int    `json:"max_input_chars_per_word"`
	}
	if err := unmarshalSmall(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: model: %v", ErrInvalid, err)
	}
	typ := head.Type
	if typ == "" && head.MaxChars != nil {
		typ = "WordPiece"
	}
	switch typ {
	case "WordPiece":
		c := struct {
			Vocab    map[string]int64 `json:"vocab"`
			Unk      string           `json:"unk_token"`
			Prefix   *string          `json:"continuing_subword_prefix"`
			MaxChars *int             `json:"max_input_chars_per_word"`
		}{Unk: "[UNK]"}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: WordPiece model: %v", ErrInvalid, err)
		}
		if len(c.Vocab) == 0 {
			return nil, fmt.Errorf("%w: WordPiece model has an empty vocab", ErrInvalid)
		}
		v, err := newVocab(c.Vocab)
		if err != nil {
			return nil, err
		}
		w := &wordPiece{vocab: v, unk: c.Unk, prefix: "##", maxChars: 100}
		for tok := range c.Vocab {
			w.maxKey = max(w.maxKey, len(tok))
		}
		if c.Prefix != nil {
			w.prefix = *c.Prefix
		}
		if c.MaxChars != nil {
			if *c.MaxChars < 1 {
				return nil, fmt.Errorf("%w: WordPiece max_input_chars_per_word %d, want >= 1", ErrInvalid, *c.MaxChars)
			}
			w.maxChars = *c.MaxChars
		}
		id, ok := v.ids[c.Unk]
		if !ok {
			return nil, fmt.Errorf("%w: WordPiece unk_token %q is not in the vocab", ErrInvalid, c.Unk)
		}
		w.unkID = id
		return w, nil
	case "Unigram":
		return parseUnigram(raw)
	case "WordLevel":
		return parseWordLevel(raw)
	case "BPE":
		return parseBPE(raw)
	}
	return nil, fmt.Errorf("%w: model type %q (supported: WordPiece, BPE, Unigram, WordLevel)", ErrUnsupported, typ)
}
