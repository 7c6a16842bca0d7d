package fold

import "testing"

func TestRune(t *testing.T) {
	for in, want := range map[rune]rune{'ي': 'ی', 'ى': 'ی', 'ی': 'ی', 'ك': 'ک', 'ک': 'ک', 'a': 'a', 'ة': 'ة', 'ж': 'ж'} {
		if got := Rune(in); got != want {
			t.Errorf("Rune(%U) = %U, want %U", in, got, want)
		}
	}
}
