package render

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSandboxDecision protects the choice between Chromium's sandbox and
// --no-sandbox: the sandbox whenever it can work, a refusal to start when
// it is required and cannot, and a reason for each.
func TestSandboxDecision(t *testing.T) {
	user := sandboxFacts{euid: 1000}
	root := sandboxFacts{euid: 0}
	noNS := sandboxFacts{euid: 1000, userns: errors.New("user.max_user_namespaces = 0")}
	for _, tc := range []struct {
		mode   string
		facts  sandboxFacts
		on     bool
		reason string // a part of it
		err    error  // errors.Is; nil: no error
	}{
		{"", user, true, "not root, and user namespaces are available", nil},
		{SandboxAuto, user, true, "not root, and user namespaces are available", nil},
		{SandboxAuto, root, false, "running as root", nil},
		{SandboxAuto, noNS, false, "user namespaces are unavailable: user.max_user_namespaces = 0", nil},
		{SandboxOn, user, true, "required", nil},
		{SandboxOn, root, false, "running as root", ErrNoSandbox},
		{SandboxOn, noNS, false, "user.max_user_namespaces = 0", ErrNoSandbox},
		{SandboxOff, user, false, "turned off", nil},
		{SandboxOff, root, false, "turned off", nil},
	} {
		asked := false
		on, reason, err := SandboxMode(Config{Sandbox: tc.mode, sandboxFacts: func() sandboxFacts { asked = true; return tc.facts }})
		name := tc.mode + "/uid " + strconv.Itoa(tc.facts.euid)
		if tc.facts.userns != nil {
			name += "/no userns"
		}
		require.Equal(t, tc.on, on, "%s: SandboxMode", name)
		require.Contains(t, reason, tc.reason, "%s: the reason", name)
		if tc.err == nil {
			require.NoError(t, err, name)
		} else {
			require.ErrorIs(t, err, tc.err, name)
			require.ErrorContains(t, err, "MASX_CHROMIUM_SANDBOX=off", "%s: the error names the way out", name)
		}
		require.False(t, tc.mode == SandboxOff && asked, "%s: the machine was examined for a sandbox that is off", name)
	}
	_, _, err := SandboxMode(Config{Sandbox: "yes"})
	require.Error(t, err, `SandboxMode(Sandbox "yes")`)
	_, err = New(Config{Sandbox: "yes"})
	require.ErrorContains(t, err, "Config.Sandbox", `New(Sandbox "yes") names the field`)
}

// TestUsernsSettings checks that each kernel switch that turns user
// namespaces off is read, and that the probe runs only when none does.
func TestUsernsSettings(t *testing.T) {
	probeErr := errors.New("probe refused")
	for _, tc := range []struct {
		files map[string]string
		probe error
		want  string // "" : available
	}{
		{nil, nil, ""},
		{map[string]string{"kernel/unprivileged_userns_clone": "1\n", "user/max_user_namespaces": "63000\n"}, nil, ""},
		{map[string]string{"kernel/unprivileged_userns_clone": "0\n"}, nil, "kernel.unprivileged_userns_clone = 0"},
		{map[string]string{"user/max_user_namespaces": "0\n"}, nil, "user.max_user_namespaces = 0"},
		{map[string]string{"kernel/apparmor_restrict_unprivileged_userns": "1\n"}, nil, "kernel.apparmor_restrict_unprivileged_userns = 1"},
		{map[string]string{"kernel/apparmor_restrict_unprivileged_userns": "0\n"}, nil, ""},
		{map[string]string{"user/max_user_namespaces": "10\n"}, probeErr, "probe refused"},
	} {
		dir := t.TempDir()
		for name, v := range tc.files {
			path := filepath.Join(dir, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, []byte(v), 0o644))
		}
		probed := false
		err := usernsUnavailable(dir, func() error { probed = true; return tc.probe })
		got := ""
		if err != nil {
			got = err.Error()
		}
		require.Equal(t, tc.want, got, "%v (probe %v)", tc.files, tc.probe)
		require.Equal(t, tc.want == "" || tc.probe != nil, probed, "%v: probed", tc.files)
	}
	// The real probe agrees with unshare(1).
	bin := chromiumPath(t)
	unshare := exec.Command("unshare", "--user", "true").Run()
	err := probeUserns(bin)
	require.Equal(t, unshare == nil, err == nil, "probeUserns = %v; unshare --user gave %v", err, unshare)
}

