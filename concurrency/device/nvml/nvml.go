// Package nvml opens NVIDIA's management library, NVML
// (libnvidia-ml.so.1, installed with the driver), with dlopen at run time and
// calls the few functions that device detection needs.
//
// It uses purego instead of cgo: nothing is compiled against NVML's headers,
// so building masx needs neither the headers nor a C compiler for this
// package, and prints no compiler warnings. On a machine without the driver,
// [Library.Init] returns [ErrorLibraryNotFound] and every other call returns
// [ErrorUninitialized]; nothing fails to link or to start.
//
// Only these NVML functions are bound: nvmlInit_v2, nvmlShutdown,
// nvmlSystemGetDriverVersion, nvmlSystemGetCudaDriverVersion,
// nvmlDeviceGetCount_v2, nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetName,
// nvmlDeviceGetMemoryInfo and nvmlDeviceGetCudaComputeCapability.
//
// NOTE: this package is the seam under package device, not a stable API; it
// grows with what device asks.
package nvml

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/ebitengine/purego"
)

// LibraryName is the file [New] opens: the name the NVIDIA driver installs
// NVML under, found through the dynamic loader's search path.
const LibraryName = "libnvidia-ml.so.1"

// Buffer sizes from nvml.h: NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE and
// NVML_DEVICE_NAME_V2_BUFFER_SIZE. NVML fails a call with
// ErrorInsufficientSize when the buffer is shorter.
const (
	driverVersionBufferSize = 80
	deviceNameBufferSize    = 96
)

// Return is an NVML return code (nvmlReturn_t).
type Return int32

// The NVML return codes, with the values of nvml.h.
const (
	Success                      Return = 0
	ErrorUninitialized           Return = 1
	ErrorInvalidArgument         Return = 2
	ErrorNotSupported            Return = 3
	ErrorNoPermission            Return = 4
	ErrorAlreadyInitialized      Return = 5
	ErrorNotFound                Return = 6
	ErrorInsufficientSize        Return = 7
	ErrorInsufficientPower       Return = 8
	ErrorDriverNotLoaded         Return = 9
	ErrorTimeout                 Return = 10
	ErrorIRQIssue                Return = 11
	ErrorLibraryNotFound         Return = 12
	ErrorFunctionNotFound        Return = 13
	ErrorCorruptedInforom        Return = 14
	ErrorGPUIsLost               Return = 15
	ErrorResetRequired           Return = 16
	ErrorOperatingSystem         Return = 17
	ErrorLibRMVersionMismatch    Return = 18
	ErrorInUse                   Return = 19
	ErrorMemory                  Return = 20
	ErrorNoData                  Return = 21
	ErrorVGPUECCNotSupported     Return = 22
	ErrorInsufficientResources   Return = 23
	ErrorFreqNotSupported        Return = 24
	ErrorArgumentVersionMismatch Return = 25
	ErrorDeprecated              Return = 26
	ErrorNotReady                Return = 27
	ErrorGPUNotFound             Return = 28
	ErrorInvalidState            Return = 29
	ErrorResetTypeNotSupported   Return = 30
	ErrorUnknown                 Return = 999
)

// returnNames are nvml.h's names without the NVML_ prefix, so that a
// message can be searched for in NVIDIA's documentation.
var returnNames = map[Return]string{
	Success:                      "SUCCESS",
	ErrorUninitialized:           "ERROR_UNINITIALIZED",
	ErrorInvalidArgument:         "ERROR_INVALID_ARGUMENT",
	ErrorNotSupported:            "ERROR_NOT_SUPPORTED",
	ErrorNoPermission:            "ERROR_NO_PERMISSION",
	ErrorAlreadyInitialized:      "ERROR_ALREADY_INITIALIZED",
	ErrorNotFound:                "ERROR_NOT_FOUND",
	ErrorInsufficientSize:        "ERROR_INSUFFICIENT_SIZE",
	ErrorInsufficientPower:       "ERROR_INSUFFICIENT_POWER",
	ErrorDriverNotLoaded:         "ERROR_DRIVER_NOT_LOADED",
	ErrorTimeout:                 "ERROR_TIMEOUT",
	ErrorIRQIssue:                "ERROR_IRQ_ISSUE",
	ErrorLibraryNotFound:         "ERROR_LIBRARY_NOT_FOUND",
	ErrorFunctionNotFound:        "ERROR_FUNCTION_NOT_FOUND",
	ErrorCorruptedInforom:        "ERROR_CORRUPTED_INFOROM",
	ErrorGPUIsLost:               "ERROR_GPU_IS_LOST",
	ErrorResetRequired:           "ERROR_RESET_REQUIRED",
	ErrorOperatingSystem:         "ERROR_OPERATING_SYSTEM",
	ErrorLibRMVersionMismatch:    "ERROR_LIB_RM_VERSION_MISMATCH",
	ErrorInUse:                   "ERROR_IN_USE",
	ErrorMemory:                  "ERROR_MEMORY",
	ErrorNoData:                  "ERROR_NO_DATA",
	ErrorVGPUECCNotSupported:     "ERROR_VGPU_ECC_NOT_SUPPORTED",
	ErrorInsufficientResources:   "ERROR_INSUFFICIENT_RESOURCES",
	ErrorFreqNotSupported:        "ERROR_FREQ_NOT_SUPPORTED",
	ErrorArgumentVersionMismatch: "ERROR_ARGUMENT_VERSION_MISMATCH",
	ErrorDeprecated:              "ERROR_DEPRECATED",
	ErrorNotReady:                "ERROR_NOT_READY",
	ErrorGPUNotFound:             "ERROR_GPU_NOT_FOUND",
	ErrorInvalidState:            "ERROR_INVALID_STATE",
	ErrorResetTypeNotSupported:   "ERROR_RESET_TYPE_NOT_SUPPORTED",
	ErrorUnknown:                 "ERROR_UNKNOWN",
}

