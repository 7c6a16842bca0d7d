package crawl

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/crawl/render"
)

// methodMetrics counts one method's attempts.
type methodMetrics struct {
	total, ok, failed, active, durNS atomic.Int64
}

func (m *methodMetrics) done(d time.Duration, ok bool) {
	m.total.Add(1)
	m.durNS.Add(int64(d))
	if ok {
		m.ok.Add(1)
	} else {
		m.failed.Add(1)
	}
}

// metrics holds the client's counters. It is a prometheus.Collector that
// reads them at scrape time.
type metrics struct {
	start     time.Time
	pool      *render.Pool
	http      methodMetrics
	browser   methodMetrics
	pages     methodMetrics // RenderPage calls; ok = resolved
	byHTTP    atomic.Int64  // pages resolved by http
	byBrowser atomic.Int64  // pages resolved by the browser
	fallbacks atomic.Int64
	abandoned atomic.Int64 // extractions past ExtractTimeout still running
	hist      *prometheus.HistogramVec
}

func newMetrics(pool *render.Pool) *metrics {
	return &metrics{
		start: time.Now(),
		pool:  pool,
		hist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "masx_crawl_render_duration_seconds",
			Help:    "Time of one method's attempt on one page, extraction included.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 4, 8, 15, 30, 60},
		}, []string{"method"}),
	}
}

func (m *metrics) method(meth Method) *methodMetrics {
	if meth == MethodBrowser {
		return &m.browser
	}
	return &m.http
}

func (m *metrics) page(by Method, d time.Duration) {
	m.pages.done(d, by != "")
	switch by {
	case MethodHTTP:
		m.byHTTP.Add(1)
	case MethodBrowser:
		m.byBrowser.Add(1)
	}
}

// snapshot gives the seed's metric names for a set of counters.
func snapshot(m *methodMetrics, uptime time.Duration, queue int) map[string]any {
	total, ok := m.total.Load(), m.ok.Load()
	out := map[string]any{
		"total_renders":      total,
		"successful_renders": ok,
		"failed_renders":     m.failed.Load(),
		"success_rate":       0.0,
		"active_pages":       m.active.Load(),
		"queue_depth":        queue,
		"avg_render_time_ms": 0.0,
		"renders_per_second": 0.0,
	}
	if total > 0 {
		out["success_rate"] = float64(ok) / float64(total)
		out["avg_render_time_ms"] = float64(m.durNS.Load()) / float64(total) / 1e6
	}
	if s := uptime.Seconds(); s > 0 {
		out["renders_per_second"] = float64(total) / s
	}
	return out
}

// Metrics returns the client's counters under the seed's names: page-level
// totals at the top (a "render" is one RenderPage call, resolved or not),
// the same keys per method under "methods" (a render there is one attempt),
// and the browser pool's own counters under "worker_metrics".
func (c *RenderClient) Metrics() map[string]any {
	m := c.metrics
	up := time.Since(m.start)
	var st render.Stats
	if m.pool != nil {
		st = m.pool.Stats()
	}
	out := snapshot(&m.pages, up, st.Queued)
	out["active_pages"] = m.http.active.Load() + m.browser.active.Load()
	out["fallbacks"] = m.fallbacks.Load()
	out["extractions_abandoned"] = m.abandoned.Load()
	out["resolved_by"] = map[string]int64{"http": m.byHTTP.Load(), "browser": m.byBrowser.Load()}
	out["methods"] = map[string]any{
		"http":    snapshot(&m.http, up, 0),
		"browser": snapshot(&m.browser, up, st.Queued),
	}
	if m.pool != nil {
		w := map[string]any{
			"total_renders":      st.Total,
			"successful_renders": st.Succeeded,
			"failed_renders":     st.Failed,
			"success_rate":       0.0,
			"active_pages":       st.Active,
			"queue_depth":        st.Queued,
			"avg_render_time_ms": float64(st.RenderTime) / 1e6,
			"timeouts":           st.TimedOut,
			"queue_full":         st.QueueFull,
			"blocked_requests":   st.BlockedRequests + st.EgressBlocked,
			"browser_restarts":   st.Restarts,
		}
		if st.Total > 0 {
			w["success_rate"] = float64(st.Succeeded) / float64(st.Total)
		}
		out["worker_metrics"] = w
	}
	return out
}

