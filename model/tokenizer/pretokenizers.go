package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
)

// preTokenizer cuts a normalized piece into words, appending the non-empty
// ones to dst. Implementations are immutable and safe for concurrent use.
type preTokenizer interface {
	preTokenize(dst []normalized, s normalized) []normalized
}

// behavior says what a split does with the delimiters it finds
// (tokenizers' SplitDelimiterBehavior).
type behavior int

const (
	behaviorRemoved behavior = iota
	behaviorIsolated
	behaviorMergedWithPrevious
	behaviorMergedWithNext
	behaviorContiguous
)

func parseBehavior(s string) (behavior, error) {
	switch s {
	case "Removed":
		return behaviorRemoved, nil
	case "Isolated", "":
		return behaviorIsolated, nil
	case "MergedWithPrevious":
		return behaviorMergedWithPrevious, nil
	case "MergedWithNext":
		return behaviorMergedWithNext, nil
	case "Contiguous":
		return behaviorContiguous, nil
	}
	return 0, fmt.Errorf("%w: split behavior %q (want Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)", ErrInvalid, s)
}

// seg is a rune range of a piece and whether it matched the delimiter.
type seg struct {
	lo, hi int
	match  bool
}

// splitSegs applies a behavior to the segments (which cover the piece in
// order) and appends the resulting non-empty pieces.
func splitSegs(dst []normalized, s normalized, segs []seg, b behavior) []normalized {
	emit := func(lo, hi int) {
		if lo < hi {
			dst = append(dst, s.slice(lo, hi))
		}
	}
	switch b {
	case behaviorRemoved:
		for _, g := range segs {
			if !g.match {
				emit(g.lo, g.hi)
			}
		}
	case behaviorIsolated:
		for _, g := range segs {
			emit(g.lo, g.hi)
		}
	case behaviorContiguous, behaviorMergedWithPrevious:
		var out []seg
		prev := false
		for _, g := range segs {
			merge := g.match == prev
			if b == behaviorMergedWithPrevious {
				merge = g.match && !prev
			}
			if merge && len(out) > 0 {
				out[len(out)-1].hi = g.hi
			} else {
				out = append(out, g)
			}
			prev = g.match
		}
		for _, g := range out {
			emit(g.lo, g.hi)
		}
	case behaviorMergedWithNext:
		var out []seg
		prev := false
		for i := len(segs) - 1; i >= 0; i-- {
			g := segs[i]
			if g.match && !prev && len(out) > 0 {
				out[len(out)-1].lo = g.lo
			} else {
				out = append(out, g)
			}
			prev = g.match
		}
		for i := len(out) - 1; i >= 0; i-- {
			emit(out[i].lo, out[i].hi)
		}
	}
	return dst
}

// runeSegs makes one match per rune for which delim is true, as tokenizers'
// character patterns do.
func runeSegs(runes []rune, delim func(rune) bool) []seg {
	var segs []seg
	last := 0
	for i, r := range runes {
		if delim(r) {
			if last < i {
				segs = append(segs, seg{last, i, false})
			}
			segs = append(segs, seg{i, i + 1, true})
			last = i + 1
		}
	}
	if last < len(runes) {
		segs = append(segs, seg{last, len(runes), false})
	}
	return segs
}

// bertPreTokenizer splits on whitespace (dropped) and isolates every
// punctuation rune. It is one pass equivalent to the two splits
// tokenizers chains.
type bertPreTokenizer struct{}

