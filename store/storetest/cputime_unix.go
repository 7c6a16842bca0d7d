//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// cpuTime is the process's user plus system CPU time, so benchmarks on a
// loaded shared machine can report cost that waiting does not inflate.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
