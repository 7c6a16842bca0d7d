package sentences

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"spaces", " \n\t ", nil},
		{"one without terminator", "Troops crossed the river", []string{"Troops crossed the river"}},
		{"latin basic", "Troops crossed the river. Talks resume today! Will they hold?",
			[]string{"Troops crossed the river.", "Talks resume today!", "Will they hold?"}},
		{"closing quote", `He said: "We will not retreat." The minister left.`,
			[]string{`He said: "We will not retreat."`, "The minister left."}},
		{"closing bracket", "Prices rose (again.) Markets fell.",
			[]string{"Prices rose (again.)", "Markets fell."}},
		{"quoted question then lowercase", `"Why now?" she asked. Nobody answered.`,
			[]string{`"Why now?" she asked.`, "Nobody answered."}},
		{"decimal", "Inflation reached 3.5 percent in May. It fell later.",
			[]string{"Inflation reached 3.5 percent in May.", "It fell later."}},
		{"decimal at end", "The index closed at 4.25. Traders were calm.",
			[]string{"The index closed at 4.25.", "Traders were calm."}},
		{"US then lowercase", "The U.S. economy grew. Exports rose.",
			[]string{"The U.S. economy grew.", "Exports rose."}},
		{"US then name", "The U.S. President spoke on Monday. Allies listened.",
			[]string{"The U.S. President spoke on Monday.", "Allies listened."}},
		{"US at sentence end", "He moved to the U.S. The move was quiet.",
			[]string{"He moved to the U.S.", "The move was quiet."}},
		{"titles", "Dr. Amal Haddad met Mr. Jones and Mrs. Silva. They agreed.",
			[]string{"Dr. Amal Haddad met Mr. Jones and Mrs. Silva.", "They agreed."}},
		{"eg and ie", "Some ports, e.g. Odesa, reopened. Others, i.e. Mariupol, did not.",
			[]string{"Some ports, e.g. Odesa, reopened.", "Others, i.e. Mariupol, did not."}},
		{"number abbreviation", "Resolution No. 2334 passed. It was binding.",
			[]string{"Resolution No. 2334 passed.", "It was binding."}},
		{"no as a word", "The answer was No. Then talks ended.",
			[]string{"The answer was No.", "Then talks ended."}},
		{"month abbreviation", "The vote on Jan. 6 was delayed. Protests followed.",
			[]string{"The vote on Jan. 6 was delayed.", "Protests followed."}},
		{"initials", "J. R. R. Tolkien wrote it. C. S. Lewis read it.",
			[]string{"J. R. R. Tolkien wrote it.", "C. S. Lewis read it."}},
		{"initial before opener", "They chose plan B. The rest was left.",
			[]string{"They chose plan B.", "The rest was left."}},
		{"company", "Shares of Acme Inc. fell. Apex Ltd. The board met.",
			[]string{"Shares of Acme Inc. fell.", "Apex Ltd.", "The board met."}},
		{"saint", "Talks moved to St. Petersburg on Monday. They ended.",
			[]string{"Talks moved to St. Petersburg on Monday.", "They ended."}},
		{"street at end", "The office is on Main St. The door was locked.",
			[]string{"The office is on Main St.", "The door was locked."}},
		{"spanish", "¿Habrá acuerdo? La Sra. Gómez no respondió. Nadie sabe.",
			[]string{"¿Habrá acuerdo?", "La Sra. Gómez no respondió.", "Nadie sabe."}},
		{"etc", "They brought food, water, etc. The trucks waited.",
			[]string{"They brought food, water, etc.", "The trucks waited."}},
		{"url and email", "Read it at https://example.com/a.html?x=1. Write to press@un.org. Thanks.",
			[]string{"Read it at https://example.com/a.html?x=1.", "Write to press@un.org.", "Thanks."}},
		{"ellipsis lowercase", "I think... maybe not. Wait… Then it came.",
			[]string{"I think... maybe not.", "Wait…", "Then it came."}},
		{"ellipsis then capital", "And then... Silence fell.",
			[]string{"And then...", "Silence fell."}},
		{"interrobang run", "Really?! Yes.", []string{"Really?!", "Yes."}},
		{"chinese", "北京今天宣布新措施。市场反应平静！会持续吗？是的",
			[]string{"北京今天宣布新措施。", "市场反应平静！", "会持续吗？", "是的"}},
		{"japanese with quote", "彼は「行く。」と言った。雨だった。",
			[]string{"彼は「行く。」", "と言った。", "雨だった。"}},
		{"arabic", "هل انتهت المحادثات؟ لا أحد يعرف. الوفد غادر.",
			[]string{"هل انتهت المحادثات؟", "لا أحد يعرف.", "الوفد غادر."}},
		{"urdu", "وزیر اعظم نے خطاب کیا۔ اجلاس ختم ہوا۔",
			[]string{"وزیر اعظم نے خطاب کیا۔", "اجلاس ختم ہوا۔"}},
		{"hindi", "सरकार ने घोषणा की। बाज़ार शांत रहा। क्या यह चलेगा?",
			[]string{"सरकार ने घोषणा की।", "बाज़ार शांत रहा।", "क्या यह चलेगा?"}},
		{"russian", "Войска отошли. Переговоры продолжатся в 10.30 утра.",
			[]string{"Войска отошли.", "Переговоры продолжатся в 10.30 утра."}},
		{"german abbreviation", "Er kam z.B. gestern. Sie nicht.",
			[]string{"Er kam z.B. gestern.", "Sie nicht."}},
		{"blank line ends headline", "Ceasefire holds\n\nThe truce entered its third day.",
			[]string{"Ceasefire holds", "The truce entered its third day."}},
		{"line break before capital", "Ceasefire holds\nThe truce entered its third day.",
			[]string{"Ceasefire holds", "The truce entered its third day."}},
		{"hard wrapped", "The truce entered its\nthird day. It held.",
			[]string{"The truce entered its third day.", "It held."}},
		{"stray punctuation joins previous", "It ended. … Then calm.",
			[]string{"It ended. …", "Then calm."}},
		{"leading punctuation joins next", "… It began.", []string{"… It began."}},
		{"spaced out", "  One.   Two.  ", []string{"One.", "Two."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Split(tc.in), "Split(%q)", tc.in)
		})
	}
}

