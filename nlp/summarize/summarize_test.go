package summarize

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/sentences"
	"github.com/masx-ai/masx/nlp/tokens"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

// positions returns where each kept sentence starts in the input, failing if
// one is not a sentence of the input.
func positions(t *testing.T, input string, kept []string) []int {
	t.Helper()
	all := sentences.Split(input)
	var pos []int
	for _, k := range kept {
		i := slices.Index(all, k)
		require.GreaterOrEqual(t, i, 0, "kept sentence %q is not a sentence of the input", k)
		pos = append(pos, i)
	}
	return pos
}

func TestCompressKeepsAFractionInOrder(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"article_en.txt", "article_es.txt", "article_zh.txt"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text := readTestdata(t, name)
			r, err := CompressWith(text, Budget{}, Options{})
			require.NoError(t, err)
			frac := float64(r.Kept) / float64(r.Sentences)
			require.True(t, frac >= 0.2 && frac <= 0.4, "kept %d of %d sentences (%.2f); want 20–40 %%", r.Kept, r.Sentences, frac)
			kept := sentences.Split(r.Text)
			require.Len(t, kept, r.Kept, "Text's sentences against Result.Kept")
			pos := positions(t, text, kept)
			require.True(t, slices.IsSorted(pos), "kept sentences out of order: positions %v", pos)
			require.Equal(t, utf8.RuneCountInString(r.Text), r.OutputUnits, "OutputUnits against the text")
			require.Equal(t, utf8.RuneCountInString(text), r.InputUnits, "InputUnits against the text")
		})
	}
}

func TestKeptFractionAdaptsToLength(t *testing.T) {
	t.Parallel()
	o, _ := Options{}.withDefaults()
	prev := 1.0
	for _, chars := range []int{100, ShortChars, 3000, 6000, 10000, LongChars, 100000} {
		f := keptFraction(chars, o)
		require.True(t, f >= 0.2 && f <= 0.4 && f <= prev, "keptFraction(%d) = %.3f; want within [0.2, 0.4] and not above %.3f", chars, f, prev)
		prev = f
	}
	require.Equal(t, 0.4, keptFraction(ShortChars, o), "fraction at ShortChars")
	require.Equal(t, 0.2, keptFraction(LongChars, o), "fraction at LongChars")
}

func TestCompressStaysInBudget(t *testing.T) {
	t.Parallel()
	text := readTestdata(t, "article_en.txt")
	words := func(s string) int { return len(strings.Fields(s)) }
	for _, b := range []Budget{{Max: 200}, {Max: 800}, {Max: 1500}, {Max: 60, Count: words}, {Max: 150, Count: words}} {
		r, err := CompressWith(text, b, Options{})
		require.NoError(t, err)
		got := b.count(r.Text)
		require.LessOrEqual(t, got, b.Max, "budget %d: units in the output", b.Max)
		require.Equal(t, got, r.OutputUnits, "budget %d: Result.OutputUnits against the output", b.Max)
		require.NotZero(t, r.Kept, "budget %d: want whole sentences kept", b.Max)
		require.False(t, r.Truncated, "budget %d: want whole sentences, not truncated", b.Max)
		positions(t, text, sentences.Split(r.Text))
	}
}

func TestCompressTruncatesWhenNothingFits(t *testing.T) {
	t.Parallel()
	long := "The negotiators agreed that the withdrawal of heavy weapons from the eastern districts would begin " +
		"within two weeks under international monitoring."
	long2 := strings.Replace(long, "two weeks", "a fortnight", 1)
	for _, text := range []string{long, long + " " + long2} {
		r, err := CompressWith(text, Budget{Max: 40}, Options{})
		require.NoError(t, err)
		require.True(t, r.Truncated && r.OutputUnits <= 40 && r.Text != "" && strings.HasPrefix(long, r.Text),
			"got %+v; want a prefix of the first sentence of at most 40 characters", r)
		require.True(t, !strings.HasSuffix(r.Text, " ") && strings.HasPrefix(long[len(r.Text):], " "), "cut %q is not at a word boundary", r.Text)
	}
	r, _ := CompressWith("北京今天宣布了新的经济措施以稳定市场", Budget{Max: 5}, Options{})
	require.Equal(t, "北京今天宣", r.Text, "CJK cut: want the first 5 characters")
}

