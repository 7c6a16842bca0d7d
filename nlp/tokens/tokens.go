// Package tokens splits text into lowercased word tokens for the bag-of-words
// models in masx (sentence scoring in nlp/summarize, TF-IDF vectors in
// nlp/vectorize). It exists so both packages see exactly the same words.
//
// Rules, in order:
//   - Text is NFKC-folded (full-width letters and digits, ligatures and
//     compatibility forms become their plain forms), then lowercased rune by
//     rune.
//   - A word is a run of letters, digits and combining marks (marks matter:
//     Devanagari and Arabic vowel signs are marks). An apostrophe or a period
//     between two such runes stays inside the word, so "don't", "u.s" and
//     "3.5" are single tokens; a hyphen splits ("pro-russian" → "pro",
//     "russian").
//   - A trailing possessive "'s" is dropped, and a short elided prefix is
//     dropped ("l'armée" → "armée", "d'italia" → "italia").
//   - Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao,
//     Khmer, Myanmar) have no word boundaries we can find without a
//     dictionary, so each run becomes overlapping character bigrams
//     ("北京大学" → "北京", "京大", "大学"); a run of one character is
//     kept as a unigram. Bigrams are the usual dictionary-free choice for
//     CJK retrieval and work well for TF-IDF.
//   - One-rune tokens from spaced scripts ("a", "5") and tokens longer than
//     [MaxTokenRunes] (base64 blobs, run-together URLs) are dropped.
//
// [Terms] also drops stopwords: a short hand-made list for English, French,
// German, Spanish, Italian, Portuguese, Russian and Arabic. IDF already
// discounts common words; the list only keeps the most frequent function
// words from dominating short sentences.
//
// It allocates one string per token (BenchmarkTerms; docs/performance.md).
package tokens

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTokenRunes is the longest token kept, in runes. Longer runs of letters
// are almost always junk (encoded data, URLs without separators) and would
// only add unique features.
const MaxTokenRunes = 48

// Words returns the word tokens of text, stopwords included, in order.
func Words(text string) []string { return appendTokens(nil, text, true) }

// Terms returns the word tokens of text without stopwords, in order. This is
// what the TF-IDF models count.
func Terms(text string) []string { return appendTokens(nil, text, false) }

// IsStopword reports whether w, a lowercased token, is on the stopword list.
func IsStopword(w string) bool {
	_, ok := stopwords[w]
	return ok
}

