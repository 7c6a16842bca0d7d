package tokens

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"The U.S. envoy's plan, don't worry!", []string{"the", "u.s", "envoy", "plan", "don't", "worry"}},
		{"Inflation hit 3.5% in 2024.", []string{"inflation", "hit", "3.5", "in", "2024"}},
		{"pro-Russian forces", []string{"pro", "russian", "forces"}},
		{"l'armée d’Italia", []string{"armée", "italia"}},
		{"ＦＵＬＬ　ｗｉｄｔｈ", []string{"full", "width"}},
		{"a I x 5 ok", []string{"ok"}},
		{"北京大学", []string{"北京", "京大", "大学"}},
		{"中 国", []string{"中", "国"}},
		{"東京でコーヒー", []string{"東京", "京で", "でコ", "コー", "ーヒ", "ヒー"}},
		{"Visit 北京 now", []string{"visit", "北京", "now"}},
		{"सरकार ने घोषणा की।", []string{"सरकार", "ने", "घोषणा", "की"}},
		{"Война и мир", []string{"война", "мир"}},
		{"end.", []string{"end"}},
		{"example.com/ab?cd=ef", []string{"example.com", "ab", "cd", "ef"}},
		{strings.Repeat("x", MaxTokenRunes+1) + " keep", []string{"keep"}},
		{"\xff\xfebad", []string{"bad"}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, Words(tc.in), "Words(%q)", tc.in)
	}
}

func TestTermsDropStopwords(t *testing.T) {
	t.Parallel()
	got := Terms("The talks in Geneva were said to be over, según la ONU, und die Truppen.")
	require.Equal(t, []string{"talks", "geneva", "onu", "truppen"}, got, "Terms")
	for _, w := range []string{"the", "les", "und", "что", "في"} {
		require.True(t, IsStopword(w), "IsStopword(%q)", w)
	}
	require.False(t, IsStopword("ceasefire"), `IsStopword("ceasefire")`)
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"", "a'b.c", "l'x", "'s", "北京ー", "\xff'.", "x.\xff", "Ǆ.ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range Words(s) {
			n := utf8.RuneCountInString(w)
			require.True(t, w != "" && n <= MaxTokenRunes, "token %q of %q has %d runes", w, s, n)
		}
	})
}

func BenchmarkTerms(b *testing.B) {
	text := strings.Repeat("The U.S. envoy, Dr. Amal Haddad, met officials on Jan. 6 in Geneva to discuss "+
		"the ceasefire; l'armée et la police étaient présentes. 北京今天宣布新措施。 ", 100)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Terms(text)
	}
}
