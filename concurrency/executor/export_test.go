package executor

// SetStackCapture switches the recording of slot stacks, which test
// binaries do by default, and returns a func that restores the old value.
// Benchmarks switch it off to measure what production pays; nothing may
// run tasks concurrently while it changes.
func SetStackCapture(on bool) (restore func()) {
	old := captureStacks
	captureStacks = on
	return func() { captureStacks = old }
}
