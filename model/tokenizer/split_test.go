package tokenizer

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dlclark/regexp2/v2"
	"github.com/stretchr/testify/require"
)

// corpusTexts reads testdata/corpus.jsonl.
func corpusTexts(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/corpus.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []string
	for sc.Scan() {
		var r struct {
			Text string `json:"text"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		out = append(out, r.Text)
	}
	require.NoError(t, sc.Err())
	return out
}

// regexp2Matches is the reference side: every non-empty match of re.
func regexp2Matches(t testing.TB, re *regexp2.Regexp, rs []rune) []seg {
	var out []seg
	err := re.FindRunesMatches(rs, 0, func(m regexp2.MatchView) bool {
		if lo, l, ok := m.GroupRange(0); ok && l > 0 {
			out = append(out, seg{lo, lo + l, true})
		}
		return true
	})
	require.NoError(t, err)
	return out
}

// TestGPTMatcherEqualsRegexp2 proves the hand-written matcher equal to
// regexp2 on the three patterns: on every corpus text, on every rune below
// U+0800 (and a sample above) in the contexts the alternatives care about,
// and on random strings over the characters that matter.
func TestGPTMatcherEqualsRegexp2(t *testing.T) {
	t.Parallel()
	texts := corpusTexts(t)
	contexts := []string{"%", "a%", "%a", " %", " %a", "% ", "%  a", "'%", "%'s", "1%", "%1", "\n%", "%\r\n", "  %\n ", "%%%"}
	var probes []string
	for r := rune(0); r < 0x110000; r++ {
		// Every rune of the first two UTF-8 lengths (where the class
		// boundaries are dense), a sample of the rest.
		if r >= 0x800 && r%31 != 0 || r >= 0x3400 && r%293 != 0 || r >= 0xD800 && r < 0xE000 {
			continue
		}
		for _, c := range contexts {
			probes = append(probes, replaceRune(c, '%', r))
		}
	}
	alphabet := []rune("aZé1٣ \t\n\r'sStTrReEvVmMlLdD.,!-\u00a0\u3000中\u0301Ⅻǅʰ")
	rng := rand.New(rand.NewPCG(16, 2026))
	for range 5000 {
		n := rng.IntN(12) + 1
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		probes = append(probes, string(rs))
	}
	for _, pat := range []string{gpt2Pattern, llama3Pattern, qwen2Pattern} {
		re, fast, err := compileSplitRegex(pat, "test")
		require.NoError(t, err)
		require.NotNil(t, fast, "pattern %q is recognised", pat)
		p := &regexSplit{re: re, fast: fast}
		for _, set := range [][]string{texts, probes} {
			for _, s := range set {
				rs := []rune(s)
				got := p.matches(nil, rs)
				want := regexp2Matches(t, re, rs)
				require.True(t, slices.Equal(got, want), "pattern %q on %q:\n got %v\nwant %v", pat, s, got, want)
			}
		}
	}
}

func replaceRune(s string, old, new rune) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == old {
			r = new
		}
		out = append(out, r)
	}
	return string(out)
}

// TestSplitRegexGeneral checks a pattern the fast matcher does not know,
// through regexp2, with behaviors and invert, against results worked out
// by hand from tokenizers' Split semantics.
func TestSplitRegexGeneral(t *testing.T) {
	t.Parallel()
	split := func(pattern, behavior string, invert bool, text string) []string {
		raw, _ := json.Marshal(map[string]any{"type": "Split", "pattern": map[string]string{"Regex": pattern}, "behavior": behavior, "invert": invert})
		p, err := parsePreTokenizer(raw)
		require.NoError(t, err)
		var out []string
		for _, w := range p.preTokenize(nil, newNormalized([]rune(text), 0)) {
			out = append(out, string(w.runes))
		}
		return out
	}
	require.Equal(t, []string{"a", " ", "b", "  ", "c"}, split(`\s+`, "Isolated", false, "a b  c"))
	require.Equal(t, []string{"a", "b", "c"}, split(`\s+`, "Removed", false, "a b  c"))
	require.Equal(t, []string{"a ", "b  ", "c"}, split(`\s+`, "MergedWithPrevious", false, "a b  c"))
	require.Equal(t, []string{"a", " b", "  c"}, split(`\s+`, "MergedWithNext", false, "a b  c"))
	// invert: the gaps between matches are the delimiters.
	require.Equal(t, []string{"a", "b", "c"}, split(`\S+`, "Removed", true, "a b  c"))
	// A lookahead only regexp2 runs (the pattern is not one of the three).
	require.Equal(t, []string{"a", " ", " b"}, split(`\s+(?!\S)`, "Isolated", false, "a  b"))
}

// BenchmarkSplitRegex runs the Llama 3 pattern over the corpus's news
// paragraphs with regexp2 and with the hand-written matcher, for the
// choice explained at the top of split.go.
func BenchmarkSplitRegex(b *testing.B) {
	var texts [][]rune
	size := 0
	for _, s := range corpusTexts(b) {
		if rs := []rune(s); len(rs) >= 200 && len(rs) < 5000 {
			texts = append(texts, rs)
			size += len(s)
		}
	}
	re, fast, err := compileSplitRegex(llama3Pattern, "bench")
	require.NoError(b, err)
	for _, c := range []struct {
		name string
		p    *regexSplit
	}{{"regexp2", &regexSplit{re: re}}, {"hand", &regexSplit{re: re, fast: fast}}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var buf []seg
			for b.Loop() {
				for _, rs := range texts {
					buf = c.p.matches(buf[:0], rs)
				}
			}
		})
	}
}

// TestSplitRegexCatastrophic: a pattern that backtracks exponentially on
// the text stops at the search deadline, leaving the rest of the text one
// piece, instead of holding the CPU.
func TestSplitRegexCatastrophic(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"type":"Split","pattern":{"Regex":"x|(a|aa)+b"},"behavior":"Isolated","invert":false}`)
	p, err := parsePreTokenizer(raw)
	require.NoError(t, err)
	text := "x" + strings.Repeat("a", 60) + "c"
	var got []string
	for _, w := range p.preTokenize(nil, newNormalized([]rune(text), 0)) {
		got = append(got, string(w.runes))
	}
	require.Equal(t, []string{"x", strings.Repeat("a", 60) + "c"}, got)
}

// TestReplaceRegexUnicodeSpace: Replace regexes have Oniguruma's Unicode
// \s (no-break and ideographic spaces), as Split's do; Go's RE2 \s is ASCII
// only, so "a\u00a0\u3000b" stayed unknown before.
func TestReplaceRegexUnicodeSpace(t *testing.T) {
	t.Parallel()
	tok := tiny(t, `{"type":"Replace","pattern":{"Regex":"\\s+"},"content":""}`, "", "", "")
	e := tok.Encode("a\u00a0\u3000b", false)
	require.Equal(t, []string{"ab"}, e.Tokens)
	require.Equal(t, [][2]int{{0, 4}}, e.Offsets)
}