// String is nvml.h's name for r without the NVML_ prefix, e.g.
// "ERROR_GPU_IS_LOST", or "NVML error 123" for a code nvml.h does not name.
// It never calls into the library, so it is safe before Init and after
// Shutdown.
func (r Return) String() string {
	if s, ok := returnNames[r]; ok {
		return s
	}
	return fmt.Sprintf("NVML error %d", int32(r))
}

// Memory is nvmlMemory_t: a device's memory in bytes.
type Memory struct {
	Total uint64
	Free  uint64
	Used  uint64
}

// Device is a GPU handle from [Library.DeviceGetHandleByIndex]. Its methods
// return ErrorUninitialized once the library that made it is shut down.
type Device interface {
	// GetName is the product name, e.g. "NVIDIA H100 80GB HBM3".
	GetName() (string, Return)
	// GetMemoryInfo is the device's memory.
	GetMemoryInfo() (Memory, Return)
	// GetCudaComputeCapability is the CUDA compute capability, major and
	// minor, e.g. 9 and 0.
	GetCudaComputeCapability() (int, int, Return)
}

// functions are the NVML entry points, bound by Init. The argument types
// follow nvml.h: unsigned int is uint32, int is int32, nvmlDevice_t is an
// opaque pointer (uintptr), and a buffer is a []byte passed as char*.
type functions struct {
	init              func() int32
	shutdown          func() int32
	driverVersion     func(buf []byte, length uint32) int32
	cudaDriverVersion func(version *int32) int32
	deviceCount       func(count *uint32) int32
	handleByIndex     func(index uint32, device *uintptr) int32
	name              func(device uintptr, buf []byte, length uint32) int32
	memoryInfo        func(device uintptr, memory *Memory) int32
	computeCapability func(device uintptr, major, minor *int32) int32
}

// symbols pairs each NVML symbol with the field Init binds it to.
func (f *functions) symbols() []struct {
	name string
	fptr any
} {
	return []struct {
		name string
		fptr any
	}{
		{"nvmlInit_v2", &f.init},
		{"nvmlShutdown", &f.shutdown},
		{"nvmlSystemGetDriverVersion", &f.driverVersion},
		{"nvmlSystemGetCudaDriverVersion", &f.cudaDriverVersion},
		{"nvmlDeviceGetCount_v2", &f.deviceCount},
		{"nvmlDeviceGetHandleByIndex_v2", &f.handleByIndex},
		{"nvmlDeviceGetName", &f.name},
		{"nvmlDeviceGetMemoryInfo", &f.memoryInfo},
		{"nvmlDeviceGetCudaComputeCapability", &f.computeCapability},
	}
}

// Library is one use of NVML: Init opens the library and initialises NVML,
// Shutdown undoes both. It is safe for concurrent use; calls made before
// Init succeeds or after Shutdown return ErrorUninitialized.
type Library struct {
	path string

	mu      sync.RWMutex
	handle  uintptr    // from dlopen; 0 when closed
	fns     *functions // nil unless initialised
	loadErr error      // why the last Init could not open the library
}

// New returns a Library over [LibraryName]. It opens nothing until Init.
func New() *Library { return NewAt(LibraryName) }

// NewAt returns a Library over the NVML at path (a file name the dynamic
// loader searches for, or a path with a slash). Tests point it at a fake.
func NewAt(path string) *Library { return &Library{path: path} }

