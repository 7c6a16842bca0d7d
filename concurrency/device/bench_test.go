package device

import "testing"

// BenchmarkProbeSystemNVML is one uncached probe of this machine's NVML
// (on a machine without a driver: a failed dlopen).
func BenchmarkProbeSystemNVML(b *testing.B) {
	for b.Loop() {
		if _, err := NewDetector(SystemNVML()).Detect(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDetectCached is what every Detect after the first costs.
func BenchmarkDetectCached(b *testing.B) {
	d := NewDetector(SystemNVML())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Detect(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