func TestEntityAndDateSentencesKept(t *testing.T) {
	t.Parallel()
	// Ten plain sentences, then late sentences with a date and with the
	// most mentioned name. Position alone would keep the first ones.
	var b strings.Builder
	fillers := []string{
		"the talks went on for many hours without a clear result",
		"people waited outside in the cold for news from the hall",
		"some shops stayed closed while others opened late in the day",
		"the weather turned grey and a light rain fell over the town",
		"officials gave few details about what had been discussed inside",
		"traffic on the main road was slow because of the checkpoints",
		"local radio played music between short bulletins about the talks",
		"a few journalists left early to file their reports from the hotel",
		"the cafe near the square was full of people reading the papers",
		"children played in the park near the river until the evening",
	}
	for _, f := range fillers {
		b.WriteString(strings.ToUpper(f[:1]) + f[1:] + ". ")
	}
	b.WriteString("Late in the evening, the envoy said a statement would follow the meeting with Amal Haddad. ")
	b.WriteString("Everyone expected the agreement to be signed on Tuesday in the capital. ")
	b.WriteString("In the end, the delegates praised Amal Haddad for her patience with both sides.")
	text := b.String()
	got := Summarize(text, 4)
	for _, want := range []string{"on Tuesday", "Amal Haddad for her patience"} {
		require.True(t, slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, want) }), "summary %q lacks the sentence with %q", got, want)
	}
	// Without the bonus the same sentences lose to earlier ones.
	plain, err := SummarizeWith(text, 4, Options{EntityBonus: 1e-9})
	require.NoError(t, err)
	require.False(t, slices.ContainsFunc(plain, func(s string) bool { return strings.Contains(s, "on Tuesday") }), "without the bonus the date sentence still wins: %q", plain)
}

func TestCapitalisedPhrases(t *testing.T) {
	t.Parallel()
	got := capitalisedPhrases(`The Bank of England and President Emmanuel Macron met in "New York", said NATO.`)
	var texts []string
	for _, p := range got {
		texts = append(texts, p.text)
	}
	require.Equal(t, []string{"Bank of England", "President Emmanuel Macron", "New York", "NATO"}, texts, "phrases")
	p := capitalisedPhrases("Officials said little.")
	require.Len(t, p, 1, "phrases of a one-word sentence")
	require.True(t, p[0].initial, "sentence-initial word should be marked initial: %+v", p)
}

func TestDates(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"on 2024-03-14", "on 14/03/2024", "on March 14", "on 14 March", "le 3 mars",
		"el 5 de mayo", "am 3. Oktober", "12 мая", "2024年3月", "3月14日", "in 1999", "on Tuesday"} {
		require.True(t, hasDate(s), "no date found in %q", s)
	}
	for _, s := range []string{"they may come", "3.5 percent", "40,000 people", "room 12", "route 66"} {
		require.False(t, hasDate(s), "date found in %q", s)
	}
}

func TestNearDuplicatesDropped(t *testing.T) {
	t.Parallel()
	para := readTestdata(t, "article_es.txt")
	text := para + "\n\n" + para
	r, err := CompressWith(text, Budget{}, Options{})
	require.NoError(t, err)
	kept := sentences.Split(r.Text)
	seen := map[string]bool{}
	for _, k := range kept {
		require.False(t, seen[k], "sentence kept twice: %q", k)
		seen[k] = true
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	text := readTestdata(t, "article_en.txt")
	docs := []string{text, readTestdata(t, "article_es.txt"), readTestdata(t, "article_zh.txt")}
	c1, s1, k1 := Compress(text, Budget{Max: 1000}), Summarize(text, 5), ClusterSummary(docs, 4)
	for range 3 {
		require.Equal(t, c1, Compress(text, Budget{Max: 1000}), "Compress differs between calls")
		require.Equal(t, s1, Summarize(text, 5), "Summarize differs between calls")
		require.Equal(t, k1, ClusterSummary(docs, 4), "ClusterSummary differs between calls")
	}
}

func TestEmptyAndOneSentence(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "   \n ", "Only one sentence here.", "  Only one sentence here, untrimmed  \n"} {
		require.Equal(t, text, Compress(text, Budget{}), "Compress(%q): want the input", text)
		require.Equal(t, text, Compress(text, Budget{Max: 1000}), "Compress(%q) with a large budget: want the input", text)
	}
	require.Nil(t, Summarize("", 3), `Summarize("")`)
	require.Equal(t, []string{"One sentence."}, Summarize(" One sentence. ", 3), "Summarize(one sentence)")
	require.Empty(t, ClusterSummary(nil, 3), "ClusterSummary(nil)")
	require.Empty(t, ClusterSummary([]string{"", " "}, 3), "ClusterSummary(empty docs)")
	require.Equal(t, "One sentence.", ClusterSummary([]string{"One sentence."}, 3), "ClusterSummary(one sentence)")
}

