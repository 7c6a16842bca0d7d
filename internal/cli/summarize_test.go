package cli

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const summarizeText = `Negotiators returned to Geneva on Tuesday for a third round of ceasefire talks, the UN said.
The talks had been suspended on 14 March after a drone strike killed 12 civilians near Varosh.
The weather in the city was grey. Many people stayed at home.
The UN envoy, Dr. Amal Haddad, said both sides agreed to discuss a withdrawal of heavy weapons.
Shelling continued overnight in the eastern districts, according to local officials.
Cafes near the lake were quiet. Some shops closed early.
Aid convoys reached Varosh on Monday for the first time in three weeks.
The talks in Geneva are expected to last until Friday.`

func writeText(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "article.txt")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSummarizeCommand(t *testing.T) {
	path := writeText(t, summarizeText)
	code, out, errOut := runCLI(t, "summarize", "--sentences", "2", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "Negotiators returned to Geneva on Tuesday for a third round of ceasefire talks, the UN said.\n" +
		"The talks had been suspended on 14 March after a drone strike killed 12 civilians near Varosh.\n"
	if out != want {
		t.Errorf("stdout = %q; want %q", out, want)
	}

	// The same from stdin, as JSON.
	code, out, errOut = runMasx(t, invocation{Stdin: strings.NewReader(summarizeText)}, "summarize", "-n", "3", "--json", "-")
	if code != ExitOK {
		t.Fatalf("stdin: exit %d: %s", code, errOut)
	}
	var rep summarizeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if rep.Mode != "summary" || len(rep.Sentences) != 3 || rep.Kept != 3 || rep.InputSents != 10 {
		t.Errorf("report %+v; want 3 of 10 sentences", rep)
	}
}

func TestSummarizeCommandCompress(t *testing.T) {
	path := writeText(t, summarizeText)
	code, out, errOut := runCLI(t, "summarize", "--compress", "--budget", "300", "--json", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep summarizeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if rep.Mode != "compress" || rep.OutputChars > 300 || rep.Kept == 0 || !strings.Contains(summarizeText, strings.SplitN(rep.Text, ". ", 2)[0]) {
		t.Errorf("report %+v; want a compressed text of at most 300 characters", rep)
	}
	code, out, _ = runCLI(t, "summarize", "--compress", path)
	if code != ExitOK || len(out) >= len(summarizeText) || len(out) == 0 {
		t.Errorf("exit %d, %d bytes out of %d in", code, len(out), len(summarizeText))
	}
}

func TestSummarizeCommandBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.txt")
	path := writeText(t, summarizeText)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"summarize", missing}, missing},
		{[]string{"summarize", t.TempDir()}, "reading"},
		{[]string{"summarize"}, "accepts 1 arg"},
		{[]string{"summarize", "--sentences", "-1", path}, "--sentences -1"},
		{[]string{"summarize", "--budget", "100", path}, "--budget applies to --compress"},
		{[]string{"summarize", "--compress", "--budget", "-5", path}, "--budget -5"},
		{[]string{"summarize", "--compress", "--sentences", "3", path}, "--sentences applies"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestSummarizeCommandStdinLimit(t *testing.T) {
	big := io.LimitReader(zeroReader{}, maxSummarizeInput+10)
	code, _, errOut := runMasx(t, invocation{Stdin: big}, "summarize", "-")
	if code != ExitUsage || !strings.Contains(errOut, "stdin") || !strings.Contains(errOut, "larger than") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming stdin and the limit", code, errOut)
	}
	// Empty input: nothing to print, not an error.
	code, out, errOut := runMasx(t, invocation{Stdin: strings.NewReader("")}, "summarize", "-")
	if code != ExitOK || out != "" {
		t.Errorf("empty stdin: exit %d, out %q, err %q", code, out, errOut)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
