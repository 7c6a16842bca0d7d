//go:build langid_compare

package langid_test

// The measurement behind the choice of detector (package doc, "Why this
// detector"). It needs the langid_compare tag because two candidates are
// third-party libraries, one of them with 124 MB of embedded models:
//
//	go test -tags langid_compare -run Compare -bench Compare -cpu 2 -v ./nlp/langid

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/langid"
	"github.com/masx-ai/masx/nlp/langid/internal/candidates"
)

type candidate struct {
	name, tag string
	make      func() func(string) string
}

var compared = []candidate{
	{"masx langid (script + n-gram)", "probe_masx", func() func(string) string {
		d, err := langid.Default()
		if err != nil {
			panic(err)
		}
		return func(s string) string { return d.Detect(s).Lang }
	}},
	{"whatlanggo v1.0.1, 20-language whitelist", "probe_whatlanggo", candidates.Whatlanggo},
	{"lingua-go v1.4.0 low accuracy, 20 languages", "probe_lingua", candidates.LinguaLow},
}

func TestCompareAccuracy(t *testing.T) {
	samples := loadParagraphs(t)
	var b strings.Builder
	b.WriteString("| detector | 200+ chars | short (<200) | worst language (200+) |\n|---|---|---|---|\n")
	for _, c := range compared {
		detect := c.make()
		var nl, okl, ns, oks int
		perLang := map[string][2]int{}
		for _, s := range samples {
			ok := detect(s.Text) == s.Lang
			if isLong(s) {
				nl++
				pl := perLang[s.Lang]
				pl[1]++
				if ok {
					okl++
					pl[0]++
				}
				perLang[s.Lang] = pl
			} else {
				ns++
				if ok {
					oks++
				}
			}
		}
		worst, worstAcc := "", 2.0
		for _, l := range coreLanguages {
			if acc := float64(perLang[l][0]) / float64(perLang[l][1]); acc < worstAcc {
				worst, worstAcc = l, acc
			}
		}
		fmt.Fprintf(&b, "| %s | %.1f %% (%d/%d) | %.1f %% (%d/%d) | %s %.1f %% |\n", c.name, pct(okl, nl), okl, nl, pct(oks, ns), oks, ns, worst, 100*worstAcc)
	}
	t.Logf("accuracy on testdata/paragraphs:\n%s", b.String())
}

func BenchmarkCompare(b *testing.B) {
	texts := loadArticles(b)
	for _, c := range compared {
		detect := c.make()
		b.Run(c.tag, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					detect(texts[i%len(texts)].Text)
					i++
				}
			})
			b.StopTimer()
			perOp := float64((cpuTime() - c0).Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp, "cpu-ns/op")
			b.ReportMetric(2e9/perOp, "det/s@2cpu")
		})
	}
}

// TestCompareFootprint builds testdata/probe once per candidate and once
// without a detector, runs each over the test set, and reports what the
// detector adds to binary size and peak RSS.
func TestCompareFootprint(t *testing.T) {
	dir := t.TempDir()
	files, err := filepath.Glob("testdata/paragraphs/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no test set")
	type footprint struct{ size, rssKB int64 }
	measure := func(tag string) footprint {
		bin := filepath.Join(dir, "probe_"+tag)
		args := []string{"build", "-o", bin}
		if tag != "" {
			args = append(args, "-tags", tag+",langid_compare")
		}
		out, err := exec.Command("go", append(args, "./testdata/probe")...).CombinedOutput()
		require.NoError(t, err, "building probe %s:\n%s", tag, out)
		st, err := os.Stat(bin)
		require.NoError(t, err)
		out, err = exec.Command(bin, files...).Output()
		require.NoError(t, err, "running probe %s", tag)
		var n, ok int
		var kb int64
		_, err = fmt.Sscanf(string(out), "texts %d correct %d vmhwm_kb %d", &n, &ok, &kb)
		require.NoError(t, err, "probe %s printed %q", tag, out)
		return footprint{st.Size(), kb}
	}
	base := measure("")
	var b strings.Builder
	fmt.Fprintf(&b, "baseline probe: %.1f MB binary, %.1f MB peak RSS\n", mb(base.size), float64(base.rssKB)/1024)
	b.WriteString("| detector | binary size added | peak RSS added |\n|---|---|---|\n")
	for _, c := range compared {
		f := measure(c.tag)
		fmt.Fprintf(&b, "| %s | %.1f MB | %.1f MB |\n", c.name, mb(f.size-base.size), float64(f.rssKB-base.rssKB)/1024)
	}
	t.Logf("footprint (probe over all %d files):\n%s", len(files), b.String())
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
