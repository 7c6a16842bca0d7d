package inference_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var gpu = device.Config{Type: device.CUDA, ID: 0, Name: "test GPU", Reason: "test"}

// fakeModel doubles numbers. It stands in for a model on a device; the
// GPU variant can be told to fail like a device (out of memory, lost
// device), a fault we cannot cause for real on a machine without a GPU.
type fakeModel struct {
	dev      device.Type
	failDev  func(batch []int) bool // fail this batch with ErrDevice
	failData bool                   // fail every batch with a plain error
	closed   atomic.Bool
	batches  atomic.Int64
}

func (m *fakeModel) Infer(_ context.Context, in []int) ([]int, error) {
	m.batches.Add(1)
	if m.failDev != nil && m.failDev(in) {
		return nil, fmt.Errorf("cudaErrorMemoryAllocation: %w", inference.ErrDevice)
	}
	if m.failData {
		return nil, errors.New("bad input")
	}
	out := make([]int, len(in))
	for i, v := range in {
		out[i] = v * 2
	}
	return out, nil
}

func (m *fakeModel) Close() error { m.closed.Store(true); return nil }

// loaderRec records the devices it was asked to load for.
type loaderRec struct {
	mu      sync.Mutex
	devs    []device.Type
	models  []*fakeModel
	gpuErr  error
	cpuErr  error
	failDev func([]int) bool
	panics  bool
}

func (l *loaderRec) load(_ context.Context, dev device.Config) (inference.Model[int, int], error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.panics {
		panic("cuda init exploded")
	}
	l.devs = append(l.devs, dev.Type)
	if dev.Type == device.CUDA && l.gpuErr != nil {
		return nil, l.gpuErr
	}
	if dev.Type == device.CPU && l.cpuErr != nil {
		return nil, l.cpuErr
	}
	m := &fakeModel{dev: dev.Type}
	if dev.Type == device.CUDA {
		m.failDev = l.failDev
	}
	l.models = append(l.models, m)
	return m, nil
}

func (l *loaderRec) loads() []device.Type {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]device.Type(nil), l.devs...)
}

func newRuntime(t *testing.T, dev device.Config, ex *executor.Executors) *inference.Runtime {
	t.Helper()
	rt, err := inference.New(inference.Config{Device: dev, Executors: ex, BatchDelay: time.Millisecond, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, rt.Stop(context.Background())) })
	return rt
}

func TestCPURuntimeHostsModelsOfDifferentTypesOnTheCPUPool(t *testing.T) {
	t.Parallel()
	ex, err := executor.New(executor.Config{MaxThreads: 2, MaxProcs: 2})
	require.NoError(t, err)
	defer func() { require.NoError(t, ex.Shutdown(context.Background())) }()
	rt := newRuntime(t, inference.CPUDevice("test"), ex)
	nums := &loaderRec{}
	double, err := inference.Register(rt, "double", nums.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	upper, err := inference.Register(rt, "upper", func(context.Context, device.Config) (inference.Model[string, string], error) {
		return upperModel{}, nil
	}, inference.ModelConfig[string]{MaxBatchSize: 4})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))

	v, err := double.Infer(context.Background(), 21)
	require.NoError(t, err)
	require.Equal(t, 42, v)
	outs, errs := upper.InferMany(context.Background(), []string{"a", "b", "c", "d", "e"})
	require.Equal(t, []string{"A", "B", "C", "D", "E"}, outs)
	require.NoError(t, errors.Join(errs...))

	require.Equal(t, device.CPU, double.Path())
	require.Equal(t, device.CPU, rt.ExecutionPath())
	require.Equal(t, []device.Type{device.CPU}, nums.loads())
	require.Positive(t, ex.CPU.Stats().Completed, "CPU batches must run on the shared CPU pool")

	m := rt.Metrics()
	require.Equal(t, int64(6), m["total_requests"])
	require.Equal(t, int64(6), m["total_cpu_requests"])
	require.Equal(t, int64(0), m["total_gpu_requests"])
	require.Equal(t, true, m["is_started"])
	require.Equal(t, "cpu", m["execution_path"])
	require.Contains(t, m, "requests_per_second")
	require.Contains(t, m, "queue_depth")
	gw := m["gpu_worker"].(map[string]any)
	require.Equal(t, int64(6), gw["total_inferences"])
	require.Contains(t, gw, "avg_batch_time")
	require.Contains(t, gw, "queue_size")
}

type upperModel struct{}

