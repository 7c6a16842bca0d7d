package inference

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/concurrency/device"
)

// ModelMetrics describes one registered model.
type ModelMetrics struct {
	Name          string      `json:"name"`
	ExecutionPath device.Type `json:"execution_path"`
	GPURequests   int64       `json:"total_gpu_requests"`
	CPURequests   int64       `json:"total_cpu_requests"`
	Fallbacks     int64       `json:"gpu_fallbacks"`
	QueueDepth    int         `json:"queue_size"`
	Inferences    int64       `json:"total_inferences"`
	Batches       int64       `json:"total_batches"`
	AvgBatchSize  float64     `json:"avg_batch_size"`
	AvgBatchTime  float64     `json:"avg_batch_time"` // seconds, as the seed
	Rejected      int64       `json:"rejected"`
	Cancelled     int64       `json:"cancelled"`
}

func (h *Handle[In, Out]) snapshot() ModelMetrics {
	h.mu.Lock()
	b, path := h.b, h.path
	h.mu.Unlock()
	m := ModelMetrics{
		Name:          h.modelName,
		ExecutionPath: path,
		GPURequests:   h.gpuReq.Load(),
		CPURequests:   h.cpuReq.Load(),
		Fallbacks:     h.fallbacks.Load(),
	}
	if b != nil {
		s := b.Stats()
		m.QueueDepth = s.QueueDepth
		m.Inferences = s.Items
		m.Batches = s.Batches
		m.AvgBatchSize = s.AvgBatchSize
		m.AvgBatchTime = s.AvgBatchTime.Seconds()
		m.Rejected = s.Rejected
		m.Cancelled = s.Cancelled
	}
	return m
}

// Metrics returns the seed's runtime metrics, with its key names:
// total_requests, total_gpu_requests, total_cpu_requests,
// requests_per_second, queue_depth, is_started, execution_path, and for the
// GPU worker total_inferences, avg_batch_time (seconds) and queue_size.
// "models" breaks the numbers down per model; "gpu_fallbacks" counts
// batches retried on the CPU after a device error.
func (rt *Runtime) Metrics() map[string]any {
	models := rt.snapshotAll()
	running := rt.IsStarted()
	rt.mu.Lock()
	at := rt.startAt // zero until a Start succeeded
	rt.mu.Unlock()
	started := !at.IsZero()
	var gpu, cpu, fallbacks, infer, batches int64
	var batchTime float64
	depth := 0
	path := device.CPU
	for _, m := range models {
		gpu += m.GPURequests
		cpu += m.CPURequests
		fallbacks += m.Fallbacks
		infer += m.Inferences
		batches += m.Batches
		batchTime += m.AvgBatchTime * float64(m.Batches)
		depth += m.QueueDepth
		if m.ExecutionPath == device.CUDA {
			path = device.CUDA
		}
	}
	// A fallback batch counts once on each side; a request is one item.
	total := gpu + cpu - fallbackItems(models)
	rps := 0.0
	if started {
		if el := time.Since(at).Seconds(); el > 0 {
			rps = float64(total) / el
		}
	}
	avg := 0.0
	if batches > 0 {
		avg = batchTime / float64(batches)
	}
	return map[string]any{
		"total_requests":      total,
		"total_gpu_requests":  gpu,
		"total_cpu_requests":  cpu,
		"requests_per_second": rps,
		"queue_depth":         depth,
		"is_started":          running,
		"execution_path":      string(path),
		"device":              rt.cfg.Device,
		"gpu_fallbacks":       fallbacks,
		"gpu_worker": map[string]any{
			"total_inferences": infer,
			"avg_batch_time":   avg,
			"queue_size":       depth,
		},
		"models": models,
	}
}

// fallbackItems is the number of items that ran on both devices because
// their GPU batch fell back; they are requested once.
func fallbackItems(models []ModelMetrics) int64 {
	var n int64
	for _, m := range models {
		if m.ExecutionPath == device.CUDA {
			// Every CPU request of a GPU-path model is a fallback item.
			n += m.CPURequests
		}
	}
	return n
}

var (
	descRequests = prometheus.NewDesc("masx_inference_requests_total",
		"Items sent to a model, by model and device.", []string{"model", "device"}, nil)
	descFallbacks = prometheus.NewDesc("masx_inference_gpu_fallbacks_total",
		"GPU batches retried on the CPU after a device error.", []string{"model"}, nil)
	descPath = prometheus.NewDesc("masx_inference_on_gpu",
		"1 when the model runs on the GPU, 0 on the CPU.", []string{"model"}, nil)
	descStarted = prometheus.NewDesc("masx_inference_runtime_started",
		"1 while the inference runtime is started (and not stopped).", nil, nil)
	descModels = prometheus.NewDesc("masx_inference_models",
		"Models registered with the runtime (0 when vectors come from TF-IDF).", nil, nil)
)

// runtimeCollector exports per-model counters; batchers export their own.
type runtimeCollector struct{ rt *Runtime }

func (c runtimeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRequests
	ch <- descFallbacks
	ch <- descPath
	ch <- descStarted
	ch <- descModels
}

func (c runtimeCollector) Collect(ch chan<- prometheus.Metric) {
	started := 0.0
	if c.rt.IsStarted() {
		started = 1
	}
	ch <- prometheus.MustNewConstMetric(descStarted, prometheus.GaugeValue, started)
	models := c.rt.snapshotAll()
	ch <- prometheus.MustNewConstMetric(descModels, prometheus.GaugeValue, float64(len(models)))
	for _, m := range models {
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(m.GPURequests), m.Name, "cuda")
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(m.CPURequests), m.Name, "cpu")
		ch <- prometheus.MustNewConstMetric(descFallbacks, prometheus.CounterValue, float64(m.Fallbacks), m.Name)
		on := 0.0
		if m.ExecutionPath == device.CUDA {
			on = 1
		}
		ch <- prometheus.MustNewConstMetric(descPath, prometheus.GaugeValue, on, m.Name)
	}
}
