package langid_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/langid"
)

// TestCalibration checks that Confidence means what it says on short
// texts, where it matters: it cuts 2–8-word windows from the space-
// separated paragraphs, buckets the answers by confidence, and requires
// the expected calibration error (mean |accuracy − confidence| weighted by
// bucket size) to stay under 0.05.
func TestCalibration(t *testing.T) {
	d, err := langid.New(langid.Options{MinConfidence: 1e-9, MinLetters: 1})
	require.NoError(t, err)
	var n, und int
	var bn, bok [10]int
	var bconf [10]float64
	for _, s := range loadParagraphs(t) {
		if !isLong(s) || s.Lang == "zh" || s.Lang == "ja" {
			continue // no spaces to cut words at
		}
		words := strings.Fields(s.Text)
		for _, k := range []int{2, 3, 4, 6, 8} {
			for i := 0; i+k <= len(words); i += 3 * k {
				r := d.Detect(strings.Join(words[i:i+k], " "))
				n++
				if r.Lang == langid.Und {
					und++
					continue
				}
				b := min(9, int(r.Confidence*10))
				bn[b]++
				bconf[b] += r.Confidence
				if r.Lang == s.Lang {
					bok[b]++
				}
			}
		}
	}
	var ece float64
	var rows []string
	for b := range bn {
		if bn[b] == 0 {
			continue
		}
		acc, conf := float64(bok[b])/float64(bn[b]), bconf[b]/float64(bn[b])
		ece += float64(bn[b]) / float64(n-und) * math.Abs(acc-conf)
		rows = append(rows, fmt.Sprintf("confidence %.1f–%.1f: %5d windows, mean confidence %.2f, accuracy %.2f", float64(b)/10, float64(b+1)/10, bn[b], conf, acc))
	}
	t.Logf("%d windows, %d und; expected calibration error %.3f\n%s", n, und, ece, strings.Join(rows, "\n"))
	require.LessOrEqual(t, ece, 0.05, "expected calibration error")
}
