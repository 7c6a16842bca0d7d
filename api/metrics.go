package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics are the API's own series. The route label is a registered
// pattern or "other", never a raw path, so clients cannot grow the
// series count.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics() *httpMetrics {
	return &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "masx_http_requests_total", Help: "API requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "masx_http_request_duration_seconds", Help: "Time to answer an API request, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"route"}),
	}
}

// register puts m on r; when an earlier Server registered the same series
// there (a restart in one process), m takes over those collectors.
func (m *httpMetrics) register(r prometheus.Registerer) error {
	if err := r.Register(m.requests); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return fmt.Errorf("api: registering metrics: %w", err)
		}
		m.requests = are.ExistingCollector.(*prometheus.CounterVec)
	}
	if err := r.Register(m.duration); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return fmt.Errorf("api: registering metrics: %w", err)
		}
		m.duration = are.ExistingCollector.(*prometheus.HistogramVec)
	}
	return nil
}

func (m *httpMetrics) observe(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func setupMetrics(deps Deps) (*httpMetrics, prometheus.Gatherer, error) {
	m := newHTTPMetrics()
	g := deps.Gatherer
	if g == nil {
		reg := prometheus.NewRegistry()
		if err := m.register(reg); err != nil {
			return nil, nil, err
		}
		g = reg
	}
	r := deps.Registerer
	if r == nil {
		r, _ = deps.Gatherer.(prometheus.Registerer)
	}
	if r != nil {
		if err := m.register(r); err != nil {
			return nil, nil, err
		}
	}
	return m, g, nil
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{
		ErrorLog: promLogger{s.log},
		// One failing collector (a store that does not answer) must not
		// hide every other series.
		ErrorHandling: promhttp.ContinueOnError,
	})
}

type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("api: metrics: " + fmt.Sprint(v...)) }