func (bertPreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	start := -1
	for i, r := range s.runes {
		space := isWhitespace(r)
		if space || isPunctuation(r) {
			if start >= 0 {
				dst = append(dst, s.slice(start, i))
				start = -1
			}
			if !space {
				dst = append(dst, s.slice(i, i+1))
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, s.slice(start, len(s.runes)))
	}
	return dst
}

// whitespacePreTokenizer keeps runs of word characters and runs of other
// non-space characters (the regex \w+|[^\w\s]+), dropping whitespace.
type whitespacePreTokenizer struct{}

func (whitespacePreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	const (
		none = iota
		word
		other
	)
	kind, start := none, 0
	for i, r := range s.runes {
		k := other
		switch {
		case isWhitespace(r):
			k = none
		case isWordChar(r):
			k = word
		}
		if k != kind {
			if kind != none {
				dst = append(dst, s.slice(start, i))
			}
			kind, start = k, i
		}
	}
	if kind != none {
		dst = append(dst, s.slice(start, len(s.runes)))
	}
	return dst
}

// whitespaceSplitPreTokenizer splits on whitespace only.
type whitespaceSplitPreTokenizer struct{}

func (whitespaceSplitPreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	return splitSegs(dst, s, runeSegs(s.runes, isWhitespace), behaviorRemoved)
}

type punctuationPreTokenizer struct{ behavior behavior }

func (p punctuationPreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	return splitSegs(dst, s, runeSegs(s.runes, isPunctuation), p.behavior)
}

// digitsPreTokenizer isolates digits, one by one or in runs.
type digitsPreTokenizer struct{ individual bool }

func (d digitsPreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	isDigit := isNumeric
	if d.individual {
		return splitSegs(dst, s, runeSegs(s.runes, isDigit), behaviorIsolated)
	}
	return splitSegs(dst, s, runeSegs(s.runes, isDigit), behaviorContiguous)
}

// splitPreTokenizer is tokenizers' Split with a String pattern: a
// literal, a behavior, optionally inverted (the matches are what is kept
// apart). Regex patterns are regexSplit's (split.go).
type splitPreTokenizer struct {
	literal  string
	behavior behavior
	invert   bool
}

func (p splitPreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	text := string(s.runes)
	var idx [][2]int
	if p.literal != "" {
		for off := 0; ; {
			i := strings.Index(text[off:], p.literal)
			if i < 0 {
				break
			}
			idx = append(idx, [2]int{off + i, off + i + len(p.literal)})
			off += i + len(p.literal)
		}
	}
	runeAt := make([]int, len(text)+1)
	ri := 0
	for bi := range text {
		runeAt[bi] = ri
		ri++
	}
	runeAt[len(text)] = ri
	var segs []seg
	last := 0
	for _, m := range idx {
		lo, hi := runeAt[m[0]], runeAt[m[1]]
		if lo == hi {
			continue // empty matches split nothing
		}
		if last < lo {
			segs = append(segs, seg{last, lo, p.invert})
		}
		segs = append(segs, seg{lo, hi, !p.invert})
		last = hi
	}
	if last < len(s.runes) {
		segs = append(segs, seg{last, len(s.runes), p.invert})
	}
	return splitSegs(dst, s, segs, p.behavior)
}

// batchPreTokenizer is a pre-tokenizer that is cheaper run over all the
// pieces of a Sequence stage at once (ByteLevel shares its arrays).
type batchPreTokenizer interface {
	preTokenizeAll(dst, pieces []normalized) []normalized
}

type sequencePreTokenizer []preTokenizer

func (q sequencePreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	cur := []normalized{s}
	for _, p := range q {
		var next []normalized
		if b, ok := p.(batchPreTokenizer); ok {
			cur = b.preTokenizeAll(next, cur)
			continue
		}
		for _, c := range cur {
			next = p.preTokenize(next, c)
		}
		cur = next
	}
	return append(dst, cur...)
}

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: pre_tokenizer: %v", ErrInvalid, err)
	}
	switch head.Type {
	case "BertPreTokenizer":
		return bertPreTokenizer{}, nil
	case "Metaspace":
		return parseMetaspace(raw)
	case "Whitespace":
		return whitespacePreTokenizer{}, nil
	case "WhitespaceSplit":
		return whitespaceSplitPreTokenizer{}, nil
	case "Punctuation":
		var c struct {
			Behavior string `json:"behavior"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: Punctuation pre_tokenizer: %v", ErrInvalid, err)
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, err
		}
		return punctuationPreTokenizer{b}, nil
	case "Digits":
		var c struct {
			Individual bool `json:"individual_digits"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: Digits pre_tokenizer: %v", ErrInvalid, err)
		}
		return digitsPreTokenizer{c.Individual}, nil
	case "Split":
		return parseSplit(raw)
	case "ByteLevel":
		return parseByteLevelPreTokenizer(raw)
	case "Sequence":
		var c struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: Sequence pre_tokenizer: %v", ErrInvalid, err)
		}
		var seq sequencePreTokenizer
		for i, r := range c.PreTokenizers {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, fmt.Errorf("pre_tokenizer %d of Sequence: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("%w: pre_tokenizer type %q (supported: BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, Split, ByteLevel, Metaspace, Sequence)",
		ErrUnsupported, head.Type)
}
