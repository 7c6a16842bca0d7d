package tokenizer

import "unicode"

// Character classes, defined the way Hugging Face tokenizers defines them so
// that token boundaries match it exactly. Go's unicode tables (Unicode 15)
// stand in for the Rust crates tokenizers uses; they agree on every character
// of the golden corpus.

// isWhitespace is Rust's char::is_whitespace: the Unicode White_Space
// property (tab, newline, carriage return, NBSP, NEL and the Z* spaces).
func isWhitespace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.Is(unicode.White_Space, r)
}

// isBertWhitespace is BertNormalizer's whitespace test: \t, \n and \r are
// control characters in Unicode but count as whitespace here.
func isBertWhitespace(r rune) bool { return isWhitespace(r) }

// isBertControl is BertNormalizer's control test: general categories Cc, Cf
// and Co, except \t, \n and \r (which are whitespace).
func isBertControl(r rune) bool {
	switch r {
	case '\t', '\n', '\r':
		return false
	}
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isPunctuation is the BERT punctuation test: every ASCII symbol (so "$",
// "+", "^" and "`" split words although Unicode calls them symbols) plus
// the Unicode P* categories.
func isPunctuation(r rune) bool {
	if r < 0x80 {
		return (r >= 0x21 && r <= 0x2f) || (r >= 0x3a && r <= 0x40) ||
			(r >= 0x5b && r <= 0x60) || (r >= 0x7b && r <= 0x7e)
	}
	return unicode.In(r, unicode.P)
}

// isChineseChar reports the CJK ideograph blocks BERT surrounds with spaces.
// The ranges are those of tokenizers' BertNormalizer, including its start of
// extension E at U+2B920 (BERT's Python code says U+2B820).
func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

// isNonspacingMark is general category Mn, what StripAccents removes.
func isNonspacingMark(r rune) bool {
	return r >= 0x300 && unicode.Is(unicode.Mn, r)
}

// isWordChar is \w as Oniguruma defines it with Unicode: letters, marks,
// decimal numbers and connector punctuation.
func isWordChar(r rune) bool {
	if r < 0x80 {
		return r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.Nd, unicode.Pc)
}

// lowerRunes appends the full lowercase mapping of r, as Rust's
// char::to_lowercase does: one rune, except U+0130 (İ) which becomes
// "i" + U+0307 COMBINING DOT ABOVE.
func lowerRunes(dst []rune, r rune) []rune {
	if r == 0x130 {
		return append(dst, 'i', 0x307)
	}
	return append(dst, unicode.ToLower(r))
}

// isNumeric is Rust's char::is_numeric: general categories Nd, Nl and No.
func isNumeric(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9'
	}
	return unicode.IsNumber(r)
}
