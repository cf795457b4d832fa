package antivirus

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the scans' figures for the operator: how many by verdict (clean,
// infected, or unavailable when clamd did not answer), and how long a verdict takes.
type Metrics struct {
	verdicts *prometheus.CounterVec
	seconds  prometheus.Histogram
}

// NewMetrics registers the antivirus metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_antivirus_scans_total",
			Help: "Antivirus scans by verdict: clean, infected, or unavailable (clamd did not answer).",
		}, []string{"verdict"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cartable_antivirus_scan_seconds",
			Help:    "Time to stream one file to clamd and get its verdict.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120},
		}),
	}
	reg.MustRegister(m.verdicts, m.seconds)
	return m
}

func (m *Metrics) scanned(verdict string, took time.Duration) {
	if m == nil {
		return
	}
	m.verdicts.WithLabelValues(verdict).Inc()
	if took > 0 {
		m.seconds.Observe(took.Seconds())
	}
}
