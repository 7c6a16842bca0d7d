package summarize

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/masx-ai/masx/nlp/tokens"
)

// sparse is an L2-normalised TF-IDF vector: feature ids in ascending order
// and their weights.
type sparse struct {
	ids []int32
	w   []float32
}

// sent is one sentence of a document with what scoring needs.
type sent struct {
	text     string
	words    int      // tokens, stopwords included
	terms    []string // tokens without stopwords
	features []int32  // unigram and bigram ids, one per occurrence
	vec      sparse
	number   bool
	date     bool
	entity   bool
	rel      float64 // relevance in [0, 1]
}

// corpus holds sentences and a feature vocabulary. IDF is fitted on the
// sentences themselves: the document is its own corpus.
type corpus struct {
	sents []*sent
	vocab map[string]int32
	df    []int32
	idf   []float64
}

// newCorpus tokenises the sentences and builds 1–2-gram TF-IDF vectors.
func newCorpus(texts []string) *corpus {
	c := &corpus{vocab: map[string]int32{}}
	var bigram strings.Builder
	for _, text := range texts {
		s := &sent{text: text}
		words := tokens.Words(text)
		s.words = len(words)
		for _, w := range words {
			if !tokens.IsStopword(w) {
				s.terms = append(s.terms, w)
			}
		}
		for i, w := range s.terms {
			s.features = append(s.features, c.id(w))
			if i > 0 {
				bigram.Reset()
				bigram.WriteString(s.terms[i-1])
				bigram.WriteByte(' ')
				bigram.WriteString(w)
				s.features = append(s.features, c.id(bigram.String()))
			}
		}
		c.sents = append(c.sents, s)
	}
	c.df = make([]int32, len(c.vocab))
	for _, s := range c.sents {
		slices.Sort(s.features)
		for i, f := range s.features {
			if i == 0 || s.features[i-1] != f {
				c.df[f]++
			}
		}
	}
	n := float64(len(c.sents))
	c.idf = make([]float64, len(c.df))
	for f, df := range c.df {
		// Smoothed IDF, as in most TF-IDF implementations: never zero, so
		// a term in every sentence still counts a little.
		c.idf[f] = math.Log((1+n)/(1+float64(df))) + 1
	}
	for _, s := range c.sents {
		s.vec = c.vector(s.features)
	}
	return c
}

func (c *corpus) id(f string) int32 {
	if id, ok := c.vocab[f]; ok {
		return id
	}
	id := int32(len(c.vocab))
	c.vocab[f] = id
	return id
}

// vector turns sorted feature occurrences into an L2-normalised vector with
// sublinear term frequency.
func (c *corpus) vector(features []int32) sparse {
	var v sparse
	var norm float64
	for i := 0; i < len(features); {
		j := i
		for j < len(features) && features[j] == features[i] {
			j++
		}
		w := (1 + math.Log(float64(j-i))) * c.idf[features[i]]
		v.ids = append(v.ids, features[i])
		v.w = append(v.w, float32(w))
		norm += w * w
		i = j
	}
	if norm > 0 {
		inv := 1 / math.Sqrt(norm)
		for i := range v.w {
			v.w[i] = float32(float64(v.w[i]) * inv)
		}
	}
	return v
}

// Weights of the relevance score. The original system scored TF-IDF,
// length, numbers and position and added 0.25 for entities or dates; these
// weights are ours, chosen so that the bonus moves a sentence about as much
// as being in the first rather than the last third of the text.
const (
	wTFIDF    = 0.45
	wLength   = 0.15
	wNumber   = 0.10
	wPosition = 0.20
)

// score sets rel for every sentence: TF-IDF salience, length, numbers,
// position and the entity/date bonus, scaled so the best sentence has 1.
func (c *corpus) score(topEntities int, bonus float64) {
	n := len(c.sents)
	if n == 0 {
		return
	}
	// Document-level term weight: how often the document uses a feature,
	// times its IDF. Topic words (many sentences) outweigh one-off words.
	docTF := make([]float64, len(c.df))
	for _, s := range c.sents {
		for _, f := range s.features {
			docTF[f]++
		}
	}
	salience := make([]float64, n)
	maxSal := 0.0
	for i, s := range c.sents {
		if len(s.vec.ids) == 0 {
			continue
		}
		sum := 0.0
		for _, f := range s.vec.ids {
			sum += (1 + math.Log(docTF[f])) * c.idf[f]
		}
		salience[i] = sum / math.Sqrt(float64(len(s.vec.ids)))
		maxSal = max(maxSal, salience[i])
	}
	markEntities(c.sents, topEntities)
	best := 0.0
	for i, s := range c.sents {
		r := wLength*lengthScore(s.words) + wPosition*(1-float64(i)/float64(n))
		if maxSal > 0 {
			r += wTFIDF * salience[i] / maxSal
		}
		s.number = hasDigit(s.text)
		if s.number {
			r += wNumber
		}
		s.date = hasDate(s.text)
		if s.entity || s.date {
			r += bonus
		}
		s.rel = r
		best = max(best, r)
	}
	if best > 0 {
		for _, s := range c.sents {
			s.rel /= best
		}
	}
}

// lengthScore prefers sentences of 12–35 words: fragments and run-ons carry
// less per character of budget.
func lengthScore(words int) float64 {
	switch {
	case words < 3:
		return 0.1
	case words < 12:
		return float64(words) / 12
	case words <= 35:
		return 1
	default:
		return 35 / float64(words)
	}
}

