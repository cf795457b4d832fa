package preview

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the preview worker's figures for the operator: how previews end, by
// outcome ("ready", a failure code, or "retry" for a transient error), and how long
// rendering takes by kind.
type Metrics struct {
	outcomes *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

// NewMetrics registers the preview metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_previews_total",
			Help: "Preview jobs by outcome: ready, a failure code (too_many_pixels, truncated...), or retry.",
		}, []string{"outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cartable_preview_render_seconds",
			Help:    "Time to render every size and format of one file, conversions included, by kind.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"kind"}),
	}
	reg.MustRegister(m.outcomes, m.seconds)
	return m
}

func (m *Metrics) outcome(o string) {
	if m != nil {
		m.outcomes.WithLabelValues(o).Inc()
	}
}

func (m *Metrics) rendered(kind Kind, seconds float64) {
	if m != nil {
		m.seconds.WithLabelValues(string(kind)).Observe(seconds)
	}
}
