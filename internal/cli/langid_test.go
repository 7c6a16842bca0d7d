package cli

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestLangidCommand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"argument", "", []string{"langid", "Die Bundesregierung hat am Mittwoch neue Hilfen beschlossen."}, "de 1.00\n"},
		{"joined arguments", "", []string{"langid", "Le", "gouvernement", "a", "présenté", "son", "budget", "mercredi."}, "fr 1.00\n"},
		{"stdin", "Правительство объявило о новых мерах поддержки экономики.", []string{"langid", "-"}, "ru 1.00\n"},
		{"json", "", []string{"langid", "--json", "政府は新たな経済対策を発表した。"}, `{"lang":"ja","confidence":1}` + "\n"},
		{"empty argument", "", []string{"langid", ""}, "und 0.00\n"},
		{"empty stdin", "", []string{"langid", "-"}, "und 0.00\n"},
		{"empty stdin json", "", []string{"langid", "--json", "-"}, `{"lang":"und","confidence":0}` + "\n"},
		{"invalid utf-8", "\xff\xfe\xfd", []string{"langid", "-"}, "und 0.00\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMasx(t, invocation{Stdin: strings.NewReader(tc.stdin)}, tc.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if out != tc.want {
				t.Errorf("stdout = %q, want %q", out, tc.want)
			}
		})
	}
}

func TestLangidCommandLargeStdin(t *testing.T) {
	// 8 MiB of input: only the first 64 KiB are read, and only the first
	// 1000 characters decide (Spanish here, Italian after).
	es := strings.Repeat("El Gobierno aprobó este jueves los presupuestos generales del Estado. ", 20)
	r := &countingReader{r: strings.NewReader(es + strings.Repeat("Il governo ha approvato la legge di bilancio. ", 180_000))}
	code, out, errOut := runMasx(t, invocation{Stdin: r}, "langid", "--json", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep langidReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Lang != "es" {
		t.Errorf("got %q (%v), want es", out, err)
	}
	if r.n > maxLangidInput {
		t.Errorf("read %d bytes of stdin, want at most %d", r.n, maxLangidInput)
	}
}

func TestLangidCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"langid"},
		{"langid", "-", "extra"},
		{"langid", "--bogus", "text"},
	} {
		code, _, errOut := runMasx(t, invocation{Stdin: strings.NewReader("")}, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, errOut)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
