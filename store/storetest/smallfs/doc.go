// Package smallfs gives a test a real, small filesystem that fills up: a
// tmpfs of a chosen size, mounted in a mount namespace of its own, so a
// database on it meets a real ENOSPC and nothing outside the test sees the
// mount.
//
// A Go process cannot move all its threads into a new mount namespace, so
// Run runs the test again in a child process under unshare(1):
//
//	unshare --mount [--map-root-user] sh -c 'mount -t tmpfs -o size=N tmpfs DIR && exec TEST-BINARY -test.run=^TestName$'
//
// The child finds the folder in its environment and runs the test body;
// the parent reports the child's verdict and output as its own. Grow gives
// the full disk room again. The namespace, and the mount with it, end with
// the child. Where namespaces or tmpfs mounts are not allowed (a container
// without CAP_SYS_ADMIN, user namespaces switched off, not Linux) the test
// is skipped, saying why.
package smallfs