func hasDigit(s string) bool {
	for _, r := range s {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// hasDate reports whether s mentions a date. Every form but a weekday
// holds an ASCII digit, so the date pattern runs only on a short window
// around each run of digits: the pattern is a large alternation, and running
// it over whole sentences made it most of the cost of Compress.
func hasDate(s string) bool {
	if strings.Contains(s, "day") && weekdayRE.MatchString(s) {
		return true
	}
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], "0123456789")
		if j < 0 {
			return false
		}
		j += i
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		// A month name of up to 10 letters may precede the digits; "de
		// septiembre" or a Cyrillic month (2 bytes a letter) may follow.
		if dateRE.MatchString(s[max(0, j-16):min(len(s), k+40)]) {
			return true
		}
		i = k
	}
	return false
}

// dateRE finds dates without a tagger: numeric dates, day–month or
// month–day with month names in English, French, German, Spanish, Italian,
// Portuguese and Russian, CJK and Korean date forms, and bare years
// 1900–2099. Each form holds a digit; see hasDate.
var dateRE = regexp.MustCompile(`\b\d{4}-\d{1,2}-\d{1,2}\b` +
	`|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b` +
	`|\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+\d{1,2}\b` +
	`|\b\d{1,2}(?:st|nd|rd|th)?\.?\s+(?:of\s+|de\s+)?(?i:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|januar|februar|märz|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)` +
	`|\d{1,4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*년|\d{1,2}\s*월\s*\d{1,2}\s*일` +
	`|\b(?:19|20)\d{2}\b`)

// weekdayRE finds English weekday names, the one date form without digits.
var weekdayRE = regexp.MustCompile(`\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b`)

// numberRE finds numbers worth treating as entities when they recur:
// "40,000", "3.5%", "2334".
var numberRE = regexp.MustCompile(`\d+(?:[.,]\d+)*%?`)

// connectors may sit inside a capitalised name: "Bank of England",
// "Mohammed bin Salman", "Charles de Gaulle".
var connectors = map[string]bool{"of": true, "de": true, "del": true, "la": true, "le": true,
	"von": true, "van": true, "der": true, "bin": true, "al": true, "da": true, "di": true}

// markEntities finds salient entities without a tagger and sets entity on
// every sentence that holds one of the top ones. Candidates are capitalised
// phrases (not counting a capitalised first word that never recurs
// mid-sentence) and numbers of two or more digits; salience is the number of
// sentences that mention a candidate.
func markEntities(sents []*sent, top int) {
	type cand struct {
		key      string
		count    int
		first    int
		midSeen  bool // seen somewhere other than sentence-initially
		sentsHit []int
	}
	byKey := map[string]*cand{}
	var order []*cand
	add := func(key string, si int, initial bool) {
		c := byKey[key]
		if c == nil {
			c = &cand{key: key, first: si}
			byKey[key] = c
			order = append(order, c)
		}
		if !initial {
			c.midSeen = true
		}
		if len(c.sentsHit) == 0 || c.sentsHit[len(c.sentsHit)-1] != si {
			c.sentsHit = append(c.sentsHit, si)
			c.count++
		}
	}
	for si, s := range sents {
		for _, p := range capitalisedPhrases(s.text) {
			add(p.text, si, p.initial)
		}
		for _, m := range numberRE.FindAllString(s.text, 64) {
			if digits(m) >= 2 {
				add(m, si, false)
			}
		}
	}
	var cands []*cand
	for _, c := range order {
		if c.midSeen {
			cands = append(cands, c)
		}
	}
	slices.SortStableFunc(cands, func(a, b *cand) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return a.first - b.first
	})
	if len(cands) > top {
		cands = cands[:top]
	}
	for _, c := range cands {
		for _, si := range c.sentsHit {
			sents[si].entity = true
		}
	}
}

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

type phrase struct {
	text    string
	initial bool // starts at the first word of the sentence
}

// capitalisedPhrases returns runs of capitalised words, joined by
// connectors, with punctuation stripped. A sentence-initial stopword ("The",
// "In") is not part of a name.
func capitalisedPhrases(text string) []phrase {
	var out []phrase
	var cur []string
	curInitial := false
	flush := func() {
		for len(cur) > 0 && connectors[cur[len(cur)-1]] {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			// Only a lone capitalised first word is doubtful; "Prime
			// Minister Modi" at the start is still a name.
			out = append(out, phrase{strings.Join(cur, " "), curInitial && len(cur) == 1})
		}
		cur = cur[:0]
	}
	for wi, raw := range strings.Fields(text) {
		word := strings.TrimFunc(raw, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		r, _ := utf8.DecodeRuneInString(word)
		switch {
		case word == "":
			flush()
			continue
		case unicode.IsUpper(r) && utf8.RuneCountInString(word) >= 2:
			if wi == 0 && tokens.IsStopword(strings.ToLower(word)) {
				continue
			}
			if len(cur) == 0 {
				curInitial = wi == 0
			}
			cur = append(cur, word)
		case len(cur) > 0 && connectors[word]:
			cur = append(cur, word)
		default:
			flush()
			continue
		}
		// Punctuation after a word ends the phrase: "Kyiv, Moscow".
		last, _ := utf8.DecodeLastRuneInString(raw)
		if !unicode.IsLetter(last) && !unicode.IsDigit(last) {
			flush()
		}
	}
	flush()
	return out
}
