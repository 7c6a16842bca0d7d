package summarize

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/masx-ai/masx/nlp/sentences"
	"github.com/masx-ai/masx/nlp/tokens"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
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
		if i < 0 {
			t.Fatalf("kept sentence %q is not a sentence of the input", k)
		}
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
			if err != nil {
				t.Fatal(err)
			}
			frac := float64(r.Kept) / float64(r.Sentences)
			if frac < 0.2 || frac > 0.4 {
				t.Errorf("kept %d of %d sentences (%.2f); want 20–40 %%", r.Kept, r.Sentences, frac)
			}
			kept := sentences.Split(r.Text)
			if len(kept) != r.Kept {
				t.Fatalf("Result.Kept = %d but Text has %d sentences", r.Kept, len(kept))
			}
			if pos := positions(t, text, kept); !slices.IsSorted(pos) {
				t.Errorf("kept sentences out of order: positions %v", pos)
			}
			if r.OutputUnits != utf8.RuneCountInString(r.Text) || r.InputUnits != utf8.RuneCountInString(text) {
				t.Errorf("units in %d out %d do not match the texts", r.InputUnits, r.OutputUnits)
			}
		})
	}
}

func TestKeptFractionAdaptsToLength(t *testing.T) {
	t.Parallel()
	o, _ := Options{}.withDefaults()
	prev := 1.0
	for _, chars := range []int{100, ShortChars, 3000, 6000, 10000, LongChars, 100000} {
		f := keptFraction(chars, o)
		if f < 0.2 || f > 0.4 || f > prev {
			t.Errorf("keptFraction(%d) = %.3f; want within [0.2, 0.4] and not above %.3f", chars, f, prev)
		}
		prev = f
	}
	if keptFraction(ShortChars, o) != 0.4 || keptFraction(LongChars, o) != 0.2 {
		t.Error("fraction should be 0.4 at ShortChars and 0.2 at LongChars")
	}
}

