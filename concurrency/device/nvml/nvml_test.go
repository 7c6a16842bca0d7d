package nvml_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/device/nvml"
	"github.com/masx-ai/masx/concurrency/device/nvml/nvmltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFakeLibrary(t *testing.T) {
	t.Parallel()
	lib := nvml.NewAt(nvmltest.Build(t))

	_, ret := lib.DeviceGetCount()
	require.Equal(t, nvml.ErrorUninitialized, ret, "a call before Init")
	require.Equal(t, nvml.ErrorUninitialized, lib.Shutdown(), "Shutdown before Init")

	require.Equal(t, nvml.Success, lib.Init())
	require.NoError(t, lib.LoadError())
	require.Equal(t, nvml.Success, lib.Init(), "a second Init")

	v, ret := lib.SystemGetDriverVersion()
	require.Equal(t, nvml.Success, ret)
	require.Equal(t, "550.54.15", v)
	cuda, ret := lib.SystemGetCudaDriverVersion()
	require.Equal(t, nvml.Success, ret)
	require.Equal(t, 12040, cuda)
	n, ret := lib.DeviceGetCount()
	require.Equal(t, nvml.Success, ret)
	require.Equal(t, 2, n)

	want := []struct {
		name         string
		total        uint64
		major, minor int
	}{
		{"NVIDIA H100 80GB HBM3", 85_520_809_984, 9, 0},
		{"NVIDIA A10", 24_146_608_128, 8, 6},
	}
	devs := make([]nvml.Device, n)
	for i, w := range want {
		d, ret := lib.DeviceGetHandleByIndex(i)
		require.Equal(t, nvml.Success, ret, "handle %d", i)
		devs[i] = d
		name, ret := d.GetName()
		require.Equal(t, nvml.Success, ret)
		require.Equal(t, w.name, name)
		mem, ret := d.GetMemoryInfo()
		require.Equal(t, nvml.Success, ret)
		require.Equal(t, nvml.Memory{Total: w.total, Free: w.total - 1024, Used: 1024}, mem)
		major, minor, ret := d.GetCudaComputeCapability()
		require.Equal(t, nvml.Success, ret)
		require.Equal(t, [2]int{w.major, w.minor}, [2]int{major, minor})
	}
	_, ret = lib.DeviceGetHandleByIndex(2)
	require.Equal(t, nvml.ErrorInvalidArgument, ret, "NVML's answer for an index past the count")
	_, ret = lib.DeviceGetHandleByIndex(-1)
	require.Equal(t, nvml.ErrorInvalidArgument, ret)

	require.Equal(t, nvml.Success, lib.Shutdown())
	_, ret = devs[0].GetName()
	require.Equal(t, nvml.ErrorUninitialized, ret, "a handle used after Shutdown")
	require.Equal(t, nvml.ErrorUninitialized, lib.Shutdown(), "a second Shutdown")

	// The library can be opened again after Shutdown.
	require.Equal(t, nvml.Success, lib.Init())
	n, ret = lib.DeviceGetCount()
	require.Equal(t, nvml.Success, ret)
	require.Equal(t, 2, n)
	require.Equal(t, nvml.Success, lib.Shutdown())
}

func TestFakeLibraryFailures(t *testing.T) {
	t.Parallel()

	t.Run("init fails", func(t *testing.T) {
		t.Parallel()
		lib := nvml.NewAt(nvmltest.Build(t, "FAKE_INIT_RET=9"))
		require.Equal(t, nvml.ErrorDriverNotLoaded, lib.Init())
		_, ret := lib.DeviceGetCount()
		require.Equal(t, nvml.ErrorUninitialized, ret, "a failed Init leaves the library closed")
		require.Equal(t, nvml.ErrorUninitialized, lib.Shutdown())
	})
	t.Run("a function is missing", func(t *testing.T) {
		t.Parallel()
		lib := nvml.NewAt(nvmltest.Build(t, "FAKE_NO_NAME"))
		require.Equal(t, nvml.ErrorFunctionNotFound, lib.Init())
		require.ErrorContains(t, lib.LoadError(), "nvmlDeviceGetName")
		_, ret := lib.DeviceGetCount()
		require.Equal(t, nvml.ErrorUninitialized, ret)
	})
	t.Run("a lost device", func(t *testing.T) {
		t.Parallel()
		lib := nvml.NewAt(nvmltest.Build(t, "FAKE_LOST=1"))
		require.Equal(t, nvml.Success, lib.Init())
		defer lib.Shutdown()
		d, ret := lib.DeviceGetHandleByIndex(1)
		require.Equal(t, nvml.Success, ret)
		_, ret = d.GetMemoryInfo()
		require.Equal(t, nvml.ErrorGPUIsLost, ret)
		d, _ = lib.DeviceGetHandleByIndex(0)
		_, ret = d.GetMemoryInfo()
		require.Equal(t, nvml.Success, ret)
	})
}

func TestMissingLibrary(t *testing.T) {
	t.Parallel()
	lib := nvml.NewAt(filepath.Join(t.TempDir(), "libnvidia-ml.so.1"))
	require.Equal(t, nvml.ErrorLibraryNotFound, lib.Init())
	require.ErrorContains(t, lib.LoadError(), "libnvidia-ml.so.1")
	v, ret := lib.SystemGetDriverVersion()
	require.Equal(t, nvml.ErrorUninitialized, ret)
	require.Empty(t, v)
	d, ret := lib.DeviceGetHandleByIndex(0)
	require.Equal(t, nvml.ErrorUninitialized, ret)
	require.Nil(t, d)
	require.Equal(t, nvml.ErrorUninitialized, lib.Shutdown())
}

// TestSystemLibrary opens this machine's NVML: without a driver Init must
// say the library is missing; with one it must list the GPUs.
func TestSystemLibrary(t *testing.T) {
	t.Parallel()
	lib := nvml.New()
	ret := lib.Init()
	if ret != nvml.Success {
		t.Logf("this machine: %v (%v)", ret, lib.LoadError())
		require.Contains(t, []nvml.Return{nvml.ErrorLibraryNotFound, nvml.ErrorDriverNotLoaded, nvml.ErrorNoPermission}, ret)
		return
	}
	defer lib.Shutdown()
	n, ret := lib.DeviceGetCount()
	require.Equal(t, nvml.Success, ret)
	t.Logf("this machine: %d GPU(s)", n)
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	lib := nvml.NewAt(nvmltest.Build(t))
	require.Equal(t, nvml.Success, lib.Init())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			d, ret := lib.DeviceGetHandleByIndex(i % 2)
			if ret != nvml.Success {
				t.Errorf("handle %d: %v", i%2, ret)
				return
			}
			if _, ret := d.GetName(); ret != nvml.Success {
				t.Errorf("name %d: %v", i%2, ret)
			}
		})
	}
	wg.Wait()
	require.Equal(t, nvml.Success, lib.Shutdown())
}

func TestReturnString(t *testing.T) {
	t.Parallel()
	for ret, want := range map[nvml.Return]string{
		nvml.Success:                   "SUCCESS",
		nvml.ErrorGPUIsLost:            "ERROR_GPU_IS_LOST",
		nvml.ErrorLibRMVersionMismatch: "ERROR_LIB_RM_VERSION_MISMATCH",
		nvml.ErrorUnknown:              "ERROR_UNKNOWN",
		nvml.Return(123):               "NVML error 123",
	} {
		require.Equal(t, want, ret.String())
	}
}
