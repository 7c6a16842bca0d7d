package langid

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"unicode"

	"github.com/masx-ai/masx/nlp/langid/internal/fold"
)

// Und is the answer when the text is too short, has no letters, is in a
// language Detect does not report, or no language is likely enough.
const Und = "und"

// Defaults for the zero fields of Options.
const (
	// MaxCharsDefault: the start of an article as masx passes it. Scoring
	// usually settles within 300 letters (see prune), so the rest of the
	// window costs only the script count.
	MaxCharsDefault = 1000
	// MinLettersDefault: at about 10 letters (two words) fewer than half
	// the answers are right (TestShortTexts); 12 letters is four Han
	// characters.
	MinLettersDefault = 12
	// MinConfidenceDefault: below even odds the guess is not worth acting on.
	MinConfidenceDefault = 0.5
	// maxCharsLimit bounds Options.MaxChars so one call stays cheap.
	maxCharsLimit = 1 << 20
)

// Scoring constants, in nats. See the package doc for how they were chosen.
const (
	// fitMargin and fitSpan bound the winner's average cost per letter
	// above the script's typical cost (typicalCost): up to typical +
	// fitMargin the text reads like the language; Confidence then falls
	// linearly to 0 at typical + fitMargin + fitSpan, where text reads like
	// a language the model lacks, or like noise.
	fitMargin = 0.5
	fitSpan   = 1.0
	// lengthRef is the letter count (in weight units) at which a script
	// alone is full evidence; hanRef is larger because a short run of Han
	// characters may still be a Japanese headline without kana.
	lengthRef = 20
	hanRef    = 60
	// hiraganaShareJa is the hiragana share of Han+kana letters from which
	// text is Japanese: Japanese prose has 30–60 %, Chinese none (it may
	// quote a katakana name, which is why katakana does not count here).
	hiraganaShareJa = 0.05
)

// typicalCost is the median cost per letter, in nats, of the test
// paragraphs of each script's languages under their own model (measured by
// TestFitReference): scripts differ because Devanagari vowel signs split
// words into short runs and Arabic script omits short vowels.
var typicalCost = map[script]float64{
	scriptLatin:      2.25,
	scriptCyrillic:   2.35,
	scriptArabic:     2.55,
	scriptDevanagari: 3.25,
}

// ErrInvalidOptions is wrapped by every error New returns for a bad
// Options field.
var ErrInvalidOptions = errors.New("invalid langid options")

// Options configures a Detector. The zero value is ready to use.
type Options struct {
	// Languages lists the ISO 639-1 codes Detect may answer; text in any
	// other language comes back as Und. Default (empty): every code in
	// Languages().
	Languages []string
	// MaxChars is how many leading characters (runes) of the text are
	// read; the rest is ignored. Default MaxCharsDefault (1000), at most
	// 1,048,576.
	MaxChars int
	// MinLetters: text with fewer letters is Und. Han, kana and Hangul
	// count three each. Default MinLettersDefault (12).
	MinLetters int
	// MinConfidence: a guess below it is Und. Default
	// MinConfidenceDefault (0.5); it must lie in [0, 1].
	MinConfidence float64
}

// Result is what Detect found.
type Result struct {
	// Lang is an ISO 639-1 code, or Und.
	Lang string `json:"lang"`
	// Confidence in [0, 1]: how likely Lang is right; 0 when Lang is Und.
	Confidence float64 `json:"confidence"`
	// Script is the ISO 15924 code of the text's main writing system
	// ("Latn", "Cyrl", "Arab", "Hani", "Jpan", …), "" without letters.
	Script string `json:"script,omitempty"`
}

// Detector identifies the language of a text. It is immutable and safe
// for concurrent use; Detect does not allocate.
type Detector struct {
	maxChars      int
	minLetters    int
	minConfidence float64
	m             *model
	// single[s] is the language a script stands for, "" if not allowed.
	single [numScripts]string
	// groups holds, for scripts scored with the n-gram model, the table
	// columns and codes of the allowed languages.
	groups [numScripts]*group
}

type group struct {
	t       *table
	cols    []int
	codes   []string
	fitGood float64 // nats per letter
}

// maxGroupLangs bounds the per-call cost arrays, which live on the stack.
const maxGroupLangs = 48

