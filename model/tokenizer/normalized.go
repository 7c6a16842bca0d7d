package tokenizer

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// span is a half-open range of rune indexes into the original text.
type span struct{ start, end int32 }

// normalized is a piece of text being normalized, with the original range
// of every rune, as tokenizers' NormalizedString keeps it per byte. It works
// on runes because offsets are reported in runes (Python characters).
//
// Every rune of the normalized text carries the original range of the rune
// it came from. A transformation is described, as in tokenizers, by the new
// runes each with a change count: 0 replaces the next old rune (and takes its
// range), n > 0 inserts (and takes the range of the old rune before it, or an
// empty range at base when there is none), n < 0 replaces the next old rune
// and drops the -n old runes after it. Reproducing that rule, rather than
// tracking where each rune "really" came from, is what makes offsets match
// the reference in the odd cases (NFD reordering, inserted characters).
type normalized struct {
	runes []rune
	// align is nil while the piece is untouched: rune i then comes from
	// original rune base+i. Most text never needs an alignment table.
	align []span
	// base is the original offset of the start of this piece; runes inserted
	// before every other rune get the empty range at base.
	base int32
}

// change is one rune of a transformation's output; see normalized.
type change struct {
	r rune
	n int32
}

func newNormalized(runes []rune, base int32) normalized {
	return normalized{runes: runes, base: base}
}

// at is the original range of rune i.
func (s *normalized) at(i int) span {
	if s.align == nil {
		o := s.base + int32(i)
		return span{o, o + 1}
	}
	return s.align[i]
}

// materialize builds the alignment table before a transformation.
func (s *normalized) materialize() {
	if s.align != nil {
		return
	}
	s.align = make([]span, len(s.runes))
	for i := range s.align {
		o := s.base + int32(i)
		s.align[i] = span{o, o + 1}
	}
}

func (s *normalized) len() int { return len(s.runes) }

// slice returns the runes [lo, hi) as their own piece. The piece shares the
// backing arrays (capacity-limited so appends never reach a sibling), so
// only in-place edits that stay within the piece are allowed on it.
func (s *normalized) slice(lo, hi int) normalized {
	p := normalized{runes: s.runes[lo:hi:hi], base: s.base}
	if s.align != nil {
		p.align = s.align[lo:hi:hi]
	}
	if lo < hi {
		p.base = s.at(lo).start
	}
	return p
}

// origRange maps the normalized rune range [lo, hi) to original rune
// offsets: the start of its first rune to the end of its last.
func (s *normalized) origRange(lo, hi int) (int, int) {
	if lo >= hi || hi > len(s.runes) {
		return int(s.base), int(s.base)
	}
	return int(s.at(lo).start), int(s.at(hi - 1).end)
}

// transform replaces the whole text; see transformRange.
func (s *normalized) transform(dest []change, initialRemoved int) {
	s.transformRange(0, len(s.runes), dest, initialRemoved)
}

// transformRange replaces the runes [lo, hi) with dest, the first
// initialRemoved old runes of the range being dropped without a replacement.
// It never panics on an inconsistent description: ranges past the end clamp.
func (s *normalized) transformRange(lo, hi int, dest []change, initialRemoved int) {
	s.materialize()
	n := len(s.runes)
	runes := make([]rune, 0, n-(hi-lo)+len(dest))
	align := make([]span, 0, cap(runes))
	runes = append(runes, s.runes[:lo]...)
	align = append(align, s.align[:lo]...)
	off := lo + initialRemoved
	empty := span{s.base, s.base}
	for _, c := range dest {
		var a span
		if c.n > 0 {
			switch {
			case off < 1:
				a = empty
			case off-1 < n:
				a = s.align[off-1]
			case n > 0:
				a = s.align[n-1]
			default:
				a = empty
			}
		} else {
			switch {
			case off < n:
				a = s.align[off]
			case n > 0:
				a = s.align[n-1]
			default:
				a = empty
			}
			off++
			if c.n < 0 {
				off += int(-c.n)
			}
		}
		runes = append(runes, c.r)
		align = append(align, a)
	}
	runes = append(runes, s.runes[hi:]...)
	align = append(align, s.align[hi:]...)
	s.runes, s.align = runes, align
}

// filter drops the runes for which keep is false. Each removal is charged
// to the kept rune before it, as tokenizers does.
func (s *normalized) filter(keep func(rune) bool) {
	drop := 0
	for _, r := range s.runes {
		if !keep(r) {
			drop++
		}
	}
	if drop == 0 {
		return
	}
	dest := make([]change, 0, len(s.runes)-drop)
	leading := 0
	for _, r := range s.runes {
		if keep(r) {
			dest = append(dest, change{r: r})
			continue
		}
		if len(dest) == 0 {
			leading++
		} else {
			dest[len(dest)-1].n--
		}
	}
	s.transform(dest, leading)
}

// mapRunes replaces each rune in place; ranges do not change.
func (s *normalized) mapRunes(f func(rune) rune) {
	for i, r := range s.runes {
		s.runes[i] = f(r)
	}
}

// lowercase applies the full lowercase mapping rune by rune.
func (s *normalized) lowercase() {
	multi := false
	for i, r := range s.runes {
		if r == 0x130 {
			multi = true
			continue
		}
		s.runes[i] = unicode.ToLower(r)
	}
	if !multi {
		return
	}
	dest := make([]change, 0, len(s.runes)+1)
	var buf [2]rune
	for _, r := range s.runes {
		for j, lr := range lowerRunes(buf[:0], r) {
			c := change{r: lr}
			if j > 0 {
				c.n = 1
			}
			dest = append(dest, c)
		}
	}
	s.transform(dest, 0)
}

