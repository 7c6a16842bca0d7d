package tokenizer

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode"

	"github.com/dlclark/regexp2/v2"
)

// Regex Split: engine choice.
//
// tokenizers compiles Split and ByteLevel patterns with Oniguruma, a
// backtracking engine with look-around. The patterns byte-level models ship
// (GPT-2's, and GPT-4's as Llama 3 and Qwen use it) need `\s+(?!\S)`, a
// lookahead Go's regexp (RE2) cannot express, and `\s` there is Unicode
// White_Space where RE2's is ASCII. So every Split regex is compiled with
// github.com/dlclark/regexp2 (a .NET-syntax backtracking engine over runes,
// with Unicode \s, \p{L}, \p{N}, (?i:…) and look-around), matched without
// allocating per match through FindRunesMatches.
//
// The three patterns real models use are recognised by their exact text
// and matched by gptMatcher instead, a hand-written matcher of that
// pattern family: one pass, no backtracking, no allocation. It is proven
// equal to regexp2 by TestGPTMatcherEqualsRegexp2 (every corpus text, every
// rune class, random strings) and to the reference by the llama3, qwen3 and
// BART-shape goldens. BenchmarkSplitRegex compares the two on the news
// paragraphs; the hand-written matcher is two to three times as fast
// (figures in docs/performance.md), which is why it exists: through
// regexp2 the split alone costs about as much CPU as the BPE model.

// splitRegexTimeout bounds each regexp2 search for the next match: a file's
// pattern may backtrack exponentially on hostile text, and tokenizer.json
// files are input like any other. (regexp2 keeps time with a clock
// goroutine that stops by itself a little after the last deadline.) The
// known patterns run in gptMatcher, linear and without a deadline.
const splitRegexTimeout = time.Second

