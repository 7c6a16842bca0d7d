package tokenizer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTruncationShorterThanSpecials pins what the reference does when the
// max length leaves no room or less than none beside [CLS] and [SEP]
// (checked with tokenizers 0.23.2): at 2 the text goes whole into the
// overflowing window; at 1 the unsigned room wraps and nothing is cut
// beyond the early stop after one word.
func TestTruncationShorterThanSpecials(t *testing.T) {
	t.Parallel()
	base := loadMiniLM(t)
	for _, c := range []struct {
		max  int
		main []string
		over [][]string
	}{
		{1, []string{"[CLS]", "a", "[SEP]"}, nil},
		{2, []string{"[CLS]", "[SEP]"}, [][]string{{"[CLS]", "a", "b", "[SEP]"}}},
		{3, []string{"[CLS]", "a", "[SEP]"}, [][]string{{"[CLS]", "b", "[SEP]"}, {"[CLS]", "c", "[SEP]"}}},
	} {
		e := base.WithTruncation(c.max).Encode("a b c", true)
		require.Equal(t, c.main, e.Tokens, "max %d", c.max)
		var over [][]string
		for _, o := range e.Overflowing {
			over = append(over, o.Tokens)
		}
		require.Equal(t, c.over, over, "max %d: overflowing", c.max)
	}
}

func TestEncodePairErrors(t *testing.T) {
	t.Parallel()
	base := loadMiniLM(t)
	tok, err := base.WithTruncationConfig(Truncation{MaxLength: 8, Strategy: OnlyFirst})
	require.NoError(t, err)
	_, err = tok.EncodePair("a", "b c d e f g h i j", true)
	require.ErrorIs(t, err, ErrTruncation)
	require.ErrorContains(t, err, "OnlyFirst")

	// A stride that fits a single text but not a pair (3 special tokens).
	tok, err = base.WithTruncationConfig(Truncation{MaxLength: 8, Stride: 5})
	require.NoError(t, err)
	_, err = tok.EncodePair("a b c d e f g", "h i j k l", true)
	require.ErrorIs(t, err, ErrTruncation)
	require.ErrorContains(t, err, "stride 5")

	_, err = base.WithTruncationConfig(Truncation{MaxLength: 8, Stride: 6})
	require.ErrorIs(t, err, ErrInvalid)

	// A post-processor whose pair form is unknown refuses pairs only.
	tiny, err := FromJSON(tinyJSON("", `{"type":"WhitespaceSplit"}`, "", ""))
	require.NoError(t, err)
	e, err := tiny.EncodePair("hello", "world", true)
	require.NoError(t, err)
	require.Equal(t, []int64{0, 1}, e.TypeIDs, "no post-processor: the texts one after the other")
	require.Equal(t, pairTemplate{err: nil}, parsePairTemplate(nil))
	require.ErrorIs(t, parsePairTemplate([]byte(`{"type":"Exotic"}`)).err, ErrUnsupported)
}

func TestEncodeWindowsCoversTheText(t *testing.T) {
	t.Parallel()
	base := loadMiniLM(t)
	text := "a b c d e f g h i j k l m n o p q r s t u v w x y z"
	tok, err := base.WithTruncationConfig(Truncation{MaxLength: 8, Stride: 2})
	require.NoError(t, err)
	ws := tok.EncodeWindows(text, true)
	// 26 letters, windows of 6 stepping by 4: a-f, e-j, i-n, m-r, q-v, u-z.
	require.Len(t, ws, 6)
	var got []string
	for _, w := range ws {
		require.Equal(t, "[CLS]", w.Tokens[0])
		require.Equal(t, "[SEP]", w.Tokens[len(w.Tokens)-1])
		require.Empty(t, w.Overflowing)
		got = append(got, strings.Join(w.Tokens[1:len(w.Tokens)-1], ""))
	}
	require.Equal(t, []string{"abcdef", "efghij", "ijklmn", "mnopqr", "qrstuv", "uvwxyz"}, got)
	require.Equal(t, [2]int{8, 9}, ws[1].Offsets[1], "offsets point into the whole text")
	// Encode, like the reference, stops at max length: one short window.
	require.Len(t, tok.Encode(text, true).Overflowing, 1)

	padded := tok.WithPadding(Padding{Strategy: PadLongest})
	for _, w := range padded.EncodeWindows(text, true) {
		require.Equal(t, 8, w.Len())
	}
	require.Len(t, base.WithTruncation(0).EncodeWindows(text, true), 1)
}
