package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The values of Config.Sandbox (MASX_CHROMIUM_SANDBOX).
const (
	// SandboxAuto (the default) keeps Chromium's sandbox whenever it can
	// work: masx does not run as root and user namespaces can be created.
	// Otherwise Chromium runs with --no-sandbox.
	SandboxAuto = "auto"
	// SandboxOn requires the sandbox: Start fails with [ErrNoSandbox] when
	// it cannot work.
	SandboxOn = "on"
	// SandboxOff always runs Chromium with --no-sandbox.
	SandboxOff = "off"
)

// ErrNoSandbox: Config.Sandbox is SandboxOn but the sandbox cannot work
// here (masx runs as root, or user namespaces are unavailable).
var ErrNoSandbox = errors.New("the Chromium sandbox cannot work here")

// sandboxFacts is what decides whether Chromium's sandbox can work.
// Debian's Chromium has no setuid helper; its sandbox is the namespace
// sandbox, which needs an unprivileged user namespace, and Chromium refuses
// to start as root without --no-sandbox.
type sandboxFacts struct {
	euid   int
	userns error // nil: user namespaces can be created; else why not
}

// SandboxMode says whether the pool runs Chromium's sandbox under cfg, and
// why. err is set when cfg.Sandbox is SandboxOn and the sandbox cannot work
// (it wraps [ErrNoSandbox]; Start fails with it), or when cfg.Sandbox is not
// one of the Sandbox values. It looks at this process's user and at the
// kernel's user-namespace settings, and tries to start Chromium's binary in
// a new user namespace (about 0.1 s), so it reads the machine as it is now.
func SandboxMode(cfg Config) (on bool, reason string, err error) {
	facts := cfg.sandboxFacts
	if facts == nil {
		facts = func() sandboxFacts { return detectSandboxFacts(ResolveChromiumPath(cfg.ChromiumPath)) }
	}
	return decideSandbox(cfg.Sandbox, facts)
}

// decideSandbox applies mode ("" is SandboxAuto) to the facts, which it
// asks for only when the mode needs them.
func decideSandbox(mode string, facts func() sandboxFacts) (bool, string, error) {
	switch mode {
	case SandboxOff:
		return false, "turned off (MASX_CHROMIUM_SANDBOX=off)", nil
	case "", SandboxAuto, SandboxOn:
	default:
		return false, "", fmt.Errorf("render: Config.Sandbox = %q: want %s, %s or %s", mode, SandboxAuto, SandboxOn, SandboxOff)
	}
	var cannot string
	switch f := facts(); {
	case f.euid == 0:
		cannot = "running as root (Chromium allows its sandbox only to an unprivileged user)"
	case f.userns != nil:
		cannot = "user namespaces are unavailable: " + f.userns.Error()
	}
	switch {
	case cannot == "" && mode == SandboxOn:
		return true, "required (MASX_CHROMIUM_SANDBOX=on); not root, and user namespaces are available", nil
	case cannot == "":
		return true, "not root, and user namespaces are available", nil
	case mode == SandboxOn:
		return false, cannot, fmt.Errorf("%w: %s; it is required (MASX_CHROMIUM_SANDBOX=on): run masx as an unprivileged user on a kernel that allows user namespaces, or set MASX_CHROMIUM_SANDBOX=off", ErrNoSandbox, cannot)
	}
	return false, cannot, nil
}

// detectSandboxFacts reads this process's effective user and whether it
// can create a user namespace.
func detectSandboxFacts(chromium string) sandboxFacts {
	f := sandboxFacts{euid: os.Geteuid()}
	if f.euid == 0 {
		return f // decided already; spare the probe
	}
	f.userns = usernsUnavailable("/proc/sys", func() error { return probeUserns(chromium) })
	return f
}

// usernsUnavailable returns why an unprivileged process cannot create a
// user namespace, or nil when it can: the kernel settings under procSys
// (Debian's and Ubuntu's switches where present, the namespace limit),
// then probe, which tries.
func usernsUnavailable(procSys string, probe func() error) error {
	for _, s := range []struct {
		file, off string
	}{
		{"kernel/unprivileged_userns_clone", "0"},             // Debian and Ubuntu kernels
		{"user/max_user_namespaces", "0"},                     // every kernel
		{"kernel/apparmor_restrict_unprivileged_userns", "1"}, // Ubuntu 23.10 and later
	} {
		b, err := os.ReadFile(filepath.Join(procSys, s.file))
		if err != nil {
			continue // not this kernel's switch
		}
		if strings.TrimSpace(string(b)) == s.off {
			return fmt.Errorf("%s = %s", strings.ReplaceAll(s.file, "/", "."), s.off)
		}
	}
	if probe == nil {
		return nil
	}
	return probe()
}

// probeUserns starts chromium --version in a new user namespace, as
// Chromium's sandbox would create one: a seccomp filter (a container's
// default profile) or a policy can refuse what the kernel settings allow.
// Without the binary there is nothing to probe; Start reports it missing.
func probeUserns(chromium string) error {
	if _, err := os.Stat(chromium); err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--version")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("creating one failed: %w", err)
	}
	_ = cmd.Wait() // its exit status says nothing about namespaces
	return nil
}