// Known patterns, as they appear in tokenizer.json files.
const (
	// gpt2Pattern is the GPT-2 pattern, also ByteLevel's use_regex pattern.
	gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	// llama3Pattern is GPT-4's cl100k pattern as Llama 3 ships it.
	llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// qwen2Pattern is Qwen 2/2.5/3's: cl100k with single digits.
	qwen2Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// gptMatcher matches the GPT-2 / cl100k pattern family: contractions,
// letter runs with an optional lead, digit runs, runs of other characters,
// newline runs, and whitespace with the `\s+(?!\S)` rule.
type gptMatcher struct {
	foldContractions bool // (?i:'s|…) instead of 's|…
	letterLeadAny    bool // [^\r\n\p{L}\p{N}]?\p{L}+ instead of ` ?\p{L}+`
	numMax           int  // \p{N}{1,numMax}; 0: ` ?\p{N}+`
	punctNewlines    bool // ` ?[^\s\p{L}\p{N}]+[\r\n]*` instead of without [\r\n]*
	newlineRun       bool // the \s*[\r\n]+ alternative
}

var knownPatterns = map[string]gptMatcher{
	gpt2Pattern:   {},
	llama3Pattern: {foldContractions: true, letterLeadAny: true, numMax: 3, punctNewlines: true, newlineRun: true},
	qwen2Pattern:  {foldContractions: true, letterLeadAny: true, numMax: 1, punctNewlines: true, newlineRun: true},
}

func isL(r rune) bool {
	if r < 0x80 {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.IsLetter(r)
}

func isN(r rune) bool { return isNumeric(r) }

// isOther is [^\s\p{L}\p{N}].
func isOther(r rune) bool { return !isWhitespace(r) && !isL(r) && !isN(r) }

func isCRLF(r rune) bool { return r == '\r' || r == '\n' }

// fold lowers ASCII letters when the contractions are case-insensitive.
func (g *gptMatcher) fold(r rune) rune {
	if g.foldContractions && r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// match returns the end of the pattern's match starting at i, or i when
// nothing matches there. The alternatives are tried in the pattern's order.
func (g *gptMatcher) match(rs []rune, i int) int {
	n := len(rs)
	r := rs[i]
	if e := g.contraction(rs, i); e > i {
		return e
	}
	// Letters.
	j := -1
	switch {
	case isL(r):
		j = i
	case i+1 < n && isL(rs[i+1]) && ((!g.letterLeadAny && r == ' ') || (g.letterLeadAny && !isCRLF(r) && !isN(r))):
		j = i + 1
	}
	if j >= 0 {
		for j < n && isL(rs[j]) {
			j++
		}
		return j
	}
	// Numbers.
	if g.numMax > 0 {
		if isN(r) {
			j = i + 1
			for j < n && j-i < g.numMax && isN(rs[j]) {
				j++
			}
			return j
		}
	} else if isN(r) || (r == ' ' && i+1 < n && isN(rs[i+1])) {
		j = i + 1
		for j < n && isN(rs[j]) {
			j++
		}
		return j
	}
	// Other characters.
	if isOther(r) || (r == ' ' && i+1 < n && isOther(rs[i+1])) {
		j = i + 1
		for j < n && isOther(rs[j]) {
			j++
		}
		if g.punctNewlines {
			for j < n && isCRLF(rs[j]) {
				j++
			}
		}
		return j
	}
	if !isWhitespace(r) {
		return i
	}
	j = i + 1
	for j < n && isWhitespace(rs[j]) {
		j++
	}
	if g.newlineRun {
		// \s*[\r\n]+: the whitespace up to the last newline of the run.
		for q := j - 1; q >= i; q-- {
			if isCRLF(rs[q]) {
				return q + 1
			}
		}
	}
	// \s+(?!\S) leaves the last space of a run for the word after it.
	if j < n && j-i >= 2 {
		return j - 1
	}
	return j
}

// contraction matches 's, 't, 're, 've, 'm, 'll, 'd at i.
func (g *gptMatcher) contraction(rs []rune, i int) int {
	if rs[i] != '\'' || i+1 >= len(rs) {
		return i
	}
	switch g.fold(rs[i+1]) {
	case 's', 't', 'm', 'd':
		return i + 2
	case 'r', 'v':
		if i+2 < len(rs) && g.fold(rs[i+2]) == 'e' {
			return i + 3
		}
	case 'l':
		if i+2 < len(rs) && g.fold(rs[i+2]) == 'l' {
			return i + 3
		}
	}
	return i
}

// regexSplit is tokenizers' Split with a Regex pattern.
type regexSplit struct {
	re       *regexp2.Regexp
	fast     *gptMatcher // the pattern is one gptMatcher implements
	behavior behavior
	invert   bool
}

// compileSplitRegex compiles an Oniguruma pattern for regexp2, and picks
// the hand-written matcher when the pattern is one it implements.
func compileSplitRegex(pattern, what string) (*regexp2.Regexp, *gptMatcher, error) {
	re, err := regexp2.Compile(pattern, regexp2.Unicode)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s regex %q: %v", ErrUnsupported, what, pattern, err)
	}
	re.MatchTimeout = splitRegexTimeout
	if g, ok := knownPatterns[pattern]; ok {
		return re, &g, nil
	}
	return re, nil, nil
}

// matches appends the rune ranges matched in rs, in order, empty matches
// left out (they split nothing).
func (p *regexSplit) matches(dst []seg, rs []rune) []seg {
	if p.fast != nil {
		for i := 0; i < len(rs); {
			if e := p.fast.match(rs, i); e > i {
				dst = append(dst, seg{i, e, true})
				i = e
			} else {
				i++
			}
		}
		return dst
	}
	// A search that runs past splitRegexTimeout, or overflows regexp2's
	// bounded backtracking stack, ends the matching: the rest of the text
	// stays one piece. Encoding cannot fail, and the model still covers it.
	_ = p.re.FindRunesMatches(rs, 0, func(m regexp2.MatchView) bool {
		if lo, l, ok := m.GroupRange(0); ok && l > 0 {
			dst = append(dst, seg{lo, lo + l, true})
		}
		return true
	})
	return dst
}

func (p *regexSplit) preTokenize(dst []normalized, s normalized) []normalized {
	if p.fast != nil && p.behavior == behaviorIsolated && !p.invert {
		// The common case, without a segment list: every match and every
		// gap between matches is a piece.
		last := 0
		for i := 0; i < len(s.runes); {
			e := p.fast.match(s.runes, i)
			if e == i {
				i++
				continue
			}
			if last < i {
				dst = append(dst, s.slice(last, i))
			}
			dst = append(dst, s.slice(i, e))
			i, last = e, e
		}
		if last < len(s.runes) {
			dst = append(dst, s.slice(last, len(s.runes)))
		}
		return dst
	}
	ms := p.matches(nil, s.runes)
	segs := make([]seg, 0, 2*len(ms)+1)
	last := 0
	for _, m := range ms {
		if last < m.lo {
			segs = append(segs, seg{last, m.lo, p.invert})
		}
		segs = append(segs, seg{m.lo, m.hi, !p.invert})
		last = m.hi
	}
	if last < len(s.runes) {
		segs = append(segs, seg{last, len(s.runes), p.invert})
	}
	return splitSegs(dst, s, segs, p.behavior)
}

// parseSplit reads a Split pre-tokenizer. String patterns split on the
// literal; Regex patterns use regexSplit.
func parseSplit(raw json.RawMessage) (preTokenizer, error) {
	var c struct {
		Pattern  json.RawMessage `json:"pattern"`
		Behavior string          `json:"behavior"`
		Invert   bool            `json:"invert"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Split pre_tokenizer: %v", ErrInvalid, err)
	}
	b, err := parseBehavior(c.Behavior)
	if err != nil {
		return nil, err
	}
	var p struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	}
	if err := json.Unmarshal(c.Pattern, &p); err != nil {
		return nil, fmt.Errorf("%w: Split pre_tokenizer pattern: %v", ErrInvalid, err)
	}
	switch {
	case p.String != nil:
		return splitPreTokenizer{literal: *p.String, behavior: b, invert: c.Invert}, nil
	case p.Regex != nil:
		re, fast, err := compileSplitRegex(*p.Regex, "Split pre_tokenizer")
		if err != nil {
			return nil, err
		}
		return &regexSplit{re: re, fast: fast, behavior: b, invert: c.Invert}, nil
	}
	return nil, fmt.Errorf("%w: Split pre_tokenizer pattern %s needs String or Regex", ErrInvalid, c.Pattern)
}
