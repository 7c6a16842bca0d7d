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
		if on != tc.on || !strings.Contains(reason, tc.reason) {
			t.Errorf("%s: SandboxMode = %v, %q; want %v, a reason containing %q", name, on, reason, tc.on, tc.reason)
		}
		if (tc.err == nil) != (err == nil) || (tc.err != nil && !errors.Is(err, tc.err)) {
			t.Errorf("%s: err = %v; want %v", name, err, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), "MASX_CHROMIUM_SANDBOX=off") {
			t.Errorf("%s: err = %v; want it to name the way out", name, err)
		}
		if tc.mode == SandboxOff && asked {
			t.Errorf("%s: the machine was examined for a sandbox that is off", name)
		}
	}
	if _, _, err := SandboxMode(Config{Sandbox: "yes"}); err == nil {
		t.Error(`SandboxMode(Sandbox "yes") = nil error; want one`)
	}
	if _, err := New(Config{Sandbox: "yes"}); err == nil || !strings.Contains(err.Error(), "Config.Sandbox") {
		t.Errorf(`New(Sandbox "yes") = %v; want an error naming Config.Sandbox`, err)
	}
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
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		probed := false
		err := usernsUnavailable(dir, func() error { probed = true; return tc.probe })
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%v (probe %v): %q; want %q", tc.files, tc.probe, got, tc.want)
		}
		if wantProbe := tc.want == "" || tc.probe != nil; probed != wantProbe {
			t.Errorf("%v: probed = %v; want %v", tc.files, probed, wantProbe)
		}
	}
	// The real probe agrees with unshare(1).
	bin := chromiumPath(t)
	unshare := exec.Command("unshare", "--user", "true").Run()
	if err := probeUserns(bin); (err == nil) != (unshare == nil) {
		t.Errorf("probeUserns = %v; unshare --user gave %v", err, unshare)
	}
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
	if on || err != nil || !strings.HasPrefix(reason, "running as root") {
		t.Fatalf("SandboxMode as root = %v, %q, %v; want off, running as root", on, reason, err)
	}
	s := newSite(t)
	cfg.Guard = guardFor(s.Server)
	p := startPool(t, cfg)
	if _, err := p.Render(context.Background(), s.URL+"/article"); err != nil {
		t.Fatal(err)
	}
	if !browserHasArg(t, p, "--no-sandbox") {
		t.Error("Chromium runs as root without --no-sandbox; it cannot have started")
	}

	strict, err := New(Config{ChromiumPath: cfg.ChromiumPath, Sandbox: SandboxOn})
	if err != nil {
		t.Fatal(err)
	}
	if err := strict.Start(context.Background()); !errors.Is(err, ErrNoSandbox) || !strings.Contains(err.Error(), "running as root") {
		t.Errorf("Start with Sandbox on, as root = %v; want ErrNoSandbox naming root", err)
	}
	if err := strict.Stop(context.Background()); err != nil {
		t.Errorf("Stop after the refused Start: %v", err)
	}
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
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s := newSite(t)
	p := startPool(t, Config{
		ChromiumPath: wrapper,
		Guard:        guardFor(s.Server),
		Sandbox:      SandboxOn,
		sandboxFacts: func() sandboxFacts { return sandboxFacts{euid: 65534} },
	})
	res, err := p.Render(context.Background(), s.URL+"/article")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.HTML), "spillway") {
		t.Errorf("the sandboxed browser rendered %q", res.HTML)
	}
	if browserHasArg(t, p, "--no-sandbox") {
		t.Error("Chromium runs with --no-sandbox for an unprivileged user that can use the sandbox")
	}
	renderers := p.processes("renderer")
	if len(renderers) == 0 {
		t.Fatal("no renderer process to inspect")
	}
	for _, pid := range renderers {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		if _, rest, _ := bytes.Cut(status, []byte("\nSeccomp:")); !bytes.HasPrefix(bytes.TrimLeft(rest, " \t"), []byte("2\n")) {
			line, _, _ := bytes.Cut(rest, []byte("\n"))
			t.Errorf("renderer %d is not confined by seccomp-bpf: Seccomp:%s; want 2", pid, line)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	return hasArg(cmdline, []byte(arg), false)
}
