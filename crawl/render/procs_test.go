package render

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
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
		require.Equal(t, tc.want, hasArg([]byte(tc.cmdline), []byte(tc.arg), tc.below), "hasArg(%q, %q, %v)", tc.cmdline, tc.arg, tc.below)
	}
}

func TestResolveChromiumPath(t *testing.T) {
	require.Equal(t, "/opt/chromium/chrome", ResolveChromiumPath("/opt/chromium/chrome"), "an explicit path")
	require.Equal(t, HeadlessShellPath, ResolveChromiumPath("/usr/bin/chromium-headless-shell"), "the headless shell's wrapper")
	want := DefaultChromiumPath
	if _, err := os.Stat(HeadlessShellPath); err == nil {
		want = HeadlessShellPath
	}
	for _, in := range []string{"", AutoChromium} {
		require.Equal(t, want, ResolveChromiumPath(in), "ResolveChromiumPath(%q)", in)
	}
}
