package langid_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

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
	if err != nil {
		t.Fatal(err)
	}
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
		if tl == nil {
			t.Fatalf("test set language %q is not a core language", s.Lang)
		}
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
		if l.n < 30 {
			t.Errorf("%s: only %d paragraphs of %d+ characters, want 30", lang, l.n, longChars)
		}
		if acc := float64(l.ok) / float64(l.n); acc < minLanguageAccuracy {
			t.Errorf("%s: accuracy %.1f %% on 200+ character paragraphs, want ≥ %.0f %%", lang, 100*acc, 100*minLanguageAccuracy)
		}
	}
	fmt.Fprintf(&b, "| all | %d | %.1f %% | %d | %d | %d |\n", all.n, pct(all.ok, all.n), allShort.n, allShort.ok, allShort.und)
	t.Logf("accuracy of the default detector:\n%s", b.String())
	for _, m := range misses {
		t.Log("miss:", m)
	}

	if acc := float64(all.ok) / float64(all.n); acc < minOverallAccuracy {
		t.Errorf("overall accuracy %.2f %% on %d paragraphs of 200+ characters, want ≥ %.0f %%", 100*acc, all.n, 100*minOverallAccuracy)
	}
	// Short texts may come back und, but a wrong answer must not claim to
	// be sure.
	if allShort.wrongSure > 0 || all.wrongSure > 0 {
		t.Errorf("%d short and %d long texts got a wrong language with confidence ≥ 0.9", allShort.wrongSure, all.wrongSure)
	}
	if got := float64(allShort.ok) / float64(allShort.n); got < 0.85 {
		t.Errorf("short texts: %.1f %% right, want ≥ 85 %%", 100*got)
	}
}

// TestAccuracyArticles checks the realistic input, the first 1000
// characters of an article, for every core language.
func TestAccuracyArticles(t *testing.T) {
	d, err := langid.Default()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range loadArticles(t) {
		seen[s.Lang] = true
		if r := d.Detect(s.Text); r.Lang != s.Lang || r.Confidence < 0.95 {
			t.Errorf("%s article detected as %+v, want %s with confidence ≥ 0.95", s.Lang, r, s.Lang)
		}
	}
	for _, lang := range coreLanguages {
		if !seen[lang] {
			t.Errorf("no %s article built from the test set", lang)
		}
	}
}

// TestOtherLanguages covers languages outside the 20 that the model also
// knows, and text in no language: the latter must come back und.
func TestOtherLanguages(t *testing.T) {
	d, err := langid.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range readJSONL(t, "testdata/other.jsonl") {
		r := d.Detect(s.Text)
		want := s.Lang
		if want == "xx" {
			want = langid.Und
		} else if !slices.Contains(langid.Languages(), want) {
			t.Fatalf("other.jsonl: %q is not a supported language", want)
		}
		if r.Lang != want {
			t.Errorf("%.50q: got %+v, want %s", s.Text, r, want)
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