// Languages returns the ISO 639-1 codes a Detector can report, sorted.
func Languages() []string {
	m, err := sharedModel()
	var out []string
	if err == nil {
		for _, t := range m.tables {
			out = append(out, t.langs...)
		}
	}
	for _, si := range scriptInfo {
		if si.lang != "" {
			out = append(out, si.lang)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// New returns a Detector for opts. It fails only on invalid options
// (errors wrap ErrInvalidOptions and name the field) or if the embedded
// model cannot be read.
func New(opts Options) (*Detector, error) {
	m, err := sharedModel()
	if err != nil {
		return nil, err
	}
	d := &Detector{
		maxChars:      opts.MaxChars,
		minLetters:    opts.MinLetters,
		minConfidence: opts.MinConfidence,
		m:             m,
	}
	switch {
	case d.maxChars < 0 || d.maxChars > maxCharsLimit:
		return nil, fmt.Errorf("%w: MaxChars = %d: want 0 (default %d) to %d", ErrInvalidOptions, d.maxChars, MaxCharsDefault, maxCharsLimit)
	case d.maxChars == 0:
		d.maxChars = MaxCharsDefault
	}
	switch {
	case d.minLetters < 0:
		return nil, fmt.Errorf("%w: MinLetters = %d: want ≥ 0 (0 means %d)", ErrInvalidOptions, d.minLetters, MinLettersDefault)
	case d.minLetters == 0:
		d.minLetters = MinLettersDefault
	}
	switch {
	case math.IsNaN(d.minConfidence) || d.minConfidence < 0 || d.minConfidence > 1:
		return nil, fmt.Errorf("%w: MinConfidence = %v: want a value in [0, 1] (0 means %v)", ErrInvalidOptions, d.minConfidence, MinConfidenceDefault)
	case d.minConfidence == 0:
		d.minConfidence = MinConfidenceDefault
	}

	supported := Languages()
	allowed := map[string]bool{}
	for i, code := range opts.Languages {
		if _, ok := slices.BinarySearch(supported, code); !ok {
			return nil, fmt.Errorf("%w: Languages[%d] = %q: not a supported ISO 639-1 code (langid.Languages lists the %d supported)", ErrInvalidOptions, i, code, len(supported))
		}
		allowed[code] = true
	}
	if len(allowed) == 0 {
		for _, code := range supported {
			allowed[code] = true
		}
	}
	for s, si := range scriptInfo {
		if si.lang != "" && allowed[si.lang] {
			d.single[s] = si.lang
		}
	}
	for s, t := range m.tables {
		if len(t.langs) > maxGroupLangs {
			return nil, fmt.Errorf("langid model: %d languages for script %s, at most %d", len(t.langs), scriptInfo[s].iso, maxGroupLangs)
		}
		typical, ok := typicalCost[s]
		if !ok {
			return nil, fmt.Errorf("langid model: no typical cost for script %s", scriptInfo[s].iso)
		}
		g := &group{t: t, fitGood: typical + fitMargin}
		for col, code := range t.langs {
			if allowed[code] {
				g.cols = append(g.cols, col)
				g.codes = append(g.codes, code)
			}
		}
		if len(g.cols) > 0 {
			d.groups[s] = g
		}
	}
	return d, nil
}

// Default returns the process-wide Detector with default Options, built on
// first use. Later calls return the same Detector (or error).
func Default() (*Detector, error) { return defaultDetector() }

var defaultDetector = sync.OnceValues(func() (*Detector, error) { return New(Options{}) })

// Detect identifies the language of the first MaxChars characters of text.
// Any input is accepted: invalid UTF-8 counts as non-letters.
func (d *Detector) Detect(text string) Result {
	// Pass 1: truncate and count letters per script.
	var units [numScripts]int
	n, hiragana := 0, 0
	for i, r := range text {
		if n == d.maxChars {
			text = text[:i]
			break
		}
		n++
		s := scriptOf(r)
		units[s] += s.weight()
		if r >= 0x3041 && r <= 0x309F {
			hiragana++
		}
	}
	total := 0
	for _, u := range units[1:] {
		total += u
	}
	if total == 0 {
		return Result{Lang: Und}
	}

	// Han and kana together make one writing system for dominance.
	cjk := units[scriptHan] + units[scriptKana]
	dom, domUnits := scriptNone, 0
	for s := scriptLatin; s < numScripts; s++ {
		u := units[s]
		if s == scriptHan {
			u = cjk
		} else if s == scriptKana {
			continue
		}
		if u > domUnits {
			dom, domUnits = s, u
		}
	}
	purity := float64(domUnits) / float64(total)

	if dom == scriptHan && units[scriptKana] > 0 {
		hiraShare := float64(hiragana*scriptKana.weight()) / float64(cjk)
		if hiraShare >= hiraganaShareJa || units[scriptKana] >= units[scriptHan] {
			dom = scriptKana
		} else {
			// Han with a katakana name: Chinese, a little less surely.
			purity *= 1 - float64(units[scriptKana])/float64(cjk)
		}
	}
	res := Result{Lang: Und, Script: scriptInfo[dom].iso}
	if total < d.minLetters {
		return res
	}

	var lang string
	var conf float64
	if g := d.groups[dom]; g != nil {
		lang, conf = d.scoreGroup(g, dom, text, domUnits)
	} else if l := d.single[dom]; l != "" {
		ref := lengthRef
		if dom == scriptHan {
			ref = hanRef
		}
		lang, conf = l, lengthFactor(domUnits, ref)
	}
	conf *= purity
	if lang == "" || conf < d.minConfidence || math.IsNaN(conf) {
		return res
	}
	res.Lang, res.Confidence = lang, min(conf, 1)
	return res
}

// lengthFactor grows from 0.6 to 1 as the evidence reaches ref units, so
// a script-decided guess on a short text stays above MinConfidenceDefault
// but below the confidence of a long one.
func lengthFactor(units, ref int) float64 {
	return min(1, 0.6+0.4*float64(units)/float64(ref))
}

// Pruning keeps the per-letter work near one language once the text has
// made its case: after pruneAfter letters, a language more than pruneGap
// score units (150 nats) behind the leader is no longer scored, and once
// one language is left, scoring stops at stopAfter letters. A language that
// far behind adds under e^-150 to the softmax, so Confidence is unchanged,
// and 150 letters keep a run of foreign names at the start from pruning
// the right language.
const (
	pruneAfter = 150
	pruneGap   = 150 * quantScale
	stopAfter  = 300
)

// prune drops from active the languages more than pruneGap behind the
// best; it filters in place.
func prune(active, costs []int) []int {
	best := costs[active[0]]
	for _, j := range active[1:] {
		best = min(best, costs[j])
	}
	kept := active[:0]
	for _, j := range active {
		if costs[j]-best <= pruneGap {
			kept = append(kept, j)
		}
	}
	return kept
}

// maxWord bounds the letters kept per word; longer runs (URLs, hashes)
// are scored in pieces.
const maxWord = 48

// scoreGroup runs the character model of script s over the words of text
// written in s and turns the per-language costs into a guess and its
// confidence before purity.
func (d *Detector) scoreGroup(g *group, s script, text string, units int) (string, float64) {
	var costBuf [maxGroupLangs]int
	costs := costBuf[:len(g.cols)]
	var activeBuf [maxGroupLangs]int
	active := activeBuf[:len(g.cols)]
	for j := range active {
		active[j] = j
	}
	var wordBuf [maxWord]rune
	word := wordBuf[:0]
	letters := 0
	flush := func() {
		letters += g.t.score(word, g.cols, active, costs)
		word = word[:0]
		if letters >= pruneAfter && len(active) > 1 {
			active = prune(active, costs)
		}
	}
	for _, r := range text {
		if scriptOf(r) == s {
			if len(word) == maxWord {
				flush()
			}
			word = append(word, fold.Rune(unicode.ToLower(r)))
			continue
		}
		if r == tatweel || r >= 0x0300 && r <= 0x036F && (s == scriptLatin || s == scriptCyrillic) {
			// Kashida, and accents of decomposed (NFD) Latin or Cyrillic
			// text, which the model never saw apart from their letter:
			// dropping them reads "é" as "e", which it knows.
			continue
		}
		// Anything else ends the word, combining marks included: the
		// statistics were counted on runs of letters, so Devanagari vowel
		// signs split words the same way here.
		if len(word) > 0 {
			flush()
			if len(active) == 1 && letters >= stopAfter {
				break
			}
		}
	}
	if len(word) > 0 {
		flush()
	}
	if letters == 0 {
		return "", 0
	}

	best := active[0]
	for _, j := range active {
		if costs[j] < costs[best] {
			best = j
		}
	}
	// Softmax over the log-likelihoods (−cost), unscaled: on 11,476 windows
	// of 2–8 words from the test set this is the best calibrated choice
	// (TestCalibration). Pruned languages would add under e^-150 each.
	sum := 0.0
	for _, j := range active {
		sum += math.Exp(-float64(costs[j]-costs[best]) / quantScale)
	}
	conf := 1 / sum
	if len(costs) == 1 {
		// Nothing to compare with: only length and fit speak.
		conf = lengthFactor(units, lengthRef)
	}
	avg := float64(costs[best]) / quantScale / float64(letters)
	conf *= min(1, max(0, 1-(avg-g.fitGood)/fitSpan))
	return g.codes[best], conf
}
