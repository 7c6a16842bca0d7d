package batch

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type flushReason int

const (
	flushSize flushReason = iota
	flushCost
	flushDelay
	flushDrain
	nFlushReasons
)

var flushNames = [nFlushReasons]string{"size", "cost", "delay", "drain"}

// metrics holds a Batcher's counters. Counters are atomics so the hot path
// takes no extra lock; histograms are Prometheus's own (lock-free).
type metrics struct {
	requests, rejected, cancelled, failed, panics atomic.Int64
	batches, items, batchNanos                    atomic.Int64
	wakeups                                       atomic.Int64 // dispatcher loop turns
	flushes                                       [nFlushReasons]atomic.Int64

	batchSize *prometheus.HistogramVec
	queueWait prometheus.Histogram
	latency   prometheus.Histogram

	descs map[string]*prometheus.Desc
	name  string
}

func newMetrics(name string) *metrics {
	labels := prometheus.Labels{"batcher": name}
	m := &metrics{name: name}
	m.batchSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "masx", Subsystem: "batch", Name: "items_per_batch",
		Help:        "Items in each dispatched batch.",
		Buckets:     []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		ConstLabels: labels,
	}, nil)
	m.queueWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "masx", Subsystem: "batch", Name: "queue_wait_seconds",
		Help:        "Time an item waited in the queue before its batch started.",
		Buckets:     prometheus.ExponentialBuckets(0.0001, 2, 16),
		ConstLabels: labels,
	})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "masx", Subsystem: "batch", Name: "batch_seconds",
		Help:        "Time the batch function took per batch.",
		Buckets:     prometheus.ExponentialBuckets(0.0001, 2, 18),
		ConstLabels: labels,
	})
	d := func(n, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc("masx_batch_"+n, help, extra, labels)
	}
	m.descs = map[string]*prometheus.Desc{
		"requests":    d("requests_total", "Items submitted."),
		"batches":     d("batches_total", "Batches dispatched."),
		"rejected":    d("rejected_total", "Items refused with ErrQueueFull."),
		"cancelled":   d("cancelled_total", "Items whose context ended before a result."),
		"failed":      d("failed_total", "Items answered with an error by their batch."),
		"panics":      d("panics_total", "Batch function panics recovered."),
		"flushes":     d("flushes_total", "Batches dispatched, by the trigger that fired.", "trigger"),
		"queue_depth": d("queue_depth", "Items queued, not yet dispatched."),
		"in_flight":   d("batches_in_flight", "Batches running."),
	}
	return m
}

func (m *metrics) flush(r flushReason) { m.flushes[r].Add(1) }

func (m *metrics) observeBatch(n int, d time.Duration) {
	m.batches.Add(1)
	m.items.Add(int64(n))
	m.batchNanos.Add(int64(d))
	m.batchSize.WithLabelValues().Observe(float64(n))
	m.latency.Observe(d.Seconds())
}

func (m *metrics) snapshot(depth, busy int) Stats {
	s := Stats{
		Name:       m.name,
		Requests:   m.requests.Load(),
		Batches:    m.batches.Load(),
		Items:      m.items.Load(),
		Rejected:   m.rejected.Load(),
		Cancelled:  m.cancelled.Load(),
		Failed:     m.failed.Load(),
		Panics:     m.panics.Load(),
		QueueDepth: depth,
		InFlight:   busy,
		Flushes:    make(map[string]int64, nFlushReasons),
	}
	if s.Batches > 0 {
		s.AvgBatchSize = float64(s.Items) / float64(s.Batches)
		s.AvgBatchTime = time.Duration(m.batchNanos.Load() / s.Batches)
	}
	for i := range m.flushes {
		s.Flushes[flushNames[i]] = m.flushes[i].Load()
	}
	return s
}

// Describe implements prometheus.Collector.
func (b *Batcher[In, Out]) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range b.m.descs {
		ch <- d
	}
	b.m.batchSize.Describe(ch)
	b.m.queueWait.Describe(ch)
	b.m.latency.Describe(ch)
}

// Collect implements prometheus.Collector, so a Batcher registers on any
// registry: reg.MustRegister(b). Each batcher's series carry its Name as
// the "batcher" label; names must be unique per registry.
func (b *Batcher[In, Out]) Collect(ch chan<- prometheus.Metric) {
	s := b.Stats()
	c := func(name string, v int64) {
		ch <- prometheus.MustNewConstMetric(b.m.descs[name], prometheus.CounterValue, float64(v))
	}
	c("requests", s.Requests)
	c("batches", s.Batches)
	c("rejected", s.Rejected)
	c("cancelled", s.Cancelled)
	c("failed", s.Failed)
	c("panics", s.Panics)
	for i, n := range flushNames {
		ch <- prometheus.MustNewConstMetric(b.m.descs["flushes"], prometheus.CounterValue, float64(b.m.flushes[i].Load()), n)
	}
	ch <- prometheus.MustNewConstMetric(b.m.descs["queue_depth"], prometheus.GaugeValue, float64(s.QueueDepth))
	ch <- prometheus.MustNewConstMetric(b.m.descs["in_flight"], prometheus.GaugeValue, float64(s.InFlight))
	b.m.batchSize.Collect(ch)
	b.m.queueWait.Collect(ch)
	b.m.latency.Collect(ch)
}
