//go:build !unix

package embedbench

import "time"

// processCPU is unknown here; CPU-time rates are reported as 0.
func processCPU() time.Duration { return 0 }
