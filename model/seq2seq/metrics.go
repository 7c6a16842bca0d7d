package seq2seq

import "github.com/prometheus/client_golang/prometheus"

var (
	descTokens = prometheus.NewDesc("masx_seq2seq_tokens_generated_total",
		"Tokens generated (one per sentence per step; beams count once).", []string{"model"}, nil)
	descSteps = prometheus.NewDesc("masx_seq2seq_decode_steps_total",
		"Decoder runs.", []string{"model"}, nil)
	descRows = prometheus.NewDesc("masx_seq2seq_decode_rows_total",
		"Rows over all decoder runs (divided by decode steps: batch occupancy).", []string{"model"}, nil)
	descSeconds = prometheus.NewDesc("masx_seq2seq_seconds_total",
		"Time spent in the encoder and the decoder graphs.", []string{"model", "graph"}, nil)
)

// Describe and Collect make a Generator a prometheus.Collector of its
// Metrics; register it beside the runtime's.
func (g *Generator) Describe(ch chan<- *prometheus.Desc) {
	ch <- descTokens
	ch <- descSteps
	ch <- descRows
	ch <- descSeconds
}

// Collect reports the Generator's Metrics.
func (g *Generator) Collect(ch chan<- prometheus.Metric) {
	m, name := g.Metrics(), g.cfg.Name
	ch <- prometheus.MustNewConstMetric(descTokens, prometheus.CounterValue, float64(m.Tokens), name)
	ch <- prometheus.MustNewConstMetric(descSteps, prometheus.CounterValue, float64(m.DecodeSteps), name)
	ch <- prometheus.MustNewConstMetric(descRows, prometheus.CounterValue, float64(m.RowSteps), name)
	ch <- prometheus.MustNewConstMetric(descSeconds, prometheus.CounterValue, m.EncoderSeconds, name, "encoder")
	ch <- prometheus.MustNewConstMetric(descSeconds, prometheus.CounterValue, m.DecoderSeconds, name, "decoder")
}
