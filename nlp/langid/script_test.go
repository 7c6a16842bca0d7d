package langid

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

func TestScriptFastPathsAgree(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		got := scriptOf(r)
		want := scriptNone
		if r == tatweel {
			want = scriptNone
		} else if r == 0x30FC {
			want = scriptKana
		} else if unicode.IsLetter(r) {
			want = scriptOther
			if r < 0x250 {
				want = scriptLatin
			} else {
				for _, st := range scriptTables {
					if unicode.Is(st.t, r) {
						want = st.s
						break
					}
				}
			}
		}
		if got != want { // compared first: require on each of the 1.1M runes is slow
			require.Equal(t, want, got, "scriptOf(%U) against the tables", r)
		}
	}
}