// Prometheus metrics, by method ("http", "browser"):
//
//	masx_crawl_renders_total{method}                 counter  attempts (seed total_renders)
//	masx_crawl_renders_successful_total{method}      counter  (successful_renders)
//	masx_crawl_renders_failed_total{method}          counter  (failed_renders)
//	masx_crawl_success_rate{method}                  gauge    (success_rate)
//	masx_crawl_active_pages{method}                  gauge    (active_pages)
//	masx_crawl_queue_depth{method}                   gauge    browser queue (queue_depth)
//	masx_crawl_renders_per_second{method}            gauge    since start (renders_per_second)
//	masx_crawl_render_duration_seconds{method}       histogram (avg_render_time_ms = sum/count)
//	masx_crawl_pages_total{resolved_by}              counter  RenderPage calls; resolved_by "none" when unresolved
//	masx_crawl_fallbacks_total                       counter  HTTP → browser fallbacks
//	masx_crawl_browser_restarts_total                counter
//	masx_crawl_blocked_requests_total                counter  page requests refused by the SSRF guard
var (
	descTotal    = prometheus.NewDesc("masx_crawl_renders_total", "Attempts to get a page, by method.", []string{"method"}, nil)
	descOK       = prometheus.NewDesc("masx_crawl_renders_successful_total", "Attempts that resolved the page.", []string{"method"}, nil)
	descFailed   = prometheus.NewDesc("masx_crawl_renders_failed_total", "Attempts that failed or found too little text.", []string{"method"}, nil)
	descRate     = prometheus.NewDesc("masx_crawl_success_rate", "Successful attempts over all attempts.", []string{"method"}, nil)
	descActive   = prometheus.NewDesc("masx_crawl_active_pages", "Attempts in progress.", []string{"method"}, nil)
	descQueue    = prometheus.NewDesc("masx_crawl_queue_depth", "Requests waiting for a browser page.", []string{"method"}, nil)
	descPerSec   = prometheus.NewDesc("masx_crawl_renders_per_second", "Attempts per second since the client started.", []string{"method"}, nil)
	descPages    = prometheus.NewDesc("masx_crawl_pages_total", "Pages asked for, by the method that resolved them.", []string{"resolved_by"}, nil)
	descFallback = prometheus.NewDesc("masx_crawl_fallbacks_total", "Pages sent on to the next method.", nil, nil)
	descRestarts = prometheus.NewDesc("masx_crawl_browser_restarts_total", "Browsers started after a crash or an unhealthy one.", nil, nil)
	descBlocked  = prometheus.NewDesc("masx_crawl_blocked_requests_total", "Browser requests refused by the SSRF guard.", nil, nil)
	descAbandon  = prometheus.NewDesc("masx_crawl_extractions_abandoned", "Extractions past their deadline whose work still runs (it cannot be interrupted).", nil, nil)
)

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTotal, descOK, descFailed, descRate, descActive, descQueue, descPerSec, descPages, descFallback, descRestarts, descBlocked, descAbandon} {
		ch <- d
	}
	m.hist.Describe(ch)
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	up := time.Since(m.start).Seconds()
	var st render.Stats
	if m.pool != nil {
		st = m.pool.Stats()
	}
	for _, x := range []struct {
		name  string
		m     *methodMetrics
		queue int
	}{{"http", &m.http, 0}, {"browser", &m.browser, st.Queued}} {
		total, ok := float64(x.m.total.Load()), float64(x.m.ok.Load())
		rate, perSec := 0.0, 0.0
		if total > 0 {
			rate = ok / total
		}
		if up > 0 {
			perSec = total / up
		}
		ch <- prometheus.MustNewConstMetric(descTotal, prometheus.CounterValue, total, x.name)
		ch <- prometheus.MustNewConstMetric(descOK, prometheus.CounterValue, ok, x.name)
		ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(x.m.failed.Load()), x.name)
		ch <- prometheus.MustNewConstMetric(descRate, prometheus.GaugeValue, rate, x.name)
		ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(x.m.active.Load()), x.name)
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(x.queue), x.name)
		ch <- prometheus.MustNewConstMetric(descPerSec, prometheus.GaugeValue, perSec, x.name)
	}
	none := m.pages.total.Load() - m.byHTTP.Load() - m.byBrowser.Load()
	ch <- prometheus.MustNewConstMetric(descPages, prometheus.CounterValue, float64(m.byHTTP.Load()), "http")
	ch <- prometheus.MustNewConstMetric(descPages, prometheus.CounterValue, float64(m.byBrowser.Load()), "browser")
	ch <- prometheus.MustNewConstMetric(descPages, prometheus.CounterValue, float64(none), "none")
	ch <- prometheus.MustNewConstMetric(descFallback, prometheus.CounterValue, float64(m.fallbacks.Load()))
	ch <- prometheus.MustNewConstMetric(descRestarts, prometheus.CounterValue, float64(st.Restarts))
	ch <- prometheus.MustNewConstMetric(descBlocked, prometheus.CounterValue, float64(st.BlockedRequests+st.EgressBlocked))
	ch <- prometheus.MustNewConstMetric(descAbandon, prometheus.GaugeValue, float64(m.abandoned.Load()))
	m.hist.Collect(ch)
}
