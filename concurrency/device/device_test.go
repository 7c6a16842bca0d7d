package device

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/device/nvml"
	"github.com/masx-ai/masx/concurrency/device/nvml/nvmltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeNVML simulates NVML states we cannot cause on a machine without a GPU
// (two GPUs, a lost GPU, a failing Init). Zero fields mean success.
type fakeNVML struct {
	initRet   nvml.Return
	initPanic any
	driver    string
	cuda      int
	countRet  nvml.Return
	devices   []*fakeDevice

	mu               sync.Mutex
	inits, shutdowns int
	queriedWhileShut bool
	initialisedNow   bool
}

func (f *fakeNVML) Init() nvml.Return {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inits++
	if f.initPanic != nil {
		panic(f.initPanic)
	}
	if f.initRet == nvml.Success {
		f.initialisedNow = true
	}
	return f.initRet
}

func (f *fakeNVML) Shutdown() nvml.Return {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shutdowns++
	f.initialisedNow = false
	return nvml.Success
}

func (f *fakeNVML) check() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.initialisedNow {
		f.queriedWhileShut = true
	}
}

func (f *fakeNVML) SystemGetDriverVersion() (string, nvml.Return) {
	f.check()
	if f.driver == "" {
		return "", nvml.ErrorNotSupported
	}
	return f.driver, nvml.Success
}

func (f *fakeNVML) SystemGetCudaDriverVersion() (int, nvml.Return) {
	f.check()
	if f.cuda == 0 {
		return 0, nvml.ErrorNotSupported
	}
	return f.cuda, nvml.Success
}

func (f *fakeNVML) DeviceGetCount() (int, nvml.Return) {
	f.check()
	if f.countRet != nvml.Success {
		return 0, f.countRet
	}
	return len(f.devices), nvml.Success
}

func (f *fakeNVML) DeviceGetHandleByIndex(i int) (nvml.Device, nvml.Return) {
	f.check()
	d := f.devices[i]
	if d.handleRet != nvml.Success {
		return nil, d.handleRet
	}
	return d, nvml.Success
}

// fakeDevice embeds a nil nvml.Device: a call to any method the Detector is
// not supposed to use panics, and the test sees it.
type fakeDevice struct {
	nvml.Device
	name         string
	mem          uint64
	major, minor int
	handleRet    nvml.Return
	memRet       nvml.Return
	namePanic    any
}

func (d *fakeDevice) GetName() (string, nvml.Return) {
	if d.namePanic != nil {
		panic(d.namePanic)
	}
	return d.name, nvml.Success
}

func (d *fakeDevice) GetMemoryInfo() (nvml.Memory, nvml.Return) {
	if d.memRet != nvml.Success {
		return nvml.Memory{}, d.memRet
	}
	return nvml.Memory{Total: d.mem, Free: d.mem}, nvml.Success
}

func (d *fakeDevice) GetCudaComputeCapability() (int, int, nvml.Return) {
	return d.major, d.minor, nvml.Success
}

func h100() *fakeDevice {
	return &fakeDevice{name: "NVIDIA H100 80GB HBM3", mem: 85_520_809_984, major: 9, minor: 0}
}

func a10() *fakeDevice {
	return &fakeDevice{name: "NVIDIA A10 ", mem: 24_146_608_128, major: 8, minor: 6}
}

func twoGPUs() *fakeNVML {
	return &fakeNVML{driver: "550.54.15", cuda: 12040, devices: []*fakeDevice{h100(), a10()}}
}

