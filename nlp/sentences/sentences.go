// Package sentences splits text into sentences in the scripts that news in
// masx arrives in. It is its own package because compression, extractive
// summaries and translation chunking all need the same boundaries.
//
// The splitter is rule-based and needs no model:
//
//   - Latin-style terminators . ! ? and the ellipsis (… or ...) end a
//     sentence only when followed by white space or the end of the text,
//     after any closing quotes or brackets. So decimals ("3.5"), URLs
//     ("example.com/a.html") and e-mail addresses never split.
//   - A terminator followed by a lowercase word does not split: the next word
//     continues the sentence ("the U.S. economy", "\"Why?\" she asked").
//   - Abbreviations: titles and Latin shorthand (Dr., Mr., Gen., e.g., i.e.,
//     vs.) never end a sentence; "No. 5", "Art. 3", "Jan. 6" do not split
//     before a number; single-letter initials ("J. R. R. Tolkien") and
//     abbreviations that can also close a sentence (U.S., Inc., etc., St.)
//     split only when the next word is a typical sentence opener ("The",
//     "He", "But", …). This is the orthographic heuristic of Punkt-style
//     splitters, with a fixed list instead of a trained one.
//   - CJK 。！？ (and half-width ｡), Arabic ؟, Urdu ۔, Devanagari । ॥,
//     Armenian ։, Ethiopic ። and Myanmar ။ always end a sentence; CJK text has
//     no spaces after them.
//   - A blank line always ends a sentence (headlines, list items); a single
//     line break ends one unless the next line starts with a lowercase letter
//     (hard-wrapped text).
//
// Known limits: an abbreviation outside the lists followed by a capitalised
// name splits ("Brig. Smith"), and a sentence-final initial followed by a
// capitalised non-opener does not ("vitamin C. Doctors …").
//
// Split makes one pass over the text, without regular expressions, and
// allocates one string per sentence (BenchmarkSplit; docs/performance.md).
package sentences

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is one sentence as byte offsets into the text it came from:
// text[Start:End], with surrounding white space excluded.
type Span struct {
	Start, End int
}

// Split returns the sentences of text in order, each with its runs of white
// space (line breaks included) collapsed to one space. Empty or all-space
// text gives nil.
func Split(text string) []string {
	spans := Bounds(text)
	if len(spans) == 0 {
		return nil
	}
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = collapseSpace(text[s.Start:s.End])
	}
	return out
}

// Bounds returns the byte spans of the sentences of text, in order. The
// spans never overlap and only white space lies between them; a stretch
// holding no letter or digit is attached to a neighbouring sentence.
func Bounds(text string) []Span {
	var spans []Span
	start := 0
	add := func(end int) {
		s, e := trimSpan(text, start, end)
		switch {
		case s == e:
		case !hasWord(text[s:e]):
			// Stray punctuation ("…", "—") is not a sentence: it joins the
			// sentence before it, or the next one at the start of the text.
			if len(spans) == 0 {
				return
			}
			spans[len(spans)-1].End = e
		default:
			spans = append(spans, Span{s, e})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		next := i + size
		switch {
		case r == '\n':
			if lineBreakEnds(text, next) {
				add(i)
			}
			i = next
		case alwaysTerminal(r):
			end := skipClosers(text, skipTerminals(text, next))
			add(end)
			i = end
		case r == '.' || r == '…' || r == '!' || r == '?' || r == '‼' || r == '⁇' || r == '⁈' || r == '⁉':
			runEnd := skipTerminals(text, next)
			end := skipClosers(text, runEnd)
			if endsHere(text, i, runEnd, end) {
				add(end)
			}
			i = end
		default:
			i = next
		}
	}
	add(len(text))
	return spans
}

// alwaysTerminal reports terminators that end a sentence wherever they are.
func alwaysTerminal(r rune) bool {
	switch r {
	case '。', '！', '？', '｡', '؟', '۔', '।', '॥', '։', '።', '။':
		return true
	}
	return false
}

func terminal(r rune) bool {
	switch r {
	case '.', '…', '!', '?', '‼', '⁇', '⁈', '⁉':
		return true
	}
	return alwaysTerminal(r)
}

func closer(r rune) bool {
	switch r {
	case '"', '\'', '”', '’', '»', '›', ')', ']', '}', '」', '』', '）', '】', '〕', '》', '〉', '］':
		return true
	}
	return false
}

func opener(r rune) bool {
	switch r {
	case '"', '\'', '“', '‘', '„', '«', '‹', '(', '[', '{', '「', '『', '（', '【', '¿', '¡':
		return true
	}
	return false
}

func skipTerminals(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !terminal(r) {
			break
		}
		i += size
	}
	return i
}

func skipClosers(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !closer(r) {
			break
		}
		i += size
	}
	return i
}