// Init opens the library, binds the functions above and calls nvmlInit_v2.
// It returns ErrorLibraryNotFound when the library does not load (no driver
// installed; [Library.LoadError] says why), ErrorFunctionNotFound when it
// lacks one of the functions, and nvmlInit_v2's code otherwise. A failed Init
// leaves the library closed. Init on an initialised Library returns Success
// and does nothing.
func (l *Library) Init() Return {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns != nil {
		return Success
	}
	h, err := purego.Dlopen(l.path, purego.RTLD_LAZY|purego.RTLD_LOCAL)
	if err != nil {
		l.loadErr = fmt.Errorf("opening %s: %w", l.path, err)
		return ErrorLibraryNotFound
	}
	l.loadErr = nil
	fns := &functions{}
	for _, s := range fns.symbols() {
		sym, err := purego.Dlsym(h, s.name)
		if err != nil {
			l.loadErr = fmt.Errorf("finding %s in %s: %w", s.name, l.path, err)
			_ = purego.Dlclose(h)
			return ErrorFunctionNotFound
		}
		purego.RegisterFunc(s.fptr, sym)
	}
	if ret := Return(fns.init()); ret != Success {
		_ = purego.Dlclose(h)
		return ret
	}
	l.handle, l.fns = h, fns
	return Success
}

// LoadError is why the last Init returned ErrorLibraryNotFound or
// ErrorFunctionNotFound, in the dynamic loader's words; nil otherwise.
func (l *Library) LoadError() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.loadErr
}

// Shutdown calls nvmlShutdown and closes the library. It returns
// ErrorUninitialized when the Library is not initialised. The library is
// closed even when nvmlShutdown fails; its code is returned.
func (l *Library) Shutdown() Return {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns == nil {
		return ErrorUninitialized
	}
	ret := Return(l.fns.shutdown())
	_ = purego.Dlclose(l.handle)
	l.handle, l.fns = 0, nil
	return ret
}

// call runs f with the bound functions under the read lock, or returns
// ErrorUninitialized when there are none.
func (l *Library) call(f func(*functions) Return) Return {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.fns == nil {
		return ErrorUninitialized
	}
	return f(l.fns)
}

// SystemGetDriverVersion is the driver's version, e.g. "550.54.15".
func (l *Library) SystemGetDriverVersion() (v string, ret Return) {
	ret = l.call(func(f *functions) Return {
		buf := make([]byte, driverVersionBufferSize)
		r := Return(f.driverVersion(buf, uint32(len(buf))))
		v = cString(buf)
		return r
	})
	return v, ret
}

// SystemGetCudaDriverVersion is the newest CUDA version the driver
// supports, encoded as 1000*major + 10*minor (12040 is CUDA 12.4).
func (l *Library) SystemGetCudaDriverVersion() (v int, ret Return) {
	ret = l.call(func(f *functions) Return {
		var n int32
		r := Return(f.cudaDriverVersion(&n))
		v = int(n)
		return r
	})
	return v, ret
}

// DeviceGetCount is how many GPUs NVML sees.
func (l *Library) DeviceGetCount() (n int, ret Return) {
	ret = l.call(func(f *functions) Return {
		var c uint32
		r := Return(f.deviceCount(&c))
		n = int(c)
		return r
	})
	return n, ret
}

// DeviceGetHandleByIndex returns the handle of GPU i (0 ≤ i < the count).
func (l *Library) DeviceGetHandleByIndex(i int) (Device, Return) {
	if i < 0 || int64(i) > int64(^uint32(0)) {
		return nil, ErrorInvalidArgument
	}
	var h uintptr
	ret := l.call(func(f *functions) Return {
		return Return(f.handleByIndex(uint32(i), &h))
	})
	if ret != Success {
		return nil, ret
	}
	return &device{lib: l, handle: h}, Success
}

// device is a Device bound to the Library that made it.
type device struct {
	lib    *Library
	handle uintptr
}

func (d *device) GetName() (name string, ret Return) {
	ret = d.lib.call(func(f *functions) Return {
		buf := make([]byte, deviceNameBufferSize)
		r := Return(f.name(d.handle, buf, uint32(len(buf))))
		name = cString(buf)
		return r
	})
	return name, ret
}

func (d *device) GetMemoryInfo() (m Memory, ret Return) {
	ret = d.lib.call(func(f *functions) Return {
		return Return(f.memoryInfo(d.handle, &m))
	})
	return m, ret
}

func (d *device) GetCudaComputeCapability() (major, minor int, ret Return) {
	ret = d.lib.call(func(f *functions) Return {
		var ma, mi int32
		r := Return(f.computeCapability(d.handle, &ma, &mi))
		major, minor = int(ma), int(mi)
		return r
	})
	return major, minor, ret
}

// cString is buf up to its first NUL byte.
func cString(buf []byte) string {
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}
