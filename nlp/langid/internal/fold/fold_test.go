package fold

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRune(t *testing.T) {
	for in, want := range map[rune]rune{'ي': 'ی', 'ى': 'ی', 'ی': 'ی', 'ك': 'ک', 'ک': 'ک', 'a': 'a', 'ة': 'ة', 'ж': 'ж'} {
		got := Rune(in)
		require.Equal(t, want, got, "Rune(%U) = %U, want %U", in, got, want)
	}
}