func TestSummarizeCounts(t *testing.T) {
	t.Parallel()
	text := readTestdata(t, "article_en.txt")
	n := len(sentences.Split(text))
	for _, k := range []int{1, 3, 10} {
		got := Summarize(text, k)
		require.Len(t, got, k, "Summarize(n=%d)", k)
		pos := positions(t, text, got)
		require.True(t, slices.IsSorted(pos), "Summarize(n=%d) out of order: %v", k, pos)
	}
	auto := Summarize(text, 0)
	f := float64(len(auto)) / float64(n)
	require.True(t, f >= 0.2 && f <= 0.4, "Summarize(n=0) kept %d of %d", len(auto), n)
	require.LessOrEqual(t, len(Summarize(text, 10*n)), n, "Summarize(n > sentences)")
}

func TestClusterSummaryAvoidsNearDuplicates(t *testing.T) {
	t.Parallel()
	wire := "Negotiators returned to Geneva on Tuesday for a third round of ceasefire talks. " +
		"The talks were suspended in March after a drone strike killed 12 civilians. " +
		"The UN envoy said both sides agreed to discuss a withdrawal of heavy weapons."
	docs := []string{
		wire,
		strings.Replace(wire, "on Tuesday", "on Tuesday morning", 1), // syndicated copy, lightly edited
		strings.Replace(wire, "12 civilians", "twelve civilians", 1),
		"Aid convoys reached the border town for the first time in three weeks. " +
			"Residents described long queues for water after the pumping station was damaged. " +
			"Engineers from the Red Cross began repairs that could take two weeks.",
	}
	got := sentences.Split(ClusterSummary(docs, 5))
	require.GreaterOrEqual(t, len(got), 4, "summary sentences: want at least 4: %q", got)
	for i := range got {
		for j := i + 1; j < len(got); j++ {
			a, b := termSet(tokens.Terms(got[i])), termSet(tokens.Terms(got[j]))
			require.Less(t, jaccard(a, b), 0.5, "near-duplicates in summary (Jaccard):\n%q\n%q", got[i], got[j])
		}
	}
	joined := strings.Join(got, " ")
	for _, want := range []string{"Geneva", "Aid convoys"} {
		require.True(t, strings.Contains(joined, want), "summary lacks %q from one of the stories: %q", want, got)
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	bad := []Options{
		{Lambda: -0.1}, {Lambda: 1.5}, {MinFraction: 0.5, MaxFraction: 0.3}, {MaxFraction: 2},
		{TopEntities: -1}, {EntityBonus: -1}, {DupThreshold: 1.2}, {Jaccard: -0.5},
	}
	for _, o := range bad {
		_, err := CompressWith("A. B.", Budget{}, o)
		require.ErrorIs(t, err, ErrInvalidOptions, "CompressWith(%+v)", o)
		_, err = SummarizeWith("A. B.", 1, o)
		require.ErrorIs(t, err, ErrInvalidOptions, "SummarizeWith(%+v)", o)
		_, err = ClusterSummaryWith([]string{"A. B."}, 1, o)
		require.ErrorIs(t, err, ErrInvalidOptions, "ClusterSummaryWith(%+v)", o)
	}
	_, err := CompressWith("A. B.", Budget{}, Options{Lambda: 3})
	require.ErrorContains(t, err, "Lambda = 3", "the error names the field and value")
}

func TestJoin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"One.", "Two."}, "One. Two."},
		{[]string{"Headline without stop", "Body."}, "Headline without stop\nBody."},
		{[]string{"第一。", "第二。"}, "第一。第二。"},
		{[]string{"第一。", "Second."}, "第一。 Second."},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, join(tc.parts), "join(%q)", tc.parts)
	}
}

func FuzzCompress(f *testing.F) {
	f.Add("Dr. Smith met Mr. Jones. They spoke of the U.S. economy on 3 May 2024. It grew 3.5%.", 40)
	f.Add("北京今天宣布新措施。市场反应平静！会持续吗？", 5)
	f.Add("a. b. c. d. e. f.", 1)
	f.Add("\xff. \xfe! ?", 3)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, text string, max int) {
		b := Budget{Max: max % 4096}
		r, err := CompressWith(text, b, Options{})
		require.NoError(t, err)
		require.False(t, b.Max > 0 && r.OutputUnits > b.Max && r.Sentences > 0, "output %d units over budget %d", r.OutputUnits, b.Max)
		require.LessOrEqual(t, r.Kept, r.Sentences, "kept sentences")
		Summarize(text, max%10)
		ClusterSummary([]string{text, text[:len(text)/2]}, max%10)
	})
}
