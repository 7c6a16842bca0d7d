// Package device decides, once per process, whether masx runs its models on
// a CUDA GPU or on the CPU. It is the seed's use_gpu()/get_device_config().
//
// The decision comes from NVML (libnvidia-ml.so.1, the library that ships
// with the NVIDIA driver), opened with dlopen at run time, without cgo, by
// package [github.com/masx-ai/masx/concurrency/device/nvml]. That keeps
// one binary for every machine: where no driver is installed, NVML's Init
// reports ERROR_LIBRARY_NOT_FOUND and masx runs on the CPU, with a
// [Config.Reason] that says so, instead of failing to start or to link.
//
// Probing loads a library and, with a driver, opens every GPU, so it runs
// once per process and is cached by the package's one default [Detector].
// [Detect] then applies [Options] (ForceCPU, ForceGPU, DeviceID) to the
// cached probe, without allocating. Both costs are measured in
// docs/performance.md.
//
// NVML is shut down right after probing: masx never needs it again, and ONNX
// Runtime's CUDA provider talks to the driver on its own.
//
// The rules, in order:
//
//  1. ForceCPU wins over everything: CPU, whatever the hardware.
//  2. DeviceID must be ≥ 0 and, when NVML sees any GPU, below the device
//     count; otherwise [ErrBadDeviceID].
//  3. A usable device (NVML up, the chosen device answers its queries) means
//     CUDA.
//  4. Otherwise ForceGPU is an error wrapping [ErrForcedGPUUnavailable] that
//     carries the reason; without it, CPU.
//
// Only "is there a usable NVIDIA device" is decided here. Whether ONNX
// Runtime's CUDA provider then loads is checked where sessions are made; the
// inference runtime falls back to the CPU when it does not.
package device

import (
	"errors"
	"fmt"
)

// Type is the kind of device models run on.
type Type string

// The device types.
const (
	CPU  Type = "cpu"
	CUDA Type = "cuda"
)

// Config is the device decision and what NVML said about the chosen device.
// It is plain data, safe to copy, and marshals to the JSON `masx doctor
// --json` prints.
type Config struct {
	// Type is CUDA when models should run on the GPU, CPU otherwise.
	Type Type `json:"type"`
	// ID is the CUDA device index (Options.DeviceID); 0 on the CPU.
	ID int `json:"id"`
	// Name is the GPU's product name ("NVIDIA H100 80GB HBM3"); "cpu" on
	// the CPU.
	Name string `json:"name"`
	// TotalMemoryBytes is the GPU's memory; 0 on the CPU.
	TotalMemoryBytes uint64 `json:"total_memory_bytes"`
	// ComputeCapability is the CUDA compute capability, e.g. "9.0".
	ComputeCapability string `json:"compute_capability"`
	// DriverVersion is the NVIDIA driver version, e.g. "550.54.15"; empty
	// when NVML did not load.
	DriverVersion string `json:"driver_version"`
	// CUDADriverVersion is the newest CUDA version the driver supports,
	// e.g. "12.4"; empty when NVML did not load.
	CUDADriverVersion string `json:"cuda_driver_version"`
	// DeviceCount is how many GPUs NVML reported (0 without a driver). It
	// is filled even when the CPU was chosen, so a report can show a GPU
	// that ForceCPU is ignoring.
	DeviceCount int `json:"device_count"`
	// ForceCPU and ForceGPU echo the options the decision was made with.
	ForceCPU bool `json:"force_cpu"`
	ForceGPU bool `json:"force_gpu"`
	// Reason says in words why this device was chosen: "forced to the
	// CPU", "NVML: library not found (…)", "NVIDIA H100 80GB HBM3 (device 0
	// of 1)".
	Reason string `json:"reason"`
}

// UseGPU reports whether models should run on the GPU.
func (c Config) UseGPU() bool { return c.Type == CUDA }

// String is a one-line summary, e.g. "cuda:0 (NVIDIA H100 80GB HBM3 (device
// 0 of 1))" or "cpu (NVML: library not found (…))".
func (c Config) String() string {
	if c.UseGPU() {
		return fmt.Sprintf("%s:%d (%s)", c.Type, c.ID, c.Reason)
	}
	return fmt.Sprintf("%s (%s)", c.Type, c.Reason)
}

// Options are the user's device choices. The zero value is the default:
// the GPU when one is usable, else the CPU.
type Options struct {
	// ForceCPU uses the CPU even when a GPU is present. It wins over
	// ForceGPU. Default false.
	ForceCPU bool
	// ForceGPU fails instead of falling back to the CPU. Default false.
	ForceGPU bool
	// DeviceID is the GPU index. Default 0.
	DeviceID int
}

// ErrForcedGPUUnavailable is wrapped by Detect's error when ForceGPU is set
// and no usable CUDA device exists; the message carries the reason. The
// inference runtime wraps it too when a forced GPU fails to load a model.
var ErrForcedGPUUnavailable = errors.New("GPU forced but not usable")

// ErrBadDeviceID is wrapped by Detect's error when DeviceID is negative or
// not below the number of GPUs NVML reports.
var ErrBadDeviceID = errors.New("bad GPU device ID")

// defaultDetector is the process's one device probe, shared by Detect and
// Redetect. It is the package's only mutable state: NVML is probed once per
// process, not once per caller.
var defaultDetector = NewDetector(SystemNVML())

// Detect returns the device decision for opts. The first call in the process
// probes NVML; later calls reuse that probe and only re-apply opts.
func Detect(opts Options) (Config, error) { return defaultDetector.Detect(opts) }

// Redetect drops the default detector's cached probe, so the next Detect
// probes NVML again. Tests and long-lived tools that watch for a hot-plugged
// driver use it; ordinary callers never need to.
func Redetect() { defaultDetector.Redetect() }
