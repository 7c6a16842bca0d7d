package device

import (
	"fmt"
	"strings"
	"sync"

	"github.com/masx-ai/masx/concurrency/device/nvml"
	"github.com/masx-ai/masx/concurrency/panics"
)

// NVML is the part of the NVML API a Detector calls. [SystemNVML] is the
// real one, an [nvml.Library].
//
// NOTE: this is a seam for fault injection (a driver whose Init fails, a GPU
// that stops answering), not a stable API; it grows with what Detect asks.
type NVML interface {
	Init() nvml.Return
	Shutdown() nvml.Return
	SystemGetDriverVersion() (string, nvml.Return)
	SystemGetCudaDriverVersion() (int, nvml.Return)
	DeviceGetCount() (int, nvml.Return)
	// DeviceGetHandleByIndex returns a handle on which the Detector calls
	// only GetName, GetMemoryInfo and GetCudaComputeCapability.
	DeviceGetHandleByIndex(int) (nvml.Device, nvml.Return)
}

// SystemNVML returns the NVML of this machine: libnvidia-ml.so.1, opened
// with dlopen on Init. Each call returns a fresh handle on the library.
func SystemNVML() NVML { return nvml.New() }

// Detector probes NVML once and applies Options to the cached probe. It is
// safe for concurrent use. The package's default detector serves [Detect];
// tests make their own with a fake NVML.
type Detector struct {
	lib NVML

	mu    sync.Mutex
	probe *probe // nil until the first Detect after construction or Redetect
}

// NewDetector returns a Detector over lib. It probes nothing until Detect.
func NewDetector(lib NVML) *Detector { return &Detector{lib: lib} }

// Redetect drops the cached probe; the next Detect probes NVML again.
func (d *Detector) Redetect() {
	d.mu.Lock()
	d.probe = nil
	d.mu.Unlock()
}

// Detect returns the device decision for opts, probing NVML on the first
// call. See the package doc for the rules. Errors wrap
// [ErrForcedGPUUnavailable] or [ErrBadDeviceID]; any other failure (NVML
// missing, a device that does not answer) is not an error but a CPU Config
// with the reason.
func (d *Detector) Detect(opts Options) (Config, error) {
	d.mu.Lock()
	if d.probe == nil {
		d.probe = probeNVML(d.lib)
	}
	p := d.probe
	d.mu.Unlock()
	return decide(p, opts)
}

// probe is what NVML said, kept for the life of the process. It is never
// modified after probeNVML returns.
type probe struct {
	// initErr is why no device can be used at all (NVML missing, Init or
	// the device count failed); "" when devices were listed.
	initErr           string
	driverVersion     string
	cudaDriverVersion string
	devices           []probedDevice // one per index below the count
}

type probedDevice struct {
	name              string
	totalMemoryBytes  uint64
	computeCapability string
	err               string // why this device cannot be used; "" when it can
}

// maxProbedDevices bounds the per-device queries against a driver that
// reports a nonsense count. Real hosts have at most a few dozen GPUs.
const maxProbedDevices = 1024