// Hangul syllable decomposition constants (Unicode chapter 3.12); Go's
// norm.Properties leaves Hangul to the caller.
const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulVCount = 21
	hangulTCount = 28
	hangulNCount = hangulVCount * hangulTCount
	hangulSCount = 19 * hangulNCount
)

// decompose appends the full canonical (or, with compat, compatibility)
// decomposition of r.
func decompose(dst []rune, r rune, form norm.Form) []rune {
	if r < 0xA0 {
		return append(dst, r)
	}
	if r >= hangulSBase && r < hangulSBase+hangulSCount {
		i := r - hangulSBase
		dst = append(dst, hangulLBase+i/hangulNCount, hangulVBase+(i%hangulNCount)/hangulTCount)
		if t := i % hangulTCount; t != 0 {
			dst = append(dst, hangulTBase+t)
		}
		return dst
	}
	var b [utf8.UTFMax]byte
	d := form.Properties(b[:utf8.EncodeRune(b[:], r)]).Decomposition()
	if d == nil {
		return append(dst, r)
	}
	for len(d) > 0 {
		dr, size := utf8.DecodeRune(d)
		dst = append(dst, dr)
		d = d[size:]
	}
	return dst
}

// stableUnder reports that r decomposes to itself and is a starter, so a
// decomposition pass leaves it (and its neighbours' order) alone.
func stableUnder(r rune, form norm.Form) bool {
	if r >= hangulSBase && r < hangulSBase+hangulSCount {
		return false
	}
	var b [utf8.UTFMax]byte
	p := form.Properties(b[:utf8.EncodeRune(b[:], r)])
	return p.Decomposition() == nil && p.CCC() == 0
}

func combiningClass(r rune) uint8 {
	if r < 0x300 {
		return 0
	}
	var b [utf8.UTFMax]byte
	return norm.NFD.Properties(b[:utf8.EncodeRune(b[:], r)]).CCC()
}

// decomposeAll applies NFD (or NFKD).
func (s *normalized) decomposeAll(form norm.Form) {
	same := true
	for _, r := range s.runes {
		if r >= 0xA0 && !stableUnder(r, form) {
			same = false
			break
		}
	}
	if same {
		return
	}
	s.transform(decomposeChanges(s.runes, form), 0)
}

// decomposeChanges describes NFD (or NFKD) of runes: each rune is
// decomposed, its first output replacing it and the rest inserted, then
// runs of combining marks are put in canonical order, the change counts
// travelling with their runes.
func decomposeChanges(runes []rune, form norm.Form) []change {
	dest := make([]change, 0, len(runes)+8)
	var buf [32]rune
	for _, r := range runes {
		for j, dr := range decompose(buf[:0], r, form) {
			c := change{r: dr}
			if j > 0 {
				c.n = 1
			}
			dest = append(dest, c)
		}
	}
	// Canonical ordering: a stable insertion sort by combining class within
	// each run of non-starters. Runs are short (a few marks).
	for i := 1; i < len(dest); i++ {
		ci := combiningClass(dest[i].r)
		if ci == 0 {
			continue
		}
		for j := i; j > 0; j-- {
			cj := combiningClass(dest[j-1].r)
			if cj == 0 || cj <= ci {
				break
			}
			dest[j-1], dest[j] = dest[j], dest[j-1]
		}
	}
	return dest
}

// normalizeForm applies NFC or NFKC as tokenizers does (its
// unicode-normalization-alignments crate): the text is decomposed (NFD or
// NFKD, change counts as in decomposeAll), then recomposed by the canonical
// composition algorithm; a mark that composes into its starter is dropped
// and its change count, less one, is added to the starter's. So "e" U+0301
// U+0302 becomes "é" (which drops the acute's position) and U+0302 (which
// keeps its own), as the reference aligns them.
func (s *normalized) normalizeForm(form norm.Form) {
	if form.IsNormalString(string(s.runes)) {
		return
	}
	decomp := norm.NFD
	if form == norm.NFKC {
		decomp = norm.NFKD
	}
	dest := decomposeChanges(s.runes, decomp)
	out := dest[:0]
	starter := -1 // index in out of the last starter
	lastCCC := -1 // class of the last rune after that starter; -1: none
	for _, c := range dest {
		ccc := int(combiningClass(c.r))
		if starter >= 0 && (lastCCC == -1 || (lastCCC != 0 && lastCCC < ccc)) {
			if r, ok := composePair(out[starter].r, c.r); ok {
				out[starter].r = r
				out[starter].n += c.n - 1
				continue
			}
		}
		if ccc == 0 {
			starter, lastCCC = len(out), -1
		} else if starter >= 0 {
			lastCCC = ccc
		}
		out = append(out, c)
	}
	s.transform(out, 0)
}

// composePair is the primary composite of a starter and the rune after
// it, if there is one.
func composePair(a, b rune) (rune, bool) {
	var buf [2 * utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], a)
	n += utf8.EncodeRune(buf[n:], b)
	c := norm.NFC.Bytes(buf[:n])
	r, size := utf8.DecodeRune(c)
	if size != len(c) || r == a {
		return 0, false
	}
	return r, true
}
