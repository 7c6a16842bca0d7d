//go:build !unix

package hub

// lockDir is a no-op where flock is not available; concurrent pulls of the
// same model are then the caller's to avoid.
func lockDir(string) (func(), error) { return func() {}, nil }
