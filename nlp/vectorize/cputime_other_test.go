//go:build !unix

package vectorize

import "time"

// cpuTime is unknown here; benchmarks then report 0 cpu-ms/op.
func cpuTime() time.Duration { return 0 }
