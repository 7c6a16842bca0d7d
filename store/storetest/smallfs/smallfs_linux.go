package smallfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// envDir names the tmpfs folder in the child's environment.
const envDir = "MASX_SMALLFS_DIR"

// RealRoot reports whether the parent runs as the real root, so the child
// is root of the machine's user namespace too (not a mapped root): what
// programs that change user, such as a PostgreSQL server started by
// pgtest, need.
func RealRoot() bool { return os.Geteuid() == 0 }

// Run runs body with dir, the root of a tmpfs of size bytes, in a child
// process of its own mount namespace, and reports the child's result as
// t's. In the child, Run just calls body. Call it at the top level of a
// test function or a subtest, with nothing before it that the child should
// not do twice.
func Run(t *testing.T, size int64, body func(t *testing.T, dir string)) {
	t.Helper()
	if dir := os.Getenv(envDir); dir != "" {
		body(t, dir)
		return
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("skipping: no unshare(1) (util-linux) to make a mount namespace for a small tmpfs")
	}
	// Not t.TempDir, whose parent only root may enter: a server the body
	// starts under another user (PostgreSQL) must reach the tmpfs.
	dir, err := os.MkdirTemp("", "masx-smallfs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"--mount", "--propagation", "private"}
	if !RealRoot() {
		args = append(args, "--map-root-user")
	}
	// Probe first, so "not allowed here" is a skip, not a failure.
	probe := exec.Command(unshare, append(args, "sh", "-c", `mount -t tmpfs -o size=1m tmpfs "$1"`, "sh", dir)...)
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("skipping: this machine allows no tmpfs in a mount namespace (%v: %s)", err, bytes.TrimSpace(out))
	}
	script := fmt.Sprintf(`mount -t tmpfs -o size=%d tmpfs "$1" || exit 97; shift; exec "$@"`, size)
	child := append(args, "sh", "-c", script, "sh", dir, os.Args[0],
		"-test.run="+runPattern(t.Name()), "-test.count=1", "-test.v")
	cmd := exec.Command(unshare, child...)
	cmd.Env = append(os.Environ(), envDir+"="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil && bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		t.Skipf("skipped in the child:\n%s", out)
	case err == nil && !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("the child ran no test named %s:\n%s", t.Name(), out)
	case err == nil:
		t.Logf("child, on a %d-byte tmpfs at %s:\n%s", size, dir, out)
	case errors.As(err, &exit) && exit.ExitCode() == 97:
		t.Skipf("skipping: mounting a %d-byte tmpfs failed:\n%s", size, out)
	default:
		t.Fatalf("child, on a %d-byte tmpfs at %s: %v\n%s", size, dir, err, out)
	}
}

// Grow resizes the tmpfs at dir, in the child Run started, to size bytes:
// the disk a test filled has room again, without anything on it changing.
func Grow(t *testing.T, dir string, size int64) {
	t.Helper()
	if os.Getenv(envDir) != dir {
		t.Fatalf("smallfs.Grow(%s): not the tmpfs of this child (%s=%q)", dir, envDir, os.Getenv(envDir))
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("smallfs.Grow(%s, %d): %v", dir, size, err)
	}
}

// runPattern matches exactly the test named name (subtests included) with
// -test.run, which splits its pattern at slashes.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
