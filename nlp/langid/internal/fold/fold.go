// Package fold maps letter variants that writers use interchangeably to
// one form, for both the langid model (at generation) and the text it
// scores: the two must fold alike, so the table lives here once.
package fold

// Rune returns the folded form of a lowercase letter.
//
// Persian and Urdu have their own yeh (ی U+06CC) and kaf (ک U+06A9), but
// many sites type the Arabic ones (ي U+064A, ك U+0643), and Arabic text
// often writes ي as alef maksura (ى U+0649). Keeping them apart made 30
// of 62 Persian and Urdu test paragraphs typed with the Arabic letters
// unreadable; folded, the rest of the spelling tells the three languages
// apart (TestRobustness).
func Rune(r rune) rune {
	switch r {
	case 0x064A, 0x0649: // ي ى
		return 0x06CC // ی
	case 0x0643: // ك
		return 0x06A9 // ک
	}
	return r
}