// TestSandboxAutoAsRoot starts Chromium the way this machine allows when
// the tests run as root: auto turns the sandbox off, saying why, and the
// browser renders; on refuses to start instead of letting Chromium fail.
func TestSandboxAutoAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: TestSandboxKeptForUnprivilegedUser covers a sandboxed start")
	}
	cfg := Config{ChromiumPath: chromiumPath(t)}
	on, reason, err := SandboxMode(cfg)
	require.NoError(t, err)
	require.False(t, on, "SandboxMode as root")
	require.True(t, strings.HasPrefix(reason, "running as root"), "reason %q", reason)
	s := newSite(t)
	cfg.Guard = guardFor(s.Server)
	p := startPool(t, cfg)
	_, err = p.Render(context.Background(), s.URL+"/article")
	require.NoError(t, err)
	require.True(t, browserHasArg(t, p, "--no-sandbox"), "Chromium runs as root without --no-sandbox; it cannot have started")

	strict, err := New(Config{ChromiumPath: cfg.ChromiumPath, Sandbox: SandboxOn})
	require.NoError(t, err)
	err = strict.Start(context.Background())
	require.ErrorIs(t, err, ErrNoSandbox, "Start with Sandbox on, as root")
	require.ErrorContains(t, err, "running as root")
	require.NoError(t, strict.Stop(context.Background()), "Stop after the refused Start")
}

// TestSandboxKeptForUnprivilegedUser protects the sandbox itself: for a
// user that is not root and may create user namespaces, Chromium runs
// without --no-sandbox and its renderers are confined by seccomp-bpf
// (Seccomp: 2 in /proc/<pid>/status; 0 unsandboxed). The tests run as
// root, so the browser is started as nobody through setpriv, in a wrapper
// that hands nobody its profile folder.
func TestSandboxKeptForUnprivilegedUser(t *testing.T) {
	bin := chromiumPath(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to start Chromium as another user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	const nobody = "65534"
	drop := []string{"--reuid=" + nobody, "--regid=" + nobody, "--clear-groups"}
	if out, err := exec.Command(setpriv, append(drop, "unshare", "--user", "true")...).CombinedOutput(); err != nil {
		t.Skipf("nobody cannot create a user namespace here, so the sandbox cannot work: %v %s", err, out)
	}
	wrapper := filepath.Join(t.TempDir(), "chromium-as-nobody")
	script := `#!/bin/sh
for a; do case $a in --user-data-dir=*) dir=${a#--user-data-dir=};; esac; done
chmod 711 "$(dirname "$dir")" && chown ` + nobody + `:` + nobody + ` "$dir" || exit 1
HOME=$dir exec ` + setpriv + ` ` + strings.Join(drop, " ") + ` ` + bin + ` "$@"
`
	require.NoError(t, os.WriteFile(wrapper, []byte(script), 0o755))
	s := newSite(t)
	p := startPool(t, Config{
		ChromiumPath: wrapper,
		Guard:        guardFor(s.Server),
		Sandbox:      SandboxOn,
		sandboxFacts: func() sandboxFacts { return sandboxFacts{euid: 65534} },
	})
	res, err := p.Render(context.Background(), s.URL+"/article")
	require.NoError(t, err)
	require.Contains(t, string(res.HTML), "spillway", "the sandboxed browser rendered the article")
	require.False(t, browserHasArg(t, p, "--no-sandbox"), "Chromium runs with --no-sandbox for an unprivileged user that can use the sandbox")
	renderers := p.processes("renderer")
	require.NotEmpty(t, renderers, "a renderer process to inspect")
	for _, pid := range renderers {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		require.NoError(t, err)
		_, rest, _ := bytes.Cut(status, []byte("\nSeccomp:"))
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		require.Equal(t, "2", strings.TrimSpace(string(line)), "renderer %d is confined by seccomp-bpf", pid)
	}
}

// browserHasArg reports whether the pool's browser process has arg on its
// command line.
func browserHasArg(t *testing.T, p *Pool, arg string) bool {
	t.Helper()
	p.mu.Lock()
	pid := p.browser.pid
	p.mu.Unlock()
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	require.NoError(t, err)
	return hasArg(cmdline, []byte(arg), false)
}