// unsegmented reports whether r belongs to a script written without spaces
// between words.
func unsegmented(r rune) bool {
	if r < 0x0E00 { // fast path: Latin, Greek, Cyrillic, Arabic, Devanagari…
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

type tokenizer struct {
	out      []string
	keepStop bool
	word     []byte // current word, lowercased UTF-8
	run      []rune // current unsegmented run
}

func (t *tokenizer) emit(w string) {
	if !t.keepStop && IsStopword(w) {
		return
	}
	t.out = append(t.out, w)
}

func (t *tokenizer) flushWord() {
	w := t.word
	t.word = t.word[:0]
	if n := len(w); n >= 2 && w[n-1] == 's' && w[n-2] == '\'' {
		w = w[:n-2]
	}
	// Elided prefix: one or two letters, an apostrophe, then a real word.
	if _, s0 := utf8.DecodeRune(w); s0 < len(w) {
		at := -1
		if w[s0] == '\'' {
			at = s0
		} else if _, s1 := utf8.DecodeRune(w[s0:]); s0+s1 < len(w) && w[s0+s1] == '\'' {
			at = s0 + s1
		}
		if at > 0 && utf8.RuneCount(w[at+1:]) >= 3 {
			w = w[at+1:]
		}
	}
	if n := utf8.RuneCount(w); n < 2 || n > MaxTokenRunes {
		return
	}
	t.emit(string(w))
}

func (t *tokenizer) flushRun() {
	r := t.run
	t.run = t.run[:0]
	switch {
	case len(r) == 0:
	case len(r) == 1:
		t.emit(string(r))
	default:
		for i := 0; i+1 < len(r); i++ {
			t.emit(string(r[i : i+2]))
		}
	}
}

func appendTokens(dst []string, text string, keepStop bool) []string {
	text = norm.NFKC.String(text)
	t := tokenizer{out: dst, keepStop: keepStop}
	for i, r := range text {
		switch {
		case unsegmented(r) && (unicode.IsLetter(r) || unicode.IsMark(r)) || r == 'ー':
			// ー (prolonged sound mark) is script Common but only occurs
			// inside Japanese words.
			if len(t.word) > 0 {
				t.flushWord()
			}
			t.run = append(t.run, r)
		case wordRune(r):
			if len(t.run) > 0 {
				t.flushRun()
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				t.word = append(t.word, byte(r))
			} else {
				t.word = utf8.AppendRune(t.word, unicode.ToLower(r))
			}
		case (r == '\'' || r == '’' || r == '.') && len(t.word) > 0:
			// Keep it only between two word runes of a spaced script.
			next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):])
			if wordRune(next) && !unsegmented(next) {
				if r == '.' {
					t.word = append(t.word, '.')
				} else {
					t.word = append(t.word, '\'') // ’ too
				}
			} else {
				t.flushWord()
			}
		default:
			if len(t.word) > 0 {
				t.flushWord()
			}
			if len(t.run) > 0 {
				t.flushRun()
			}
		}
	}
	if len(t.word) > 0 {
		t.flushWord()
	}
	if len(t.run) > 0 {
		t.flushRun()
	}
	return t.out
}

var stopwords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, list := range []string{stopEN, stopFR, stopDE, stopES, stopIT, stopPT, stopRU, stopAR} {
		for _, w := range strings.Fields(list) {
			m[w] = struct{}{}
		}
	}
	return m
}()

// The lists are deliberately short: pronouns, articles, auxiliaries,
// prepositions and conjunctions, plus reporting verbs that fill news text.
const (
	stopEN = `a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he he'd he'll her here hers herself
him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just let's me more most mustn't
my myself no nor not now of off on once only or other ought our ours ourselves out over own same shan't she
she'd she'll should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up very was wasn't we
we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's
will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves said says say
saying told according one two also may might must shall would could upon via yet`
	stopFR = `au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos
votre vous est sont été être avait ont cette cet plus selon comme aussi été fait`
	stopDE = `aber als am an auch auf aus bei bin bis bist da dann das dass dem den der des die dies diese
dieser dieses doch dort du durch ein eine einem einen einer eines er es für hat hatte hatten ich ihr ihre im
in ist ja kann mit nach nicht noch nur oder sein sich sie sind so über um und uns unter vom von vor war waren
was wie wir wird wurde wurden zu zum zur zwischen`
	stopES = `al como con de del el ella ellos en entre era es esta este esto fue ha han hay la las le les lo
los más me mi no nos o para pero por que se ser si sin sobre son su sus también te tu un una uno y ya según`
	stopIT = `al alla alle anche che chi ci come con da dal dalla degli dei del della delle di e è gli ha hanno
il in la le lo ma nel nella non per più se si sono su sua suo tra un una uno`
	stopPT = `ao aos as com como da das de do dos e é ela ele eles em entre era foi há isso já mais mas na
nas no nos o os ou para pela pelo por que se sem ser seu sua são também um uma`
	stopRU = `а без был была были было в вы да для до его ее её если есть еще ещё же за и из или им их к как
ко когда кто ли мы на над не нет но о об однако он она они оно от по при с со так также то тоже только ты у
уже что чтобы это этот эта эти я`
	stopAR = `في من على إلى الى عن مع هذا هذه ذلك التي الذي الذين أن إن أو ثم كان كانت قد لا ما هو هي
بين كل بعد قبل حتى عند وقد وفي ومن`
)