func (upperModel) Infer(_ context.Context, in []string) ([]string, error) {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToUpper(s)
	}
	return out, nil
}
func (upperModel) Close() error { return nil }

func TestGPUDeviceErrorRetriesOnLazyCPUModel(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, gpu, nil)
	var calls atomic.Int32
	l := &loaderRec{failDev: func([]int) bool { return calls.Add(1)%2 == 0 }} // every second GPU batch dies
	h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{MaxBatchSize: 3})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	require.Equal(t, []device.Type{device.CUDA}, l.loads(), "the CPU model is loaded lazily, not at start")

	for round := range 4 {
		in := []int{round, round + 1, round + 2}
		outs, errs := h.InferMany(context.Background(), in)
		require.NoError(t, errors.Join(errs...))
		require.Equal(t, []int{2 * round, 2*round + 2, 2*round + 4}, outs)
	}
	require.Equal(t, []device.Type{device.CUDA, device.CPU}, l.loads(), "the CPU fallback model is loaded once")
	m := rt.Metrics()
	require.Equal(t, int64(2), m["gpu_fallbacks"])
	require.Equal(t, int64(12), m["total_requests"])
	require.Equal(t, int64(12), m["total_gpu_requests"])
	require.Equal(t, int64(6), m["total_cpu_requests"])
	require.Equal(t, "cuda", m["execution_path"])
}

func TestGPULoadFailureFallsBackToCPUAtStart(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, gpu, nil)
	l := &loaderRec{gpuErr: errors.New("CUDA provider not available")}
	h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	require.Equal(t, device.CPU, h.Path())
	require.Equal(t, []device.Type{device.CUDA, device.CPU}, l.loads())
	v, err := h.Infer(context.Background(), 4)
	require.NoError(t, err)
	require.Equal(t, 8, v)
}

func TestForcedGPUNeverFallsBack(t *testing.T) {
	t.Parallel()
	forced := gpu
	forced.ForceGPU = true

	t.Run("load", func(t *testing.T) {
		t.Parallel()
		rt := newRuntime(t, forced, nil)
		l := &loaderRec{gpuErr: errors.New("CUDA provider not available")}
		_, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{})
		require.NoError(t, err)
		err = rt.Start(context.Background())
		require.ErrorIs(t, err, device.ErrForcedGPUUnavailable)
		require.ErrorContains(t, err, "CUDA provider not available")
		require.Equal(t, []device.Type{device.CUDA}, l.loads())
	})
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		rt := newRuntime(t, forced, nil)
		l := &loaderRec{failDev: func([]int) bool { return true }}
		h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{})
		require.NoError(t, err)
		require.NoError(t, rt.Start(context.Background()))
		_, err = h.Infer(context.Background(), 1)
		require.ErrorIs(t, err, inference.ErrDevice)
		require.Equal(t, []device.Type{device.CUDA}, l.loads())
	})
}

func TestOtherErrorsReachTheCaller(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, gpu, nil)
	h, err := inference.Register(rt, "bad", func(context.Context, device.Config) (inference.Model[int, int], error) {
		return &fakeModel{failData: true}, nil
	}, inference.ModelConfig[int]{})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	_, err = h.Infer(context.Background(), 1)
	require.ErrorContains(t, err, "bad input")
	require.NotErrorIs(t, err, inference.ErrDevice)
	require.Equal(t, int64(0), rt.Metrics()["gpu_fallbacks"])
}

func TestCPUFallbackThatCannotLoad(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, gpu, nil)
	l := &loaderRec{failDev: func([]int) bool { return true }, cpuErr: errors.New("no CPU weights")}
	h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	_, err = h.Infer(context.Background(), 1)
	require.ErrorIs(t, err, inference.ErrDevice)
	require.ErrorContains(t, err, "no CPU weights")
}