// probeNVML initialises NVML, reads everything Detect may need for every
// device, and shuts NVML down. It never panics: a panic inside the binding
// (a half-loaded library, a fake in a test) becomes the probe's initErr.
func probeNVML(lib NVML) (p *probe) {
	p = &probe{}
	initialised := false
	defer func() {
		if r := recover(); r != nil {
			p.initErr = fmt.Sprintf("NVML: while probing: %v", panics.New(r))
			p.devices = nil
		}
		if initialised {
			// A failed Shutdown only leaks NVML's own state; the
			// decision above stands, so its result is ignored.
			func() {
				// A panic here changes nothing that was decided.
				defer func() { _ = recover() }()
				lib.Shutdown()
			}()
		}
	}()

	if ret := lib.Init(); ret != nvml.Success {
		p.initErr = "NVML: " + describe(ret)
		return p
	}
	initialised = true

	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.Success {
		p.driverVersion = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.Success && v > 0 {
		// NVML encodes CUDA 12.4 as 12040.
		p.cudaDriverVersion = fmt.Sprintf("%d.%d", v/1000, (v%1000)/10)
	}
	n, ret := lib.DeviceGetCount()
	if ret != nvml.Success {
		p.initErr = "NVML: counting devices: " + describe(ret)
		return p
	}
	n = max(0, min(n, maxProbedDevices))
	p.devices = make([]probedDevice, n)
	for i := range n {
		p.devices[i] = queryDevice(lib, i, n)
	}
	return p
}

// queryDevice reads one device. A failed query, or a panic inside the
// binding, marks that device unusable and leaves the others alone.
func queryDevice(lib NVML, i, n int) (d probedDevice) {
	defer func() {
		if r := recover(); r != nil {
			d = probedDevice{err: fmt.Sprintf("NVML: querying device %d of %d: %v", i, n, panics.New(r))}
		}
	}()
	fail := func(what string, ret nvml.Return) probedDevice {
		return probedDevice{err: fmt.Sprintf("NVML: %s of device %d of %d: %s", what, i, n, describe(ret))}
	}
	h, ret := lib.DeviceGetHandleByIndex(i)
	if ret != nvml.Success {
		return fail("getting the handle", ret)
	}
	name, ret := h.GetName()
	if ret != nvml.Success {
		return fail("reading the name", ret)
	}
	mem, ret := h.GetMemoryInfo()
	if ret != nvml.Success {
		return fail("reading the memory size", ret)
	}
	major, minor, ret := h.GetCudaComputeCapability()
	if ret != nvml.Success {
		return fail("reading the compute capability", ret)
	}
	return probedDevice{
		name:              strings.TrimSpace(name),
		totalMemoryBytes:  mem.Total,
		computeCapability: fmt.Sprintf("%d.%d", major, minor),
	}
}

// describe turns an NVML return code into words. The common ones on a
// machine without a usable GPU get a hint; the rest keep NVML's own name
// (e.g. ERROR_GPU_IS_LOST) so they can be searched for.
func describe(ret nvml.Return) string {
	switch ret {
	case nvml.ErrorLibraryNotFound:
		return "library not found (libnvidia-ml.so.1 did not load: no NVIDIA driver installed)"
	case nvml.ErrorDriverNotLoaded:
		return "driver not loaded (the NVIDIA kernel module is not running)"
	case nvml.ErrorNoPermission:
		return "no permission (cannot open /dev/nvidia*)"
	case nvml.ErrorLibRMVersionMismatch:
		return "library and kernel driver versions differ (reboot or reinstall the driver)"
	}
	return ret.String()
}

// The start of Config.Reason when Options forced the device.
const (
	reasonForcedCPU = "forced to the CPU"
	reasonForcedGPU = "forced to the GPU"
)

// decide applies opts to a probe. It is pure: the same probe and options
// always give the same answer.
func decide(p *probe, opts Options) (Config, error) {
	c := Config{
		Type:              CPU,
		Name:              "cpu",
		DriverVersion:     p.driverVersion,
		CUDADriverVersion: p.cudaDriverVersion,
		DeviceCount:       len(p.devices),
		ForceCPU:          opts.ForceCPU,
		ForceGPU:          opts.ForceGPU,
	}
	if opts.ForceCPU {
		c.Reason = reasonForcedCPU
		if opts.ForceGPU {
			c.Reason += " (ForceCPU wins over ForceGPU)"
		}
		return c, nil
	}
	if opts.DeviceID < 0 {
		return c, fmt.Errorf("%w %d: want a GPU index ≥ 0", ErrBadDeviceID, opts.DeviceID)
	}
	if n := len(p.devices); n > 0 && opts.DeviceID >= n {
		return c, fmt.Errorf("%w %d: NVML reports %d GPU(s): want 0..%d",
			ErrBadDeviceID, opts.DeviceID, n, n-1)
	}

	var why string
	switch {
	case p.initErr != "":
		why = p.initErr
	case len(p.devices) == 0:
		why = "NVML: no GPU found (device count 0)"
	case p.devices[opts.DeviceID].err != "":
		why = p.devices[opts.DeviceID].err
	}
	if why != "" {
		if opts.ForceGPU {
			return c, fmt.Errorf("%w: %s", ErrForcedGPUUnavailable, why)
		}
		c.Reason = why
		return c, nil
	}

	dev := p.devices[opts.DeviceID]
	c.Type = CUDA
	c.ID = opts.DeviceID
	c.Name = dev.name
	c.TotalMemoryBytes = dev.totalMemoryBytes
	c.ComputeCapability = dev.computeCapability
	c.Reason = fmt.Sprintf("%s (device %d of %d)", dev.name, opts.DeviceID, len(p.devices))
	if opts.ForceGPU {
		c.Reason = reasonForcedGPU + ": " + c.Reason
	}
	return c, nil
}
