package tokenizer

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// prependScheme says when Metaspace puts the replacement before a piece.
type prependScheme int

const (
	prependAlways prependScheme = iota // every piece that does not start with it
	prependFirst                       // only the piece at the start of the text
	prependNever
)

// metaspacePreTokenizer is tokenizers' Metaspace: spaces become the
// replacement (▁), the replacement is prepended as the scheme says, and with
// split each replacement starts a new word (MergedWithNext).
type metaspacePreTokenizer struct {
	replacement rune
	prepend     prependScheme
	split       bool
}

func (m metaspacePreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	s.mapRunes(func(r rune) rune {
		if r == ' ' {
			return m.replacement
		}
		return r
	})
	if len(s.runes) > 0 && s.runes[0] != m.replacement {
		// "first" looks at where the piece starts in the original text, so
		// a piece after an added token gets no prefix.
		if m.prepend == prependAlways || (m.prepend == prependFirst && s.base == 0) {
			s = prependRune(s, m.replacement)
		}
	}
	if !m.split {
		if len(s.runes) > 0 {
			dst = append(dst, s)
		}
		return dst
	}
	start := 0
	for i, r := range s.runes {
		if r == m.replacement && i > start {
			dst = append(dst, s.slice(start, i))
			start = i
		}
	}
	if start < len(s.runes) {
		dst = append(dst, s.slice(start, len(s.runes)))
	}
	return dst
}

// parseMetaspace reads a Metaspace pre-tokenizer. prepend_scheme defaults
// to "always"; split defaults to true. The legacy add_prefix_space is
// checked as tokenizers checks it: false is accepted only beside an explicit
// prepend_scheme "never", and true changes nothing.
func parseMetaspace(raw json.RawMessage) (preTokenizer, error) {
	var c struct {
		Replacement    *string `json:"replacement"`
		AddPrefixSpace *bool   `json:"add_prefix_space"`
		PrependScheme  *string `json:"prepend_scheme"`
		Split          *bool   `json:"split"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Metaspace pre_tokenizer: %v", ErrInvalid, err)
	}
	if c.Replacement == nil || utf8.RuneCountInString(*c.Replacement) != 1 {
		got := "none"
		if c.Replacement != nil {
			got = fmt.Sprintf("%q", *c.Replacement)
		}
		return nil, fmt.Errorf("%w: Metaspace replacement %s, want exactly one character", ErrInvalid, got)
	}
	m := metaspacePreTokenizer{split: true}
	m.replacement, _ = utf8.DecodeRuneInString(*c.Replacement)
	if c.PrependScheme != nil {
		switch *c.PrependScheme {
		case "always":
			m.prepend = prependAlways
		case "first":
			m.prepend = prependFirst
		case "never":
			m.prepend = prependNever
		default:
			return nil, fmt.Errorf("%w: Metaspace prepend_scheme %q (want always, first or never)", ErrInvalid, *c.PrependScheme)
		}
	}
	if c.AddPrefixSpace != nil && !*c.AddPrefixSpace && m.prepend != prependNever {
		scheme := "always (the default)"
		if c.PrependScheme != nil {
			scheme = *c.PrependScheme
		}
		return nil, fmt.Errorf("%w: Metaspace add_prefix_space false does not match prepend_scheme %s (tokenizers refuses it too; want \"never\")", ErrInvalid, scheme)
	}
	if c.Split != nil {
		m.split = *c.Split
	}
	return m, nil
}

// prependRune puts r before the first rune of s, as tokenizers' prepend
// describes it: r replaces the first rune (taking its range) and the first
// rune is re-inserted after it (taking the same range). It is
// prependNormalizer's transformation for one rune, built in one pass.
func prependRune(s normalized, r rune) normalized {
	n := len(s.runes)
	runes := make([]rune, n+1)
	align := make([]span, n+1)
	runes[0] = r
	copy(runes[1:], s.runes)
	first := s.at(0)
	align[0] = first
	if s.align != nil {
		copy(align[1:], s.align)
	} else {
		for i := range n {
			o := s.base + int32(i)
			align[i+1] = span{o, o + 1}
		}
	}
	align[1] = first
	s.runes, s.align = runes, align
	return s
}