func TestLifecycleErrors(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, inference.CPUDevice("test"), nil)
	l := &loaderRec{}
	h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	_, err = inference.Register(rt, "double", l.load, inference.ModelConfig[int]{})
	require.ErrorIs(t, err, inference.ErrDuplicateModel)
	_, err = inference.Register[int, int](rt, "nil", nil, inference.ModelConfig[int]{})
	require.Error(t, err)

	_, err = h.Infer(context.Background(), 1)
	require.ErrorIs(t, err, inference.ErrNotStarted)
	require.NoError(t, rt.Start(context.Background()))
	require.True(t, rt.IsStarted())
	_, err = inference.Register(rt, "late", l.load, inference.ModelConfig[int]{})
	require.ErrorIs(t, err, inference.ErrNotStarted)

	require.NoError(t, rt.Stop(context.Background()))
	require.False(t, rt.IsStarted())
	_, err = h.Infer(context.Background(), 1)
	require.ErrorIs(t, err, inference.ErrStopped)
	_, errs := h.InferMany(context.Background(), []int{1, 2})
	require.ErrorIs(t, errs[1], inference.ErrStopped)
	require.True(t, l.models[0].closed.Load(), "Stop closes the model")
	require.ErrorIs(t, rt.Start(context.Background()), inference.ErrStopped)

	_, err = inference.New(inference.Config{Device: device.Config{Type: "tpu"}})
	require.ErrorContains(t, err, `"tpu"`)
}

func TestFailedStartUnloadsWhatItLoaded(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, inference.CPUDevice("test"), nil)
	good := &loaderRec{}
	_, err := inference.Register(rt, "good", good.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	bad := &loaderRec{panics: true}
	_, err = inference.Register(rt, "bad", bad.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	err = rt.Start(context.Background())
	require.ErrorContains(t, err, "loader panicked: cuda init exploded")
	require.True(t, good.models[0].closed.Load())
}

func TestStopDrainsQueuedWork(t *testing.T) {
	t.Parallel()
	rt, err := inference.New(inference.Config{Device: inference.CPUDevice("test"), BatchDelay: time.Hour, Logger: quiet})
	require.NoError(t, err)
	l := &loaderRec{}
	h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{MaxBatchSize: 100})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	res := make(chan error, 1)
	go func() {
		v, err := h.Infer(context.Background(), 5)
		if err == nil && v != 10 {
			err = fmt.Errorf("got %d", v)
		}
		res <- err
	}()
	require.Eventually(t, func() bool { return rt.QueueDepth() == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, rt.Stop(context.Background()))
	require.NoError(t, <-res, "an item queued at Stop is flushed, not dropped")
}

func TestFullQueueRejectsWithErrQueueFull(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, inference.CPUDevice("test"), nil)
	gate := make(chan struct{})
	entered := make(chan struct{}, 1)
	h, err := inference.Register(rt, "slow", func(context.Context, device.Config) (inference.Model[int, int], error) {
		return gatedModel{gate, entered}, nil
	}, inference.ModelConfig[int]{MaxBatchSize: 1, QueueMax: 1, Policy: batch.Reject})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	done := make(chan error, 1)
	go func() { _, err := h.Infer(context.Background(), 1); done <- err }()
	<-entered
	_, err = h.Infer(context.Background(), 2)
	require.ErrorIs(t, err, batch.ErrQueueFull)
	close(gate)
	require.NoError(t, <-done)
}

type gatedModel struct {
	gate    chan struct{}
	entered chan struct{}
}

func (g gatedModel) Infer(_ context.Context, in []int) ([]int, error) {
	g.entered <- struct{}{}
	<-g.gate
	return in, nil
}
func (gatedModel) Close() error { return nil }

func TestPrometheusCollectors(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	rt, err := inference.New(inference.Config{Device: inference.CPUDevice("test"), BatchDelay: time.Millisecond, Logger: quiet, Registerer: reg})
	require.NoError(t, err)
	defer func() { require.NoError(t, rt.Stop(context.Background())) }()
	l := &loaderRec{}
	h, err := inference.Register(rt, "embedder", l.load, inference.ModelConfig[int]{})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	_, err = h.Infer(context.Background(), 1)
	require.NoError(t, err)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"masx_inference_requests_total", "masx_inference_runtime_started", "masx_inference_models", "masx_inference_gpu_fallbacks_total", "masx_batch_requests_total", "masx_batch_items_per_batch"} {
		require.Contains(t, all, want)
	}
}

func TestConcurrentCallers(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, gpu, nil)
	var n atomic.Int32
	l := &loaderRec{failDev: func([]int) bool { return n.Add(1)%5 == 0 }}
	h, err := inference.Register(rt, "double", l.load, inference.ModelConfig[int]{MaxBatchSize: 8})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	var wg sync.WaitGroup
	var bad atomic.Int32
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				v := g*100 + i
				out, err := h.Infer(context.Background(), v)
				if err != nil || out != 2*v {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.Zero(t, bad.Load())
	require.Equal(t, int64(800), rt.Metrics()["total_requests"])
}
