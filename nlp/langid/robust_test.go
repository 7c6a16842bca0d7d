package langid_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// TestRobustness runs the long paragraphs through transformations that
// real pages apply and the test set does not show, and requires the
// accuracy gate to hold on each.
func TestRobustness(t *testing.T) {
	d := mustDefault(t)
	stripMarks := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	arabicForms := strings.NewReplacer("ی", "ي", "ک", "ك")
	for _, tc := range []struct {
		name  string
		langs []string
		f     func(string) string
	}{
		// Many Persian and Urdu sites type Arabic yeh and kaf.
		{"Arabic yeh and kaf", []string{"fa", "ur"}, arabicForms.Replace},
		{"upper case", []string{"de", "en", "fr", "es", "it", "pt", "nl", "pl", "tr", "id", "ru", "uk"}, strings.ToUpper},
		// Feeds and old systems drop accents.
		{"accents stripped", []string{"de", "fr", "es", "it", "pt", "nl", "pl", "tr"}, func(s string) string {
			out, _, err := transform.String(stripMarks, strings.NewReplacer("ł", "l", "Ł", "L", "ı", "i", "ß", "ss").Replace(s))
			require.NoError(t, err)
			return out
		}},
		// Decomposed text: accents as combining marks.
		{"NFD", []string{"de", "fr", "es", "it", "pt", "pl", "tr", "ru", "uk"}, norm.NFD.String},
		// A URL and a byline in Latin letters inside non-Latin text.
		{"Latin noise", []string{"ar", "fa", "ur", "he", "hi", "ru", "uk", "zh", "ja", "ko"}, func(s string) string {
			return "https://www.example-news.com/world/2024/05/17/story-12345 Reuters/AFP " + s
		}},
	} {
		n, ok := 0, 0
		for _, s := range loadParagraphs(t) {
			if !isLong(s) || !slices.Contains(tc.langs, s.Lang) {
				continue
			}
			n++
			if r := d.Detect(tc.f(s.Text)); r.Lang == s.Lang {
				ok++
			} else {
				t.Logf("%s: %s → %+v", tc.name, s.Lang, r)
			}
		}
		t.Logf("%s: %d/%d right", tc.name, ok, n)
		require.GreaterOrEqual(t, float64(ok), minOverallAccuracy*float64(n), "%s: %d/%d right, want ≥ %.0f %%", tc.name, ok, n, 100*minOverallAccuracy)
	}
}
