//go:build !linux

package smallfs

import "testing"

// RealRoot reports false: see the Linux version.
func RealRoot() bool { return false }

// Run skips t: mount namespaces and tmpfs are Linux's.
func Run(t *testing.T, size int64, body func(t *testing.T, dir string)) {
	t.Helper()
	t.Skip("skipping: a small tmpfs in a mount namespace needs Linux")
}

// Grow fails t: Run never runs a body here.
func Grow(t *testing.T, dir string, size int64) {
	t.Helper()
	t.Fatal("smallfs.Grow needs Linux")
}
