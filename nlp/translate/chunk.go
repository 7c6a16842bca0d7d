package translate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/masx-ai/masx/nlp/sentences"
)

// Piece is one chunk of a text and the white space that came before it.
// Joining each piece's Sep and Text gives the text back, with white space
// between chunks normalised to one space, one line break or one blank line.
type Piece struct {
	Sep  string // "" for the first piece, else " ", "\n" or "\n\n"
	Text string
}

// Chunk splits text into pieces of at most limit characters (runes), at
// sentence boundaries (nlp/sentences) where it can: consecutive sentences,
// across line and paragraph breaks, are packed into one piece while they
// fit; a sentence longer than limit is
// cut at white space, and a word longer than limit at limit runes. limit < 1 is
// taken as 1. White space-only text gives nil; no text is dropped.
func Chunk(text string, limit int) []Piece {
	limit = max(limit, 1)
	spans := sentences.Bounds(text)
	if len(spans) == 0 && strings.TrimSpace(text) != "" {
		// No word at all (punctuation, symbols): still one text, never
		// dropped.
		lead := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
		spans = []sentences.Span{{Start: lead, End: len(strings.TrimRightFunc(text, unicode.IsSpace))}}
	}
	var out []Piece
	start, end := -1, -1 // the piece being packed: text[start:end]
	sep := ""
	flush := func() {
		if start >= 0 {
			out = append(out, Piece{Sep: sep, Text: text[start:end]})
			start = -1
		}
	}
	for i, s := range spans {
		gap := ""
		if i > 0 {
			gap = separator(text[spans[i-1].End:s.Start])
		}
		n := utf8.RuneCountInString(text[s.Start:s.End])
		switch {
		case n > limit:
			flush()
			parts := cutLong(text[s.Start:s.End], limit)
			parts[0].Sep = gap
			out = append(out, parts...)
		case start >= 0 && utf8.RuneCountInString(text[start:s.End]) <= limit:
			// Packed across line and paragraph breaks too: servers keep
			// the white space inside a chunk, and every request costs a
			// round trip (a 2,100-character article cut at its 24
			// paragraphs took APY several times longer than in one
			// request; BenchmarkApertium).
			end = s.End
		default:
			flush()
			start, end, sep = s.Start, s.End, gap
		}
	}
	flush()
	if len(out) > 0 {
		out[0].Sep = ""
	}
	return out
}

// Join puts translated pieces back together: each piece's separator, then
// its text.
func Join(pieces []Piece) string {
	var b strings.Builder
	for _, p := range pieces {
		b.WriteString(p.Sep)
		b.WriteString(p.Text)
	}
	return b.String()
}

// separator normalises the white space between two sentences: a blank
// line stays a paragraph break, a line break a line break, anything else
// one space.
func separator(gap string) string {
	switch n := strings.Count(gap, "\n"); {
	case n >= 2:
		return "\n\n"
	case n == 1:
		return "\n"
	}
	return " "
}

// cutLong cuts one over-long sentence into pieces of at most limit runes,
// at white space where there is some, with space runs collapsed. A word
// cut in two continues with no separator, so Join gives it back whole.
func cutLong(s string, limit int) []Piece {
	var parts []Piece
	var cur strings.Builder
	curN, sep := 0, " "
	flush := func(next string) {
		if curN > 0 {
			parts = append(parts, Piece{Sep: sep, Text: cur.String()})
			cur.Reset()
			curN, sep = 0, next
		}
	}
	for _, w := range strings.FieldsFunc(s, unicode.IsSpace) {
		wn := utf8.RuneCountInString(w)
		for wn > limit { // a word alone over the limit: cut it by runes
			flush(" ")
			k := byteIndexOfRune(w, limit)
			parts = append(parts, Piece{Sep: sep, Text: w[:k]})
			w, wn, sep = w[k:], wn-limit, ""
		}
		switch {
		case wn == 0:
		case curN == 0:
			cur.WriteString(w)
			curN = wn
		case curN+1+wn <= limit:
			cur.WriteByte(' ')
			cur.WriteString(w)
			curN += 1 + wn
		default:
			flush(" ")
			cur.WriteString(w)
			curN = wn
		}
		if wn == 0 {
			sep = " "
		}
	}
	flush(" ")
	return parts
}

// byteIndexOfRune returns the byte offset of the n-th rune of s.
func byteIndexOfRune(s string, n int) int {
	i := 0
	for k := range s {
		if i == n {
			return k
		}
		i++
	}
	return len(s)
}