func TestDetectTwoGPUs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want Config
	}{
		{"first device by default", Options{}, Config{
			Type: CUDA, ID: 0, Name: "NVIDIA H100 80GB HBM3", TotalMemoryBytes: 85_520_809_984,
			ComputeCapability: "9.0", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
			Reason: "NVIDIA H100 80GB HBM3 (device 0 of 2)",
		}},
		{"second device by id", Options{DeviceID: 1}, Config{
			Type: CUDA, ID: 1, Name: "NVIDIA A10", TotalMemoryBytes: 24_146_608_128,
			ComputeCapability: "8.6", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
			Reason: "NVIDIA A10 (device 1 of 2)",
		}},
		{"force GPU with a GPU", Options{ForceGPU: true}, Config{
			Type: CUDA, ID: 0, Name: "NVIDIA H100 80GB HBM3", TotalMemoryBytes: 85_520_809_984,
			ComputeCapability: "9.0", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
			ForceGPU: true, Reason: "forced to the GPU: NVIDIA H100 80GB HBM3 (device 0 of 2)",
		}},
		{"force CPU ignores the GPUs", Options{ForceCPU: true, DeviceID: 1}, Config{
			Type: CPU, Name: "cpu", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
			ForceCPU: true, Reason: "forced to the CPU",
		}},
		{"force CPU wins over force GPU", Options{ForceCPU: true, ForceGPU: true}, Config{
			Type: CPU, Name: "cpu", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
			ForceCPU: true, ForceGPU: true, Reason: "forced to the CPU (ForceCPU wins over ForceGPU)",
		}},
		{"force CPU skips the device id check", Options{ForceCPU: true, DeviceID: 7}, Config{
			Type: CPU, Name: "cpu", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
			ForceCPU: true, Reason: "forced to the CPU",
		}},
	}
	d := NewDetector(twoGPUs())
	for _, tt := range tests {
		got, err := d.Detect(tt.opts)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.want, got, tt.name)
		require.Equal(t, tt.want.Type == CUDA, got.UseGPU(), tt.name)
	}
}

func TestDetectProbesOnceAndShutsDown(t *testing.T) {
	t.Parallel()
	f := twoGPUs()
	d := NewDetector(f)
	for i := range 5 {
		_, err := d.Detect(Options{DeviceID: i % 2})
		require.NoError(t, err)
	}
	require.Equal(t, 1, f.inits, "NVML Init calls")
	require.Equal(t, 1, f.shutdowns, "NVML Shutdown calls")
	require.False(t, f.queriedWhileShut, "NVML was queried outside Init..Shutdown")

	d.Redetect()
	f.devices = f.devices[:1] // the second GPU went away
	got, err := d.Detect(Options{})
	require.NoError(t, err)
	require.Equal(t, 1, got.DeviceCount)
	require.Equal(t, 2, f.inits, "Redetect must probe again")
	require.Equal(t, 2, f.shutdowns)
	_, err = d.Detect(Options{DeviceID: 1})
	require.ErrorIs(t, err, ErrBadDeviceID)
}

