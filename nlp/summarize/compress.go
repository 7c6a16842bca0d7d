package summarize

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/masx-ai/masx/nlp/sentences"
)

// Defaults for [Options]; a zero field means its default.
const (
	DefaultLambda       = 0.7  // MMR weight of relevance against redundancy
	DefaultMinFraction  = 0.20 // share of sentences kept from long texts
	DefaultMaxFraction  = 0.40 // share of sentences kept from short texts
	DefaultTopEntities  = 15   // entities whose sentences get the bonus
	DefaultEntityBonus  = 0.25 // added for a top entity or a date
	DefaultDupThreshold = 0.8  // cosine at which a sentence repeats a kept one
	DefaultJaccard      = 0.7  // term-set overlap at which it does too

	// ShortChars and LongChars bound the adaptation of the kept fraction:
	// texts up to ShortChars keep MaxFraction, texts from LongChars keep
	// MinFraction, and in between the fraction falls with log(length).
	ShortChars = 1500
	LongChars  = 15000
)

// ErrInvalidOptions matches every error about a bad [Options] field.
var ErrInvalidOptions = errors.New("invalid summarize options")

// Options tunes compression and summaries. The zero value gives the
// defaults above.
type Options struct {
	// Lambda is the MMR trade-off in (0, 1]: 1 ranks by relevance alone,
	// lower values favour sentences unlike those already kept. Default 0.7.
	Lambda float64
	// MinFraction and MaxFraction bound the share of sentences Compress
	// keeps, in (0, 1] with MinFraction ≤ MaxFraction. Defaults 0.2, 0.4.
	MinFraction, MaxFraction float64
	// TopEntities is how many salient entities earn their sentences the
	// bonus. Default 15.
	TopEntities int
	// EntityBonus is added to the relevance of a sentence holding a top
	// entity or a date, before relevance is scaled to [0, 1]. Default 0.25.
	EntityBonus float64
	// DupThreshold is the cosine similarity (1–2-gram TF-IDF) at or above
	// which a sentence is dropped as a near-duplicate of a kept one, in
	// (0, 1]. Default 0.8.
	DupThreshold float64
	// Jaccard is the overlap of the sets of content words at or above which
	// a sentence is a near-duplicate, in (0, 1]. Default 0.7.
	Jaccard float64
}

func (o Options) withDefaults() (Options, error) {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Lambda, DefaultLambda)
	def(&o.MinFraction, DefaultMinFraction)
	def(&o.MaxFraction, DefaultMaxFraction)
	def(&o.EntityBonus, DefaultEntityBonus)
	def(&o.DupThreshold, DefaultDupThreshold)
	def(&o.Jaccard, DefaultJaccard)
	if o.TopEntities == 0 {
		o.TopEntities = DefaultTopEntities
	}
	unit := func(name string, v float64) error {
		if !(v > 0 && v <= 1) {
			return fmt.Errorf("%w: %s = %v, want a number in (0, 1]", ErrInvalidOptions, name, v)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Lambda", o.Lambda}, {"MinFraction", o.MinFraction}, {"MaxFraction", o.MaxFraction},
		{"DupThreshold", o.DupThreshold}, {"Jaccard", o.Jaccard}} {
		if err := unit(f.name, f.v); err != nil {
			return o, err
		}
	}
	switch {
	case o.MinFraction > o.MaxFraction:
		return o, fmt.Errorf("%w: MinFraction = %v is above MaxFraction = %v", ErrInvalidOptions, o.MinFraction, o.MaxFraction)
	case o.TopEntities < 0:
		return o, fmt.Errorf("%w: TopEntities = %d, want 0 (default) or more", ErrInvalidOptions, o.TopEntities)
	case o.EntityBonus < 0 || math.IsNaN(o.EntityBonus) || math.IsInf(o.EntityBonus, 0):
		return o, fmt.Errorf("%w: EntityBonus = %v, want a finite number ≥ 0", ErrInvalidOptions, o.EntityBonus)
	}
	return o, nil
}

// Budget caps the size of a compressed text. The zero value sets no cap:
// only the kept fraction limits the result.
type Budget struct {
	// Max is the most units the result may hold, separators included;
	// 0 or less means no cap.
	Max int
	// Count measures text in the budget's units, for example a model
	// tokenizer's token count. It should be additive: the count of two
	// texts joined is the sum of their counts plus the separator's. Nil
	// counts characters (runes).
	Count func(string) int
}

func (b Budget) count(s string) int {
	if b.Count == nil {
		return utf8.RuneCountInString(s)
	}
	return b.Count(s)
}

// Result is a compressed text and what happened to it.
type Result struct {
	Text      string
	Sentences int // sentences in the input
	Kept      int // sentences in Text
	// InputUnits and OutputUnits measure input and output in the budget's
	// units (characters unless Budget.Count is set).
	InputUnits, OutputUnits int
	// Truncated is set when not even one whole sentence fit the budget and
	// Text is the best sentence cut at a word boundary.
	Truncated bool
}

// Compress keeps the most informative 20–40 % of the sentences of text,
// within budget, in their original order. Empty and one-sentence texts come
// back unchanged when they fit the budget. See the package documentation
// for the scoring.
func Compress(text string, budget Budget) string {
	r, _ := CompressWith(text, budget, Options{}) // default options are valid
	return r.Text
}

