package tokenizer

import (
	"encoding/json"
	"fmt"
	"slices"
)

// addedToken is an entry of tokenizer.json's added_tokens: a string that is
// cut out of the input before the model sees it ([CLS], [MASK], <pad>, …).
type addedToken struct {
	id         int64
	content    string
	pattern    []rune // what is matched: content, normalized when normalized is set
	token      string // string(pattern): the token of its id
	singleWord bool
	lstrip     bool
	rstrip     bool
	normalized bool
	special    bool
}

type addedTokenJSON struct {
	ID         int64  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// matcher finds added tokens leftmost-longest, like the Aho-Corasick
// automaton tokenizers builds (MatchKind::LeftmostLongest): the earliest
// starting match wins, then the longest one starting there, and scanning
// resumes after it. Added vocabularies are small, so a first-rune index with
// candidates sorted longest first is enough.
type matcher struct {
	tokens  []*addedToken
	byFirst map[rune][]*addedToken
}

func newMatcher(tokens []*addedToken) matcher {
	m := matcher{tokens: tokens, byFirst: map[rune][]*addedToken{}}
	for _, t := range tokens {
		if len(t.pattern) == 0 {
			continue
		}
		m.byFirst[t.pattern[0]] = append(m.byFirst[t.pattern[0]], t)
	}
	for _, c := range m.byFirst {
		slices.SortStableFunc(c, func(a, b *addedToken) int { return len(b.pattern) - len(a.pattern) })
	}
	return m
}

func (m *matcher) empty() bool { return len(m.byFirst) == 0 }

// split is one piece of a split on added tokens; tok is nil for plain text.
type split struct {
	lo, hi int
	tok    *addedToken
}

// split cuts runes into plain pieces and added-token pieces, applying the
// single_word, lstrip and rstrip rules as tokenizers' find_matches does.
func (m *matcher) split(dst []split, runes []rune) []split {
	startOff := 0
	for i := 0; i < len(runes); {
		t := m.longestAt(runes, i)
		if t == nil {
			i++
			continue
		}
		lo, hi := i, i+len(t.pattern)
		i = hi
		if lo < startOff {
			// An earlier rstrip already consumed this position.
			continue
		}
		if t.singleWord {
			startSpace := lo == 0 || !isWordChar(runes[lo-1])
			stopSpace := hi == len(runes) || !isWordChar(runes[hi])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if t.lstrip {
			nlo := lo
			for nlo > 0 && isWhitespace(runes[nlo-1]) {
				nlo--
			}
			lo = max(nlo, startOff)
		}
		if t.rstrip {
			for hi < len(runes) && isWhitespace(runes[hi]) {
				hi++
			}
		}
		if startOff < lo {
			dst = append(dst, split{lo: startOff, hi: lo})
		}
		dst = append(dst, split{lo: lo, hi: hi, tok: t})
		startOff = hi
		i = max(i, hi)
	}
	if startOff < len(runes) || len(runes) == 0 {
		dst = append(dst, split{lo: startOff, hi: len(runes)})
	}
	return dst
}

func (m *matcher) longestAt(runes []rune, i int) *addedToken {
	for _, t := range m.byFirst[runes[i]] {
		if len(t.pattern) <= len(runes)-i && slices.Equal(t.pattern, runes[i:i+len(t.pattern)]) {
			return t
		}
	}
	return nil
}

// addedVocab holds the added tokens and the two matchers tokenizers uses:
// one on the raw input (tokens with normalized=false) and one on the
// normalized text (normalized=true, matched by their normalized form).
type addedVocab struct {
	byContent map[string]*addedToken
	byID      map[int64]*addedToken
	raw       matcher
	norm      matcher
}

// newAddedVocab builds the added vocabulary the way tokenizers does when
// it reads a file: the ids written in added_tokens are not trusted. Each
// token, in file order, takes the id it already has (an earlier added token
// with the same content, else the model's vocabulary), or else the next id
// after the vocabulary and the added tokens so far. For consistent files
// that is the id written there; for the others it is the id the reference
// uses.
func newAddedVocab(list []addedTokenJSON, n normalizer, m model) (addedVocab, error) {
	av := addedVocab{byContent: map[string]*addedToken{}, byID: map[int64]*addedToken{}}
	var raw, normed []*addedToken
	var maxAdded int64 = -1
	for i, a := range list {
		if a.Content == "" {
			return av, fmt.Errorf("%w: added token %d has empty content", ErrInvalid, i)
		}
		if a.ID < 0 || a.ID >= maxVocabID {
			return av, fmt.Errorf("%w: added token %q has id %d out of range [0, %d)", ErrInvalid, a.Content, a.ID, maxVocabID)
		}
		t := &addedToken{content: a.Content, singleWord: a.SingleWord, lstrip: a.LStrip,
			rstrip: a.RStrip, normalized: a.Normalized, special: a.Special}
		if old, ok := av.byContent[a.Content]; ok {
			if old.singleWord == t.singleWord && old.lstrip == t.lstrip && old.rstrip == t.rstrip &&
				old.normalized == t.normalized && old.special == t.special {
				continue // the same token twice
			}
			t.id = old.id
		} else if id, ok := m.tokenID(a.Content); ok {
			t.id = id
		} else {
			vs := int64(m.vocabSize())
			switch {
			case maxAdded < 0:
				t.id = vs
			case maxAdded >= vs || vs == 0:
				t.id = maxAdded + 1
			default:
				t.id = vs
			}
		}
		if t.id >= maxVocabID {
			return av, fmt.Errorf("%w: added token %q would get id %d, over %d", ErrInvalid, a.Content, t.id, maxVocabID)
		}
		if _, ok := av.byContent[a.Content]; !ok || t.id > maxAdded {
			maxAdded = max(maxAdded, t.id)
		}
		if a.Normalized && n != nil {
			s := newNormalized([]rune(a.Content), 0)
			n.normalize(&s)
			t.pattern = s.runes
		} else {
			t.pattern = []rune(a.Content)
		}
		t.token = string(t.pattern)
		if old, ok := av.byContent[a.Content]; ok {
			// A later entry with the same content replaces the earlier one.
			raw = slices.DeleteFunc(raw, func(x *addedToken) bool { return x == old })
			normed = slices.DeleteFunc(normed, func(x *addedToken) bool { return x == old })
		}
		av.byContent[a.Content] = t
		av.byID[t.id] = t
		if a.Normalized {
			normed = append(normed, t)
		} else {
			raw = append(raw, t)
		}
	}
	av.raw = newMatcher(raw)
	av.norm = newMatcher(normed)
	return av, nil
}

func parseAddedTokens(raw json.RawMessage) ([]addedTokenJSON, error) {
	if isNull(raw) {
		return nil, nil
	}
	var list []addedTokenJSON
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w: added_tokens: %v", ErrInvalid, err)
	}
	return list, nil
}
