package render

import (
	"os"
	"testing"
)

func TestHasArg(t *testing.T) {
	for _, tc := range []struct {
		cmdline, arg string
		below, want  bool
	}{
		{"chromium\x00--user-data-dir=/tmp/p\x00--x", "--user-data-dir=/tmp/p", false, true},
		{"chromium --type=renderer --user-data-dir=/tmp/p/browser-1 --lang=en", "--user-data-dir=/tmp/p", true, true},
		{"chromium --type=renderer --user-data-dir=/tmp/p/browser-1", "--user-data-dir=/tmp/p", false, false},
		{"chromium --user-data-dir=/tmp/p2", "--user-data-dir=/tmp/p", true, false},
		{"chromium --type=renderer-x", "--type=renderer", false, false},
		{"chromium --type=renderer", "--type=renderer", false, true},
		{"xx--type=renderer", "--type=renderer", false, false},
	} {
		if got := hasArg([]byte(tc.cmdline), []byte(tc.arg), tc.below); got != tc.want {
			t.Errorf("hasArg(%q, %q, %v) = %v; want %v", tc.cmdline, tc.arg, tc.below, got, tc.want)
		}
	}
}

func TestResolveChromiumPath(t *testing.T) {
	if got := ResolveChromiumPath("/opt/chromium/chrome"); got != "/opt/chromium/chrome" {
		t.Errorf("an explicit path became %q", got)
	}
	if got := ResolveChromiumPath("/usr/bin/chromium-headless-shell"); got != HeadlessShellPath {
		t.Errorf("the headless shell's wrapper resolved to %q; want %q", got, HeadlessShellPath)
	}
	want := DefaultChromiumPath
	if _, err := os.Stat(HeadlessShellPath); err == nil {
		want = HeadlessShellPath
	}
	for _, in := range []string{"", AutoChromium} {
		if got := ResolveChromiumPath(in); got != want {
			t.Errorf("ResolveChromiumPath(%q) = %q; want %q", in, got, want)
		}
	}
}
