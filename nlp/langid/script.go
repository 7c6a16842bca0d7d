package langid

import "unicode"

// script is the writing system of a letter, as far as language
// identification cares: Han, Hiragana and Katakana are kept apart so the
// kana share can separate Japanese from Chinese.
type script uint8

const (
	scriptNone script = iota
	scriptLatin
	scriptCyrillic
	scriptArabic
	scriptHebrew
	scriptDevanagari
	scriptHan
	scriptKana
	scriptHangul
	scriptGreek
	scriptThai
	scriptGeorgian
	scriptArmenian
	scriptBengali
	scriptTamil
	scriptTelugu
	scriptKannada
	scriptMalayalam
	scriptGujarati
	scriptGurmukhi
	scriptKhmer
	scriptLao
	scriptMyanmar
	scriptSinhala
	scriptEthiopic
	scriptOther
	numScripts
)

// scriptInfo says what a script means for the answer: its ISO 15924 code
// (Result.Script) and, for scripts that only one language masx reports is
// written in, that language.
var scriptInfo = [numScripts]struct {
	iso  string
	lang string
}{
	scriptLatin:      {"Latn", ""},
	scriptCyrillic:   {"Cyrl", ""},
	scriptArabic:     {"Arab", ""},
	scriptHebrew:     {"Hebr", "he"},
	scriptDevanagari: {"Deva", "hi"},
	scriptHan:        {"Hani", "zh"},
	scriptKana:       {"Jpan", "ja"},
	scriptHangul:     {"Hang", "ko"},
	scriptGreek:      {"Grek", "el"},
	scriptThai:       {"Thai", "th"},
	scriptGeorgian:   {"Geor", "ka"},
	scriptArmenian:   {"Armn", "hy"},
	scriptBengali:    {"Beng", "bn"},
	scriptTamil:      {"Taml", "ta"},
	scriptTelugu:     {"Telu", "te"},
	scriptKannada:    {"Knda", "kn"},
	scriptMalayalam:  {"Mlym", "ml"},
	scriptGujarati:   {"Gujr", "gu"},
	scriptGurmukhi:   {"Guru", "pa"},
	scriptKhmer:      {"Khmr", "km"},
	scriptLao:        {"Laoo", "lo"},
	scriptMyanmar:    {"Mymr", "my"},
	scriptSinhala:    {"Sinh", "si"},
	scriptEthiopic:   {"Ethi", "am"},
}

// scriptTables is checked in order after the fast paths in scriptOf.
var scriptTables = []struct {
	s script
	t *unicode.RangeTable
}{
	{scriptCyrillic, unicode.Cyrillic},
	{scriptArabic, unicode.Arabic},
	{scriptHan, unicode.Han},
	{scriptKana, unicode.Hiragana},
	{scriptKana, unicode.Katakana},
	{scriptHangul, unicode.Hangul},
	{scriptDevanagari, unicode.Devanagari},
	{scriptHebrew, unicode.Hebrew},
	{scriptLatin, unicode.Latin},
	{scriptGreek, unicode.Greek},
	{scriptThai, unicode.Thai},
	{scriptGeorgian, unicode.Georgian},
	{scriptArmenian, unicode.Armenian},
	{scriptBengali, unicode.Bengali},
	{scriptTamil, unicode.Tamil},
	{scriptTelugu, unicode.Telugu},
	{scriptKannada, unicode.Kannada},
	{scriptMalayalam, unicode.Malayalam},
	{scriptGujarati, unicode.Gujarati},
	{scriptGurmukhi, unicode.Gurmukhi},
	{scriptKhmer, unicode.Khmer},
	{scriptLao, unicode.Lao},
	{scriptMyanmar, unicode.Myanmar},
	{scriptSinhala, unicode.Sinhala},
	{scriptEthiopic, unicode.Ethiopic},
}

// tatweel (U+0640, script Common) lengthens Arabic words in display
// text; it is neither a letter nor a word break.
const tatweel = 0x0640

// scriptOf returns the script of a letter, or scriptNone for anything that
// is not a letter (digits, punctuation, marks, symbols, spaces).
func scriptOf(r rune) script {
	switch {
	case r < 0x80:
		if r|0x20 >= 'a' && r|0x20 <= 'z' {
			return scriptLatin
		}
		return scriptNone
	case r == tatweel:
		// Kashida only stretches a word for typesetting.
		return scriptNone
	case r == 0x30FC:
		// The prolonged sound mark is script Common but only Japanese
		// writes it (ニュース).
		return scriptKana
	case !unicode.IsLetter(r):
		return scriptNone
	case r < 0x250:
		return scriptLatin
	}
	// Fast paths for the main blocks of the scripts news is written in;
	// every letter in them belongs to the script named.
	switch {
	case r >= 0x0400 && r <= 0x04FF:
		return scriptCyrillic
	case r >= 0x0600 && r <= 0x06FF:
		return scriptArabic
	case r >= 0x05D0 && r <= 0x05EA:
		return scriptHebrew
	case r >= 0x0900 && r <= 0x097F:
		return scriptDevanagari
	case r >= 0x4E00 && r <= 0x9FFF:
		return scriptHan
	case r >= 0x3041 && r <= 0x30FF:
		return scriptKana
	case r >= 0xAC00 && r <= 0xD7A3:
		return scriptHangul
	}
	for _, st := range scriptTables {
		if unicode.Is(st.t, r) {
			return st.s
		}
	}
	return scriptOther
}

// weight is how much evidence one letter of a script carries, in Latin
// letters: a Han character or Hangul syllable stands for a syllable or a
// word, so it counts three. MinLetters is measured in these units.
func (s script) weight() int {
	switch s {
	case scriptHan, scriptKana, scriptHangul:
		return 3
	default:
		return 1
	}
}
