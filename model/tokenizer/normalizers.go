package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites a piece of text in place, keeping the alignment to
// the original. Implementations are immutable and safe for concurrent use.
type normalizer interface {
	normalize(s *normalized)
}

// bertNormalizer is tokenizers' BertNormalizer.
type bertNormalizer struct {
	cleanText, chineseChars, stripAccents, lowercase bool
}

func (b bertNormalizer) normalize(s *normalized) {
	if b.cleanText {
		s.filter(func(r rune) bool { return !(r == 0 || r == 0xFFFD || isBertControl(r)) })
		s.mapRunes(func(r rune) rune {
			if isBertWhitespace(r) {
				return ' '
			}
			return r
		})
	}
	if b.chineseChars {
		handleChineseChars(s)
	}
	if b.stripAccents {
		s.decomposeAll(norm.NFD)
		s.filter(func(r rune) bool { return !isNonspacingMark(r) })
	}
	if b.lowercase {
		s.lowercase()
	}
}

// handleChineseChars puts a space on both sides of every CJK ideograph. The
// leading space is an insertion, the ideograph replaces itself, the trailing
// space is an insertion, exactly as tokenizers describes it.
func handleChineseChars(s *normalized) {
	count := 0
	for _, r := range s.runes {
		if isChineseChar(r) {
			count++
		}
	}
	if count == 0 {
		return
	}
	dest := make([]change, 0, len(s.runes)+2*count)
	for _, r := range s.runes {
		if isChineseChar(r) {
			dest = append(dest, change{' ', 1}, change{r, 0}, change{' ', 1})
		} else {
			dest = append(dest, change{r: r})
		}
	}
	s.transform(dest, 0)
}

type sequenceNormalizer []normalizer

func (q sequenceNormalizer) normalize(s *normalized) {
	for _, n := range q {
		n.normalize(s)
	}
}

type formNormalizer norm.Form

func (f formNormalizer) normalize(s *normalized) {
	switch norm.Form(f) {
	case norm.NFD, norm.NFKD:
		s.decomposeAll(norm.Form(f))
	default:
		s.normalizeForm(norm.Form(f))
	}
}

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(s *normalized) { s.lowercase() }

// stripAccentsNormalizer drops nonspacing marks; it does not decompose first
// (tokenizers' StripAccents is normally preceded by NFD in a Sequence).
type stripAccentsNormalizer struct{}

func (stripAccentsNormalizer) normalize(s *normalized) {
	s.filter(func(r rune) bool { return !isNonspacingMark(r) })
}

// stripNormalizer removes leading and/or trailing whitespace.
type stripNormalizer struct{ left, right bool }

func (st stripNormalizer) normalize(s *normalized) {
	lead, trail := 0, 0
	if st.left {
		for lead < len(s.runes) && isWhitespace(s.runes[lead]) {
			lead++
		}
	}
	if st.right {
		for trail < len(s.runes)-lead && isWhitespace(s.runes[len(s.runes)-1-trail]) {
			trail++
		}
	}
	if lead == 0 && trail == 0 {
		return
	}
	kept := s.runes[lead : len(s.runes)-trail]
	dest := make([]change, len(kept))
	for i, r := range kept {
		dest[i] = change{r: r}
	}
	if len(dest) > 0 {
		dest[len(dest)-1].n = -int32(trail)
	}
	s.transform(dest, lead)
}

// prependNormalizer puts a string before non-empty text (Metaspace models).
type prependNormalizer string

func (p prependNormalizer) normalize(s *normalized) {
	if len(s.runes) == 0 || p == "" {
		return
	}
	var dest []change
	for i, r := range string(p) {
		c := change{r: r}
		if i > 0 {
			c.n = 1
		}
		dest = append(dest, c)
	}
	dest = append(dest, change{s.runes[0], 1})
	s.transformRange(0, 1, dest, 0)
}

// replaceNormalizer replaces every match of a literal or a regular
// expression (compiled with regexp2, which has Oniguruma's look-around and
// Unicode classes).
type replaceNormalizer struct {
	literal string
	re      *regexp2.Regexp
	content []rune
}

func (rp replaceNormalizer) normalize(s *normalized) {
	text := string(s.runes)
	var matches [][2]int
	if rp.re != nil {
		// An error (the search deadline) keeps the matches found so far.
		ms, _ := rp.re.FindAllStringIndex(text, -1)
		for _, m := range ms {
			matches = append(matches, [2]int{m[0], m[1]})
		}
	} else if rp.literal != "" {
		for off := 0; ; {
			i := strings.Index(text[off:], rp.literal)
			if i < 0 {
				break
			}
			matches = append(matches, [2]int{off + i, off + i + len(rp.literal)})
			off += i + len(rp.literal)
		}
	}
	if len(matches) == 0 {
		return
	}
	// One pass over the text, equal to tokenizers' replacement of each
	// match in turn (removal of the match, then its content inserted with
	// the range of the match's last rune) but linear instead of quadratic:
	// Gemma's normalizer replaces every space of a text.
	runeAt := make([]int, len(text)+1)
	ri := 0
	for bi := range text {
		runeAt[bi] = ri
		ri++
	}
	runeAt[len(text)] = ri
	s.materialize()
	runes := make([]rune, 0, len(s.runes)+len(matches)*len(rp.content))
	align := make([]span, 0, cap(runes))
	last := 0
	for _, m := range matches {
		lo, hi := runeAt[m[0]], runeAt[m[1]]
		runes = append(runes, s.runes[last:lo]...)
		align = append(align, s.align[last:lo]...)
		a := span{s.base, s.base}
		if hi >= 1 {
			a = s.align[hi-1]
		}
		for _, r := range rp.content {
			runes = append(runes, r)
			align = append(align, a)
		}
		last = hi
	}
	runes = append(runes, s.runes[last:]...)
	align = append(align, s.align[last:]...)
	s.runes, s.align = runes, align
}

