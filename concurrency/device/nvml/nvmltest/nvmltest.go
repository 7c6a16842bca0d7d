// Package nvmltest builds a fake NVML library for tests: two GPUs (an
// "NVIDIA H100 80GB HBM3" and an "NVIDIA A10") behind the functions package
// nvml binds, compiled from testdata/fakenvml.c with the C compiler. Only tests import
// it.
package nvmltest

import (
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

//go:embed testdata/fakenvml.c
var source []byte

// Build compiles the fake into a fresh folder and returns the path of its
// libnvidia-ml.so.1. Each define is a -D flag, e.g. "FAKE_INIT_RET=9",
// "FAKE_NO_NAME" or "FAKE_LOST=1" (testdata/fakenvml.c describes them).
//
// Without a C compiler ($CC, cc or gcc) the test is skipped, and fails under
// CI=true, where one is installed.
func Build(t testing.TB, defines ...string) string {
	t.Helper()
	cc := compiler()
	if cc == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no C compiler for the fake NVML (CI=true): install gcc")
		}
		t.Skip("no C compiler for the fake NVML ($CC, cc or gcc): install gcc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fakenvml.c")
	if err := os.WriteFile(src, source, 0o600); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "libnvidia-ml.so.1")
	args := []string{"-shared", "-fPIC", "-o", lib}
	for _, d := range defines {
		args = append(args, "-D"+d)
	}
	args = append(args, src)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("compiling the fake NVML: %s %v: %v\n%s", cc, args, err, out)
	}
	return lib
}

func compiler() string {
	for _, name := range []string{os.Getenv("CC"), "cc", "gcc"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