func TestBoundsAreTrimmedOrderedSubstrings(t *testing.T) {
	t.Parallel()
	text := "  First one.\n\nSecond (two.) Third?  Fourth… fifth. 第六。 "
	spans := Bounds(text)
	require.Len(t, spans, 5, "spans")
	checkSpans(t, text, spans)
	require.Equal(t, "第六。", text[spans[4].Start:spans[4].End], "last span")
}

// checkSpans asserts the invariants Bounds documents.
func checkSpans(t *testing.T, text string, spans []Span) {
	t.Helper()
	prev := 0
	for i, s := range spans {
		require.True(t, s.Start >= prev && s.End > s.Start && s.End <= len(text),
			"span %d = %v out of order or empty (prev end %d, len %d)", i, s, prev, len(text))
		gap := text[prev:s.Start]
		require.False(t, strings.TrimSpace(gap) != "" && hasWord(gap), "text between spans %q holds words", gap)
		sub := text[s.Start:s.End]
		prev = s.End
		r, _ := utf8.DecodeRuneInString(sub)
		l, _ := utf8.DecodeLastRuneInString(sub)
		require.False(t, unicode.IsSpace(r) || unicode.IsSpace(l), "span %d = %q not trimmed", i, sub)
	}
	rest := text[prev:]
	require.False(t, hasWord(rest), "words after the last span: %q", rest)
}

func FuzzBounds(f *testing.F) {
	for _, s := range []string{
		"", ".", "...", "Dr. No. 5. U.S. e.g. J. R. R.", "。！？", "a\n\nb\nc", "“Hi.” «Oui.» (x.)",
		"3.5 example.com a@b.c", "؟۔।॥", "\xff.\xfe ", "Mr.\n\n.", strings.Repeat("a.", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		spans := Bounds(text)
		checkSpans(t, text, spans)
		// Every letter or digit of the text lies in some span.
		words := 0
		for _, r := range text {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				words++
			}
		}
		in := 0
		for _, s := range spans {
			for _, r := range text[s.Start:s.End] {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					in++
				}
			}
		}
		require.Equal(t, words, in, "letters/digits in the spans against the text's")
		require.Len(t, Split(text), len(spans), "Split's sentences against Bounds' spans")
	})
}

func BenchmarkSplit(b *testing.B) {
	para := "The U.S. envoy, Dr. Amal Haddad, met officials on Jan. 6 in Geneva. " +
		"Talks on Resolution No. 2334 resumed! Will the 3.5 percent target hold? " +
		"北京今天宣布新措施。市场反应平静！ सरकार ने घोषणा की। "
	text := strings.Repeat(para, 200)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Split(text)
	}
}
