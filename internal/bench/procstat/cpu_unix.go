//go:build unix

package procstat

import (
	"syscall"
	"time"
)

// CPU is the user and system time this process has used so far, on all
// its threads (ONNX Runtime's included).
func CPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