func TestCompressStaysInBudget(t *testing.T) {
	t.Parallel()
	text := readTestdata(t, "article_en.txt")
	words := func(s string) int { return len(strings.Fields(s)) }
	for _, b := range []Budget{{Max: 200}, {Max: 800}, {Max: 1500}, {Max: 60, Count: words}, {Max: 150, Count: words}} {
		r, err := CompressWith(text, b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := b.count(r.Text); got > b.Max || got != r.OutputUnits {
			t.Errorf("budget %d: output has %d units (Result says %d)", b.Max, got, r.OutputUnits)
		}
		if r.Kept == 0 || r.Truncated {
			t.Errorf("budget %d: kept %d, truncated %v; want whole sentences", b.Max, r.Kept, r.Truncated)
		}
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
		if err != nil {
			t.Fatal(err)
		}
		if !r.Truncated || r.OutputUnits > 40 || r.Text == "" || !strings.HasPrefix(long, r.Text) {
			t.Errorf("got %+v; want a prefix of the first sentence of at most 40 characters", r)
		}
		if strings.HasSuffix(r.Text, " ") || !strings.HasPrefix(long[len(r.Text):], " ") {
			t.Errorf("cut %q is not at a word boundary", r.Text)
		}
	}
	if r, _ := CompressWith("北京今天宣布了新的经济措施以稳定市场", Budget{Max: 5}, Options{}); r.Text != "北京今天宣" {
		t.Errorf("CJK cut = %q; want the first 5 characters", r.Text)
	}
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
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("summary %q lacks the sentence with %q", got, want)
		}
	}
	// Without the bonus the same sentences lose to earlier ones.
	plain, err := SummarizeWith(text, 4, Options{EntityBonus: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(plain, func(s string) bool { return strings.Contains(s, "on Tuesday") }) {
		t.Errorf("without the bonus the date sentence still wins: %q", plain)
	}
}

func TestCapitalisedPhrases(t *testing.T) {
	t.Parallel()
	got := capitalisedPhrases(`The Bank of England and President Emmanuel Macron met in "New York", said NATO.`)
	var texts []string
	for _, p := range got {
		texts = append(texts, p.text)
	}
	want := []string{"Bank of England", "President Emmanuel Macron", "New York", "NATO"}
	if !slices.Equal(texts, want) {
		t.Errorf("phrases = %q; want %q", texts, want)
	}
	if p := capitalisedPhrases("Officials said little."); len(p) != 1 || !p[0].initial {
		t.Errorf("sentence-initial word should be marked initial: %+v", p)
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"on 2024-03-14", "on 14/03/2024", "on March 14", "on 14 March", "le 3 mars",
		"el 5 de mayo", "am 3. Oktober", "12 мая", "2024年3月", "3月14日", "in 1999", "on Tuesday"} {
		if !hasDate(s) {
			t.Errorf("no date found in %q", s)
		}
	}
	for _, s := range []string{"they may come", "3.5 percent", "40,000 people", "room 12", "route 66"} {
		if hasDate(s) {
			t.Errorf("date found in %q", s)
		}
	}
}

func TestNearDuplicatesDropped(t *testing.T) {
	t.Parallel()
	para := readTestdata(t, "article_es.txt")
	text := para + "\n\n" + para
	r, err := CompressWith(text, Budget{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept := sentences.Split(r.Text)
	seen := map[string]bool{}
	for _, k := range kept {
		if seen[k] {
			t.Errorf("sentence kept twice: %q", k)
		}
		seen[k] = true
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	text := readTestdata(t, "article_en.txt")
	docs := []string{text, readTestdata(t, "article_es.txt"), readTestdata(t, "article_zh.txt")}
	c1, s1, k1 := Compress(text, Budget{Max: 1000}), Summarize(text, 5), ClusterSummary(docs, 4)
	for range 3 {
		if c := Compress(text, Budget{Max: 1000}); c != c1 {
			t.Fatalf("Compress differs between calls:\n%q\n%q", c, c1)
		}
		if s := Summarize(text, 5); !slices.Equal(s, s1) {
			t.Fatalf("Summarize differs between calls:\n%q\n%q", s, s1)
		}
		if k := ClusterSummary(docs, 4); k != k1 {
			t.Fatalf("ClusterSummary differs between calls:\n%q\n%q", k, k1)
		}
	}
}

func TestEmptyAndOneSentence(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "   \n ", "Only one sentence here.", "  Only one sentence here, untrimmed  \n"} {
		if got := Compress(text, Budget{}); got != text {
			t.Errorf("Compress(%q) = %q; want the input", text, got)
		}
		if got := Compress(text, Budget{Max: 1000}); got != text {
			t.Errorf("Compress(%q) with a large budget = %q; want the input", text, got)
		}
	}
	if got := Summarize("", 3); got != nil {
		t.Errorf("Summarize(\"\") = %q; want nil", got)
	}
	if got := Summarize(" One sentence. ", 3); !slices.Equal(got, []string{"One sentence."}) {
		t.Errorf("Summarize(one sentence) = %q", got)
	}
	if got := ClusterSummary(nil, 3); got != "" {
		t.Errorf("ClusterSummary(nil) = %q; want \"\"", got)
	}
	if got := ClusterSummary([]string{"", " "}, 3); got != "" {
		t.Errorf("ClusterSummary(empty docs) = %q; want \"\"", got)
	}
	if got := ClusterSummary([]string{"One sentence."}, 3); got != "One sentence." {
		t.Errorf("ClusterSummary(one sentence) = %q", got)
	}
}

func TestSummarizeCounts(t *testing.T) {
	t.Parallel()
	text := readTestdata(t, "article_en.txt")
	n := len(sentences.Split(text))
	for _, k := range []int{1, 3, 10} {
		got := Summarize(text, k)
		if len(got) != k {
			t.Errorf("Summarize(n=%d) gave %d sentences", k, len(got))
		}
		if pos := positions(t, text, got); !slices.IsSorted(pos) {
			t.Errorf("Summarize(n=%d) out of order: %v", k, pos)
		}
	}
	auto := Summarize(text, 0)
	if f := float64(len(auto)) / float64(n); f < 0.2 || f > 0.4 {
		t.Errorf("Summarize(n=0) kept %d of %d", len(auto), n)
	}
	if all := Summarize(text, 10*n); len(all) > n {
		t.Errorf("Summarize(n > sentences) gave %d of %d", len(all), n)
	}
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
	if len(got) < 4 {
		t.Fatalf("summary has %d sentences; want at least 4: %q", len(got), got)
	}
	for i := range got {
		for j := i + 1; j < len(got); j++ {
			a, b := termSet(tokens.Terms(got[i])), termSet(tokens.Terms(got[j]))
			if jac := jaccard(a, b); jac >= 0.5 {
				t.Errorf("near-duplicates in summary (Jaccard %.2f):\n%q\n%q", jac, got[i], got[j])
			}
		}
	}
	joined := strings.Join(got, " ")
	for _, want := range []string{"Geneva", "Aid convoys"} {
		if !strings.Contains(joined, want) {
			t.Errorf("summary lacks %q from one of the stories: %q", want, got)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	bad := []Options{
		{Lambda: -0.1}, {Lambda: 1.5}, {MinFraction: 0.5, MaxFraction: 0.3}, {MaxFraction: 2},
		{TopEntities: -1}, {EntityBonus: -1}, {DupThreshold: 1.2}, {Jaccard: -0.5},
	}
	for _, o := range bad {
		if _, err := CompressWith("A. B.", Budget{}, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("CompressWith(%+v) err = %v; want ErrInvalidOptions", o, err)
		}
		if _, err := SummarizeWith("A. B.", 1, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("SummarizeWith(%+v) err = %v", o, err)
		}
		if _, err := ClusterSummaryWith([]string{"A. B."}, 1, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("ClusterSummaryWith(%+v) err = %v", o, err)
		}
	}
	_, err := CompressWith("A. B.", Budget{}, Options{Lambda: 3})
	if err == nil || !strings.Contains(err.Error(), "Lambda = 3") {
		t.Errorf("error %v does not name the field and value", err)
	}
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
		if got := join(tc.parts); got != tc.want {
			t.Errorf("join(%q) = %q; want %q", tc.parts, got, tc.want)
		}
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
		if err != nil {
			t.Fatal(err)
		}
		if b.Max > 0 && r.OutputUnits > b.Max && r.Sentences > 0 {
			t.Fatalf("output %d units over budget %d", r.OutputUnits, b.Max)
		}
		if r.Kept > r.Sentences {
			t.Fatalf("kept %d of %d", r.Kept, r.Sentences)
		}
		Summarize(text, max%10)
		ClusterSummary([]string{text, text[:len(text)/2]}, max%10)
	})
}