// CompressWith is [Compress] with options and statistics. It fails only on
// invalid options, with an error matching [ErrInvalidOptions].
func CompressWith(text string, budget Budget, opts Options) (Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	sents := sentences.Split(text)
	res := Result{Sentences: len(sents), InputUnits: budget.count(text)}
	if len(sents) <= 1 {
		res.Text = text
		if len(sents) == 1 && budget.Max > 0 && res.InputUnits > budget.Max {
			res.Text = truncate(sents[0], budget)
			res.Truncated = true
		}
		res.Kept = len(sents)
		if res.Text == "" {
			res.Kept = 0
		}
		res.OutputUnits = budget.count(res.Text)
		return res, nil
	}
	frac := keptFraction(utf8.RuneCountInString(text), o)
	k := max(1, int(math.Round(frac*float64(len(sents)))))
	c := newCorpus(sents)
	c.score(o.TopEntities, o.EntityBonus)
	taken := c.selectMMR(k, o, budget)
	if len(taken) == 0 {
		// Not one sentence fits: cut the most relevant one.
		best := 0
		for i, s := range c.sents {
			if s.rel > c.sents[best].rel {
				best = i
			}
		}
		res.Text = truncate(c.sents[best].text, budget)
		res.Truncated = true
		res.Kept = 1
		res.OutputUnits = budget.count(res.Text)
		return res, nil
	}
	slices.Sort(taken)
	parts := make([]string, len(taken))
	for i, idx := range taken {
		parts[i] = c.sents[idx].text
	}
	res.Text = join(parts)
	res.Kept = len(taken)
	res.OutputUnits = budget.count(res.Text)
	return res, nil
}

// Summarize returns an extractive summary of text: n sentences chosen by
// relevance and MMR, in their original order. n ≤ 0 picks the count the way
// [Compress] does (20–40 % of the sentences). A text of one sentence is its
// own summary; an empty one has none.
func Summarize(text string, n int) []string {
	out, _ := SummarizeWith(text, n, Options{})
	return out
}

// SummarizeWith is [Summarize] with options; it fails only on invalid
// options.
func SummarizeWith(text string, n int, opts Options) ([]string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	sents := sentences.Split(text)
	if len(sents) <= 1 {
		return sents, nil
	}
	if n <= 0 {
		n = max(1, int(math.Round(keptFraction(utf8.RuneCountInString(text), o)*float64(len(sents)))))
	}
	c := newCorpus(sents)
	c.score(o.TopEntities, o.EntityBonus)
	taken := c.selectMMR(n, o, Budget{})
	slices.Sort(taken)
	out := make([]string, len(taken))
	for i, idx := range taken {
		out[i] = c.sents[idx].text
	}
	return out, nil
}

// keptFraction falls from MaxFraction at ShortChars to MinFraction at
// LongChars, linearly in log(length).
func keptFraction(chars int, o Options) float64 {
	switch {
	case chars <= ShortChars:
		return o.MaxFraction
	case chars >= LongChars:
		return o.MinFraction
	}
	t := math.Log(float64(chars)/ShortChars) / math.Log(float64(LongChars)/ShortChars)
	return o.MaxFraction - t*(o.MaxFraction-o.MinFraction)
}

// selectMMR takes up to k sentences by MMR, skipping near-duplicates of
// kept sentences and sentences that no longer fit the budget.
func (c *corpus) selectMMR(k int, o Options, budget Budget) []int {
	vecs := make([]sparse, len(c.sents))
	rel := make([]float64, len(c.sents))
	for i, s := range c.sents {
		vecs[i], rel[i] = s.vec, s.rel
	}
	sel := newSelector(vecs, rel, len(c.vocab), o.Lambda)
	used, sepUnits := 0, 0
	if budget.Max > 0 {
		// The separator is not known until the order is: take the larger.
		sepUnits = max(budget.count(" "), budget.count("\n"))
	}
	var keptTerms []map[string]bool
	return sel.run(k, func(i int) bool {
		s := c.sents[i]
		if sel.maxSim[i] >= o.DupThreshold {
			return false
		}
		terms := termSet(s.terms)
		for _, kt := range keptTerms {
			if jaccard(terms, kt) >= o.Jaccard {
				return false
			}
		}
		if budget.Max > 0 {
			need := budget.count(s.text)
			if used > 0 {
				need += sepUnits
			}
			if used+need > budget.Max {
				return false
			}
			used += need
		}
		keptTerms = append(keptTerms, terms)
		return true
	})
}

func termSet(terms []string) map[string]bool {
	m := make(map[string]bool, len(terms))
	for _, t := range terms {
		m[t] = true
	}
	return m
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// join puts sentences back together: with a space, with a line break after
// a sentence that ends without punctuation (a headline, a list item) so it
// does not run into the next one, and with nothing between two sentences of
// a script written without spaces (CJK, Thai).
func join(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(parts[i-1])
			next, _ := utf8.DecodeRuneInString(p)
			switch {
			case unicode.IsLetter(prev) || unicode.IsDigit(prev):
				b.WriteByte('\n')
			case spaceless(prev) && spaceless(next):
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

func spaceless(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai) ||
		strings.ContainsRune("。！？｡」』）】", r)
}

// truncate cuts s to fit budget at the last word boundary that fits, or at
// a rune boundary when s has no spaces (CJK). An empty result means not even
// one rune fits.
func truncate(s string, budget Budget) string {
	if budget.Max <= 0 || budget.count(s) <= budget.Max {
		return s
	}
	// Binary search on rune offsets for the longest prefix that fits.
	offs := make([]int, 0, len(s))
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	lo, hi := 0, len(offs)-1 // offs[lo] fits (empty prefix), offs[hi] does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if budget.count(s[:offs[mid]]) <= budget.Max {
			lo = mid
		} else {
			hi = mid
		}
	}
	cut := s[:offs[lo]]
	if sp := strings.LastIndexFunc(cut, unicode.IsSpace); sp > 0 && utf8.RuneCountInString(cut[sp:]) < 40 {
		cut = cut[:sp]
	}
	return strings.TrimRightFunc(cut, unicode.IsSpace)
}
