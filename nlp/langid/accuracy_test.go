package langid_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/langid"
)

// Accuracy gates. The long-paragraph gate is the contract (97 %); the
// per-language floor stops one language from collapsing behind a good
// average.
const (
	minOverallAccuracy  = 0.97
	minLanguageAccuracy = 0.90
)

type tally struct{ n, ok, und, wrongSure int }

// TestAccuracy measures the default Detector on the labelled test set and
// fails below minOverallAccuracy on paragraphs of 200+ characters. Run
// with -v for the per-language table in the package doc.
func TestAccuracy(t *testing.T) {
	d, err := langid.Default()
	require.NoError(t, err)
	long, short := map[string]*tally{}, map[string]*tally{}
	for _, lang := range coreLanguages {
		long[lang], short[lang] = &tally{}, &tally{}
	}
	var misses []string
	for _, s := range loadParagraphs(t) {
		tl := short[s.Lang]
		if isLong(s) {
			tl = long[s.Lang]
		}
		require.NotNil(t, tl, "test set language %q is not a core language", s.Lang)
		r := d.Detect(s.Text)
		tl.n++
		switch {
		case r.Lang == s.Lang:
			tl.ok++
		case r.Lang == langid.Und:
			tl.und++
		default:
			if r.Confidence >= 0.9 {
				tl.wrongSure++
			}
		}
		if r.Lang != s.Lang {
			misses = append(misses, fmt.Sprintf("%s → %s %.2f (%d chars): %.60q", s.Lang, r.Lang, r.Confidence, len([]rune(s.Text)), s.Text))
		}
	}

	var b strings.Builder
	b.WriteString("| lang | 200+ chars | accuracy | short | short ok | short und |\n|---|---|---|---|---|---|\n")
	var all, allShort tally
	for _, lang := range coreLanguages {
		l, s := long[lang], short[lang]
		fmt.Fprintf(&b, "| %s | %d | %.1f %% | %d | %d | %d |\n", lang, l.n, pct(l.ok, l.n), s.n, s.ok, s.und)
		all.n, all.ok, all.und, all.wrongSure = all.n+l.n, all.ok+l.ok, all.und+l.und, all.wrongSure+l.wrongSure
		allShort.n, allShort.ok, allShort.und, allShort.wrongSure = allShort.n+s.n, allShort.ok+s.ok, allShort.und+s.und, allShort.wrongSure+s.wrongSure
	}
	fmt.Fprintf(&b, "| all | %d | %.1f %% | %d | %d | %d |\n", all.n, pct(all.ok, all.n), allShort.n, allShort.ok, allShort.und)
	t.Logf("accuracy of the default detector:\n%s", b.String())
	for _, m := range misses {
		t.Log("miss:", m)
	}

	for _, lang := range coreLanguages {
		l := long[lang]
		require.GreaterOrEqual(t, l.n, 30, "%s: paragraphs of %d+ characters", lang, longChars)
		require.GreaterOrEqual(t, float64(l.ok)/float64(l.n), minLanguageAccuracy, "%s: accuracy on 200+ character paragraphs", lang)
	}
	require.GreaterOrEqual(t, float64(all.ok)/float64(all.n), minOverallAccuracy, "overall accuracy on %d paragraphs of 200+ characters", all.n)
	// Short texts may come back und, but a wrong answer must not claim to
	// be sure.
	require.True(t, allShort.wrongSure == 0 && all.wrongSure == 0,
		"%d short and %d long texts got a wrong language with confidence ≥ 0.9", allShort.wrongSure, all.wrongSure)
	require.GreaterOrEqual(t, float64(allShort.ok)/float64(allShort.n), 0.85, "short texts: share right")
}

// TestAccuracyArticles checks the realistic input, the first 1000
// characters of an article, for every core language.
func TestAccuracyArticles(t *testing.T) {
	d, err := langid.Default()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, s := range loadArticles(t) {
		seen[s.Lang] = true
		r := d.Detect(s.Text)
		require.Equal(t, s.Lang, r.Lang, "%s article detected as %+v", s.Lang, r)
		require.GreaterOrEqual(t, r.Confidence, 0.95, "%s article detected as %+v", s.Lang, r)
	}
	for _, lang := range coreLanguages {
		require.True(t, seen[lang], "no %s article built from the test set", lang)
	}
}

// TestOtherLanguages covers languages outside the 20 that the model also
// knows, and text in no language: the latter must come back und.
func TestOtherLanguages(t *testing.T) {
	d, err := langid.Default()
	require.NoError(t, err)
	for _, s := range readJSONL(t, "testdata/other.jsonl") {
		r := d.Detect(s.Text)
		want := s.Lang
		if want == "xx" {
			want = langid.Und
		} else {
			require.Contains(t, langid.Languages(), want, "other.jsonl: not a supported language")
		}
		require.Equal(t, want, r.Lang, "%.50q: got %+v", s.Text, r)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
