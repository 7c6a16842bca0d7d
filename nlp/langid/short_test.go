package langid_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/langid"
)

// TestShortTexts profiles the default detector on windows of k words cut
// from the paragraphs (all languages but zh and ja, which have no spaces;
// for those, windows of 3k characters). Short text may be und; what it
// must not do is answer wrongly and often. Run with -v for the table.
func TestShortTexts(t *testing.T) {
	d, err := langid.Default()
	require.NoError(t, err)
	type row struct{ n, ok, und, wrong, wrongSure, chars int }
	sizes := []int{1, 2, 3, 4, 6, 8, 12}
	rows := make([]row, len(sizes))
	for _, s := range loadParagraphs(t) {
		if !isLong(s) {
			continue
		}
		for si, k := range sizes {
			for _, w := range windows(s, k) {
				r := d.Detect(w)
				rw := &rows[si]
				rw.n++
				rw.chars += utf8.RuneCountInString(w)
				switch {
				case r.Lang == s.Lang:
					rw.ok++
				case r.Lang == langid.Und:
					rw.und++
				default:
					rw.wrong++
					if r.Confidence >= 0.9 {
						rw.wrongSure++
					}
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("| words | mean chars | windows | right | und | wrong | wrong with confidence ≥ 0.9 |\n|---|---|---|---|---|---|---|\n")
	for si, k := range sizes {
		rw := rows[si]
		fmt.Fprintf(&b, "| %d | %d | %d | %.1f %% | %.1f %% | %.1f %% | %.2f %% |\n", k, rw.chars/rw.n, rw.n,
			pct(rw.ok, rw.n), pct(rw.und, rw.n), pct(rw.wrong, rw.n), pct(rw.wrongSure, rw.n))
	}
	t.Logf("short texts, default detector:\n%s", b.String())
	// Bounds with room for held-out text: a sure wrong answer stays rare
	// at every length, and by 8 words nearly all are right.
	for si, k := range sizes {
		rw := rows[si]
		require.LessOrEqual(t, pct(rw.wrongSure, rw.n), 2.0, "%d-word windows: %% wrong with confidence ≥ 0.9", k)
		if k >= 8 {
			require.GreaterOrEqual(t, pct(rw.ok, rw.n), 95.0, "%d-word windows: %% right", k)
		}
	}
}

// windows cuts non-overlapping windows of k words (3k characters for
// Chinese and Japanese) from a paragraph, skipping two of every three.
func windows(s sample, k int) []string {
	var out []string
	if s.Lang == "zh" || s.Lang == "ja" {
		rs := []rune(s.Text)
		for i := 0; i+3*k <= len(rs); i += 9 * k {
			out = append(out, string(rs[i:i+3*k]))
		}
		return out
	}
	words := strings.Fields(s.Text)
	for i := 0; i+k <= len(words); i += 3 * k {
		out = append(out, strings.Join(words[i:i+k], " "))
	}
	return out
}
