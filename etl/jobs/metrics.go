package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/store"
)

// metrics are this process's job counters. Queue-wide numbers (unfinished
// flashpoints over all workers) are read from the store at scrape time.
type metrics struct {
	running    prometheus.Gauge
	outcomes   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inserted   prometheus.Counter
	rejected   prometheus.Counter
	unfinished prometheus.GaugeFunc
}

func newMetrics(st store.Store) *metrics {
	return &metrics{
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "masx_jobs_running", Help: "Flashpoint jobs this process is working now.",
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "masx_jobs_total", Help: "Flashpoint jobs worked by this process, by outcome (completed, failed, retried, timed_out, cancelled, superseded).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "masx_job_duration_seconds", Help: "Wall time of one flashpoint job attempt, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.1, 3, 10),
		}, []string{"outcome"}),
		inserted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "masx_jobs_inserted_total", Help: "Flashpoint jobs this process offered to the queue (duplicates included).",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "masx_runs_rejected_total", Help: "Runs refused because the job queue was full (MASX_JOB_QUEUE_MAX).",
		}),
		unfinished: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "masx_flashpoints_unfinished", Help: "Unfinished flashpoints of queued or running runs, over all workers (-1 when the store did not answer).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := st.UnfinishedFlashpoints(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}),
	}
}

func (m *metrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.running, m.outcomes, m.duration, m.inserted, m.rejected, m.unfinished} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func (m *metrics) observe(outcome string, d time.Duration) {
	m.outcomes.WithLabelValues(outcome).Inc()
	m.duration.WithLabelValues(outcome).Observe(d.Seconds())
}

// riverLogger passes River's own records on at warn and above: its info
// records (elections, maintenance) would drown the pipeline's.
func riverLogger(l *slog.Logger) *slog.Logger {
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
