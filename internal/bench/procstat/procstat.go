// Package procstat reads what the benchmarks report about this process:
// its CPU time, its peak resident memory and the machine's load.
//
// Where the platform has no such figure (no getrusage, no /proc), CPU
// reads 0, PeakRSSMB −1 and LoadAvg 0, and rates built on them read 0.
package procstat

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSSMB is the resident-set high-water mark (VmHWM in
// /proc/self/status) in MB, or −1 where there is none.
func PeakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return -1
		}
		return kb / 1024
	}
	return -1
}

// ResetPeakRSS starts the kernel's peak-RSS mark (VmHWM) again from the
// current RSS, so that the next measurement's peak is its own. It reports
// whether the kernel took the reset (/proc/self/clear_refs).
func ResetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// LoadAvg is the machine's 1-minute load average, or 0 where /proc is
// missing.
func LoadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var v float64
	_, _ = fmt.Sscan(string(b), &v)
	return v
}
