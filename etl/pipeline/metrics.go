package pipeline

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/news"
)

// metrics are the pipeline's Prometheus series. They are fed from the same
// points as Progress, so the progress bars and /metrics never disagree.
type metrics struct {
	articles    *prometheus.CounterVec
	stage       *prometheus.HistogramVec
	flashpoints *prometheus.CounterVec
	inProgress  prometheus.Gauge
	translated  *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "masx_pipeline_articles_total", Help: "Articles stored by the pipeline, by final status.",
		}, []string{"status"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "masx_pipeline_stage_seconds",
			Help: "Time per stage: per article for fetch, langid, compress, translate, summarize, embed; per flashpoint for vectorize, cluster, cluster_summary; per write batch for store.",
			// 1 ms … ~65 s.
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"stage"}),
		flashpoints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "masx_pipeline_flashpoints_total", Help: "Flashpoints the pipeline finished processing (ok, or error when ProcessFlashpoint failed).",
		}, []string{"result"}),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "masx_pipeline_flashpoints_in_progress", Help: "Flashpoints being processed now.",
		}),
		translated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "masx_pipeline_translations_total",
			Help: "Non-English articles through the translate stage, by backend and outcome (translated, unsupported, not_configured, failed).",
		}, []string{"backend", "outcome"}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.articles, m.stage, m.flashpoints, m.inProgress, m.translated}
}

func (m *metrics) stored(s news.Status) { m.articles.WithLabelValues(string(s)).Inc() }

func (m *metrics) stageTime(stage string, d time.Duration) {
	m.stage.WithLabelValues(stage).Observe(d.Seconds())
}

func (m *metrics) timings(t map[string]float64) {
	for k, ms := range t {
		if k != "total" {
			m.stage.WithLabelValues(k).Observe(ms / 1000)
		}
	}
}