func TestDetectConcurrentProbesOnce(t *testing.T) {
	t.Parallel()
	f := twoGPUs()
	d := NewDetector(f)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			got, err := d.Detect(Options{DeviceID: i % 2})
			if err != nil || got.ID != i%2 {
				t.Errorf("Detect(DeviceID %d) = %+v, %v", i%2, got, err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, f.inits)
}

func TestDetectBadDeviceID(t *testing.T) {
	t.Parallel()
	d := NewDetector(twoGPUs())
	_, err := d.Detect(Options{DeviceID: 2})
	require.ErrorIs(t, err, ErrBadDeviceID)
	require.ErrorContains(t, err, "ID 2:")
	require.ErrorContains(t, err, "2 GPU(s)")
	require.ErrorContains(t, err, "0..1")

	_, err = d.Detect(Options{DeviceID: -1, ForceGPU: true})
	require.ErrorIs(t, err, ErrBadDeviceID)
	require.ErrorContains(t, err, "ID -1:")

	// Without any GPU the id selects nothing, so it is not checked against
	// a count; the CPU is chosen with NVML's reason.
	got, err := NewDetector(&fakeNVML{}).Detect(Options{DeviceID: 3})
	require.NoError(t, err)
	require.Equal(t, CPU, got.Type)
	require.Equal(t, "NVML: no GPU found (device count 0)", got.Reason)
}

func TestDetectNoUsableGPU(t *testing.T) {
	t.Parallel()
	lostSecond := twoGPUs()
	lostSecond.devices[1].memRet = nvml.ErrorGPUIsLost
	panicSecond := twoGPUs()
	panicSecond.devices[1].namePanic = "cgo went away"
	noHandle := twoGPUs()
	noHandle.devices[0].handleRet = nvml.ErrorNoPermission

	tests := []struct {
		name       string
		lib        *fakeNVML
		opts       Options
		reason     string // exact CPU reason
		wantInit   int
		wantShut   int
		wantCount  int
		wantDriver string
	}{
		{"library not found", &fakeNVML{initRet: nvml.ErrorLibraryNotFound}, Options{},
			"NVML: library not found (libnvidia-ml.so.1 did not load: no NVIDIA driver installed)", 1, 0, 0, ""},
		{"driver not loaded", &fakeNVML{initRet: nvml.ErrorDriverNotLoaded}, Options{},
			"NVML: driver not loaded (the NVIDIA kernel module is not running)", 1, 0, 0, ""},
		{"unknown init error keeps NVML's name", &fakeNVML{initRet: nvml.ErrorUnknown}, Options{},
			"NVML: ERROR_UNKNOWN", 1, 0, 0, ""},
		{"init panics", &fakeNVML{initPanic: "dlsym exploded"}, Options{},
			"NVML: while probing: panicked: dlsym exploded", 1, 0, 0, ""},
		{"count fails", &fakeNVML{driver: "550.1", countRet: nvml.ErrorUnknown}, Options{},
			"NVML: counting devices: ERROR_UNKNOWN", 1, 1, 0, "550.1"},
		{"no devices", &fakeNVML{driver: "550.1"}, Options{},
			"NVML: no GPU found (device count 0)", 1, 1, 0, "550.1"},
		{"device 1 lost", lostSecond, Options{DeviceID: 1},
			"NVML: reading the memory size of device 1 of 2: ERROR_GPU_IS_LOST", 1, 1, 2, "550.54.15"},
		{"device 1 panics", panicSecond, Options{DeviceID: 1},
			"NVML: querying device 1 of 2: panicked: cgo went away", 1, 1, 2, "550.54.15"},
		{"device 0 handle refused", noHandle, Options{},
			"NVML: getting the handle of device 0 of 2: no permission (cannot open /dev/nvidia*)", 1, 1, 2, "550.54.15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := NewDetector(tt.lib)
			got, err := d.Detect(tt.opts)
			require.NoError(t, err)
			require.Equal(t, CPU, got.Type)
			require.False(t, got.UseGPU())
			require.Equal(t, tt.reason, got.Reason)
			require.Equal(t, tt.wantCount, got.DeviceCount)
			require.Equal(t, tt.wantDriver, got.DriverVersion)
			require.Equal(t, tt.wantInit, tt.lib.inits)
			require.Equal(t, tt.wantShut, tt.lib.shutdowns)

			forced := tt.opts
			forced.ForceGPU = true
			_, err = d.Detect(forced)
			require.ErrorIs(t, err, ErrForcedGPUUnavailable)
			require.ErrorContains(t, err, "GPU forced")
			require.ErrorContains(t, err, tt.reason)
			require.Equal(t, tt.wantInit, tt.lib.inits, "the forced call must reuse the probe")
		})
	}
}

func TestDetectHealthyDeviceBesideALostOne(t *testing.T) {
	t.Parallel()
	f := twoGPUs()
	f.devices[1].memRet = nvml.ErrorGPUIsLost
	got, err := NewDetector(f).Detect(Options{DeviceID: 0, ForceGPU: true})
	require.NoError(t, err)
	require.Equal(t, CUDA, got.Type)
	require.Equal(t, "NVIDIA H100 80GB HBM3", got.Name)
}

// TestDetectSystemNVML runs the real probe: on a machine without an NVIDIA
// driver it must choose the CPU and say NVML is why; on a GPU machine it must
// report the GPU.
func TestDetectSystemNVML(t *testing.T) {
	t.Parallel()
	got, err := NewDetector(SystemNVML()).Detect(Options{})
	require.NoError(t, err)
	t.Logf("this machine: %s", got)
	if got.UseGPU() {
		require.NotEmpty(t, got.Name)
		require.Positive(t, got.DeviceCount)
		require.Positive(t, got.TotalMemoryBytes)
		require.Regexp(t, `^\d+\.\d+$`, got.ComputeCapability)
		require.NotEmpty(t, got.DriverVersion)
		return
	}
	require.Equal(t, CPU, got.Type)
	require.Contains(t, got.Reason, "NVML")

	_, err = NewDetector(SystemNVML()).Detect(Options{ForceGPU: true})
	require.ErrorIs(t, err, ErrForcedGPUUnavailable)
	require.ErrorContains(t, err, got.Reason)
}