// lineBreakEnds decides whether the line break just before text[i:] ends a
// sentence: always at a blank line, otherwise unless the next line starts
// with a lowercase letter.
func lineBreakEnds(text string, i int) bool {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			return true
		case unicode.IsSpace(r):
			i += size
		default:
			return !unicode.IsLower(r)
		}
	}
	return true
}

// endsHere decides whether the Latin-style terminator run text[at:runEnd],
// followed by closers up to end, ends a sentence.
func endsHere(text string, at, runEnd, end int) bool {
	if end == len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	if !unicode.IsSpace(r) {
		return false // 3.5, example.com, a?b
	}
	next := nextWord(text, end)
	if next == "" {
		return true
	}
	first, _ := utf8.DecodeRuneInString(next)
	if unicode.IsLower(first) {
		return false
	}
	// Only a lone period can be an abbreviation's.
	if text[at] != '.' || runEnd != at+1 {
		return true
	}
	tok := tokenBefore(text, at)
	if tok == "" {
		return true
	}
	low := strings.ToLower(tok)
	switch {
	case neverEnds[low]:
		return false
	case beforeNumber[low] && unicode.IsDigit(first):
		return false
	case isInitial(tok), isDotted(tok), canEnd[low], beforeNumber[low]:
		return opensSentence(next)
	}
	return true
}

// tokenBefore returns the run of non-space text ending at byte at, without
// leading opening punctuation; "" when it is longer than any abbreviation.
func tokenBefore(text string, at int) string {
	const maxLen = 32
	i := at
	for i > 0 && at-i <= maxLen {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	if at-i > maxLen {
		return ""
	}
	tok := text[i:at]
	for tok != "" {
		r, size := utf8.DecodeRuneInString(tok)
		if !opener(r) {
			break
		}
		tok = tok[size:]
	}
	return tok
}

// nextWord returns the word after the white space at text[i:], without
// opening punctuation: up to the next space or punctuation.
func nextWord(text string, i int) string {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) && !opener(r) {
			break
		}
		i += size
	}
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '\'' || r == '’') {
			break
		}
		j += size
	}
	if j == i && i < len(text) {
		_, size := utf8.DecodeRuneInString(text[i:])
		j = i + size // a symbol such as "$" or "—"
	}
	return text[i:j]
}

// isInitial reports a single uppercase letter: "J" in "J. R. R. Tolkien".
func isInitial(tok string) bool {
	r, size := utf8.DecodeRuneInString(tok)
	return size == len(tok) && unicode.IsUpper(r)
}

// isDotted reports letters joined by periods, each group at most three
// letters: "U.S", "e.g", "Ph.D", "a.m".
func isDotted(tok string) bool {
	if !strings.Contains(tok, ".") {
		return false
	}
	for _, part := range strings.Split(tok, ".") {
		n := 0
		for _, r := range part {
			if !unicode.IsLetter(r) {
				return false
			}
			n++
		}
		if n == 0 || n > 3 {
			return false
		}
	}
	return true
}

func opensSentence(word string) bool {
	return openers[strings.ToLower(strings.TrimRight(word, "'’"))]
}

func hasWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func trimSpan(text string, s, e int) (int, int) {
	for s < e {
		r, size := utf8.DecodeRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		s += size
	}
	for e > s {
		r, size := utf8.DecodeLastRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= size
	}
	return s, e
}

func collapseSpace(s string) string {
	clean := true
	prevSpace := false
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Lowercased, without the final period.
var (
	// Titles and shorthand that are practically never sentence-final.
	neverEnds = set(`mr mrs ms mx dr prof rev hon gen col lt maj capt cpt sgt cpl adm cmdr gov sen rep pres
amb supt insp messrs mme mlle mons e.g i.e vs cf viz approx ca esp incl sra srta dra lic ing hr fr
bzw vgl sog gebr z.b d.h u.a s.g prof.dr`)
	// Abbreviations that do not split before a number: "No. 5", "Jan. 6".
	beforeNumber = set(`no nos nr nº art arts fig figs vol vols ch chap sec p pp para tab ed eds op
jan feb mar apr jun jul aug sep sept oct nov dec núm`)
	// Abbreviations that may also close a sentence.
	canEnd = set(`etc inc ltd co corp jr sr st mt ft ave blvd rd sq bros dept est govt intl assn univ plc
llc gmbh ag al usw ggf mio mrd bn mn tr`)
	// Words that typically open a sentence; after an ambiguous abbreviation
	// they make it a boundary.
	openers = set(`the a an he she it they we i you this that these those there his her its their our my
but and so yet however meanwhile in on at for after before when while if as also then still now according
officials police some many most both one two three several despite although though what why how where who
did does do was were is are has have had will would could should can may might no not mr mrs ms dr prof gen
der die das le la les el los las il lo gli`)
)