// parsePattern reads tokenizers' {"String": s} / {"Regex": re} pattern.
// Regexes are compiled with regexp2, as Split's are (split.go says why).
func parsePattern(raw json.RawMessage, what string) (literal string, re *regexp2.Regexp, err error) {
	var p struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", nil, fmt.Errorf("reading %s pattern: %w", what, err)
	}
	switch {
	case p.String != nil:
		return *p.String, nil, nil
	case p.Regex != nil:
		re, _, err := compileSplitRegex(*p.Regex, what)
		return "", re, err
	}
	return "", nil, fmt.Errorf("%w: %s pattern %s needs String or Regex", ErrInvalid, what, raw)
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: normalizer: %v", ErrInvalid, err)
	}
	switch head.Type {
	case "BertNormalizer":
		return parseBertNormalizer(raw)
	case "Sequence":
		return parseSequenceNormalizer(raw)
	case "NFD":
		return formNormalizer(norm.NFD), nil
	case "NFKD":
		return formNormalizer(norm.NFKD), nil
	case "NFC":
		return formNormalizer(norm.NFC), nil
	case "NFKC":
		return formNormalizer(norm.NFKC), nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Strip":
		c := struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}{true, true}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: Strip normalizer: %v", ErrInvalid, err)
		}
		return stripNormalizer{c.Left, c.Right}, nil
	case "Prepend":
		var c struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: Prepend normalizer: %v", ErrInvalid, err)
		}
		return prependNormalizer(c.Prepend), nil
	case "Replace":
		return parseReplaceNormalizer(raw)
	case "Precompiled":
		return parsePrecompiled(raw)
	case "ByteLevel":
		return byteLevelNormalizer{}, nil
	}
	return nil, fmt.Errorf("%w: normalizer type %q (supported: BertNormalizer, Sequence, NFD, NFKD, NFC, NFKC, Lowercase, StripAccents, Strip, Prepend, Replace, Precompiled, ByteLevel)",
		ErrUnsupported, head.Type)
}

// parseBertNormalizer reads a BertNormalizer; a missing option takes
// BERT's default.
func parseBertNormalizer(raw json.RawMessage) (normalizer, error) {
	var c struct {
		CleanText    *bool `json:"clean_text"`
		ChineseChars *bool `json:"handle_chinese_chars"`
		StripAccents *bool `json:"strip_accents"`
		Lowercase    *bool `json:"lowercase"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: BertNormalizer: %v", ErrInvalid, err)
	}
	b := bertNormalizer{cleanText: true, chineseChars: true, lowercase: true}
	if c.CleanText != nil {
		b.cleanText = *c.CleanText
	}
	if c.ChineseChars != nil {
		b.chineseChars = *c.ChineseChars
	}
	if c.Lowercase != nil {
		b.lowercase = *c.Lowercase
	}
	// strip_accents: null means "follow lowercase", as in BERT.
	b.stripAccents = b.lowercase
	if c.StripAccents != nil {
		b.stripAccents = *c.StripAccents
	}
	return b, nil
}

// parseSequenceNormalizer reads a Sequence, each of its normalizers in
// turn.
func parseSequenceNormalizer(raw json.RawMessage) (normalizer, error) {
	var c struct {
		Normalizers []json.RawMessage `json:"normalizers"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Sequence normalizer: %v", ErrInvalid, err)
	}
	var seq sequenceNormalizer
	for i, r := range c.Normalizers {
		n, err := parseNormalizer(r)
		if err != nil {
			return nil, fmt.Errorf("normalizer %d of Sequence: %w", i, err)
		}
		if n != nil {
			seq = append(seq, n)
		}
	}
	return seq, nil
}

// parseReplaceNormalizer reads a Replace normalizer: a String or Regex
// pattern and its replacement.
func parseReplaceNormalizer(raw json.RawMessage) (normalizer, error) {
	var c struct {
		Pattern json.RawMessage `json:"pattern"`
		Content string          `json:"content"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Replace normalizer: %v", ErrInvalid, err)
	}
	lit, re, err := parsePattern(c.Pattern, "Replace normalizer")
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(c.Content) {
		return nil, fmt.Errorf("%w: Replace normalizer content is not UTF-8", ErrInvalid)
	}
	return replaceNormalizer{literal: lit, re: re, content: []rune(c.Content)}, nil
}
