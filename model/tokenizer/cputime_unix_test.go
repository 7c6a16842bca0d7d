//go:build unix

package tokenizer

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used (user + system, all
// threads, GC included). Benchmarks report throughput per CPU-second next to
// wall-clock numbers because shared machines make wall time noisy.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