// TestDetectFakeLibrary runs the real binding against a fake
// libnvidia-ml.so.1 with two GPUs: what a GPU machine's driver answers
// reaches the Config, and a GPU that stops answering falls back to the CPU.
func TestDetectFakeLibrary(t *testing.T) {
	t.Parallel()
	got, err := NewDetector(nvml.NewAt(nvmltest.Build(t))).Detect(Options{DeviceID: 1, ForceGPU: true})
	require.NoError(t, err)
	require.Equal(t, Config{
		Type: CUDA, ID: 1, Name: "NVIDIA A10", TotalMemoryBytes: 24_146_608_128,
		ComputeCapability: "8.6", DriverVersion: "550.54.15", CUDADriverVersion: "12.4", DeviceCount: 2,
		ForceGPU: true, Reason: "forced to the GPU: NVIDIA A10 (device 1 of 2)",
	}, got)

	got, err = NewDetector(nvml.NewAt(nvmltest.Build(t, "FAKE_LOST=0"))).Detect(Options{})
	require.NoError(t, err)
	require.Equal(t, CPU, got.Type)
	require.Equal(t, "NVML: reading the name of device 0 of 2: ERROR_GPU_IS_LOST", got.Reason)
	require.Equal(t, 2, got.DeviceCount)

	got, err = NewDetector(nvml.NewAt(nvmltest.Build(t, "FAKE_INIT_RET=9"))).Detect(Options{})
	require.NoError(t, err)
	require.Equal(t, "NVML: driver not loaded (the NVIDIA kernel module is not running)", got.Reason)

	got, err = NewDetector(nvml.NewAt(t.TempDir() + "/libnvidia-ml.so.1")).Detect(Options{})
	require.NoError(t, err)
	require.Equal(t, "NVML: library not found (libnvidia-ml.so.1 did not load: no NVIDIA driver installed)", got.Reason)
}

func TestDefaultDetector(t *testing.T) {
	got, err := Detect(Options{ForceCPU: true})
	require.NoError(t, err)
	require.Equal(t, "forced to the CPU", got.Reason)
	require.Equal(t, CPU, got.Type)

	plain, err := Detect(Options{})
	require.NoError(t, err)
	Redetect()
	again, err := Detect(Options{})
	require.NoError(t, err)
	require.Equal(t, plain, again, "a re-probe of the same machine gives the same answer")
}

func TestConfigJSON(t *testing.T) {
	t.Parallel()
	got, err := NewDetector(twoGPUs()).Detect(Options{})
	require.NoError(t, err)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for k, want := range map[string]any{
		"type": "cuda", "id": 0.0, "name": "NVIDIA H100 80GB HBM3", "total_memory_bytes": 85520809984.0,
		"compute_capability": "9.0", "driver_version": "550.54.15", "cuda_driver_version": "12.4",
		"device_count": 2.0, "force_cpu": false, "force_gpu": false,
		"reason": "NVIDIA H100 80GB HBM3 (device 0 of 2)",
	} {
		require.Equal(t, want, m[k], "JSON key %q", k)
	}
	require.Len(t, m, 11)

	var back Config
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, got, back)
}

func TestConfigString(t *testing.T) {
	t.Parallel()
	gpu, _ := NewDetector(twoGPUs()).Detect(Options{DeviceID: 1})
	require.Equal(t, "cuda:1 (NVIDIA A10 (device 1 of 2))", gpu.String())
	cpu, _ := NewDetector(twoGPUs()).Detect(Options{ForceCPU: true})
	require.Equal(t, "cpu (forced to the CPU)", fmt.Sprint(cpu))
}

func TestErrorsAreDistinct(t *testing.T) {
	t.Parallel()
	_, err := NewDetector(&fakeNVML{}).Detect(Options{ForceGPU: true})
	require.ErrorIs(t, err, ErrForcedGPUUnavailable)
	require.False(t, errors.Is(err, ErrBadDeviceID))
}
