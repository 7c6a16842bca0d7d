package procstat

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestReadings(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	c0 := CPU()
	for deadline := time.Now().Add(20 * time.Millisecond); time.Now().Before(deadline); {
	}
	if c := CPU(); c <= c0 {
		t.Errorf("CPU() = %v after %v and 20 ms of spinning; want it to grow", c, c0)
	}
	if p := PeakRSSMB(); p <= 0 {
		t.Errorf("PeakRSSMB() = %v; want the high-water mark", p)
	}
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	before := PeakRSSMB()
	runtime.KeepAlive(big)
	big = nil
	debug.FreeOSMemory()
	if !ResetPeakRSS() {
		t.Skip("this kernel does not reset VmHWM")
	}
	if after := PeakRSSMB(); after >= before {
		t.Errorf("PeakRSSMB() = %v after the reset; want below the %v before", after, before)
	}
}
