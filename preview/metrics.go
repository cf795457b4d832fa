package preview

import (
	"cmp"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the preview worker's figures for the operator: how previews end, by
// outcome ("ready", a failure code, or "retry" for a transient error), and how long
// rendering takes by kind.
type Metrics struct {
	outcomes *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
	embedded *prometheus.CounterVec
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
			Help:    "Time to render the sizes of one job (a stage, or every size), conversions included, by kind and stage.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"kind", "stage"}),
		embedded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_preview_embedded_total",
			Help: "Embedded previews (EXIF thumbnails): served, why one was not (no_thumbnail, edited, shape_mismatch...), " +
				"and mismatch when the real small thumbnail disagreed with one served; HEIC thumbnail items: heif_served, or heif_ and the reason.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.outcomes, m.seconds, m.embedded)
	return m
}

func (m *Metrics) outcome(o string) {
	if m != nil {
		m.outcomes.WithLabelValues(o).Inc()
	}
}

func (m *Metrics) rendered(kind Kind, stage Stage, seconds float64) {
	if m != nil {
		m.seconds.WithLabelValues(string(kind), cmp.Or(string(stage), "whole")).Observe(seconds)
	}
}

func (m *Metrics) embeddedResult(result string) {
	if m != nil {
		m.embedded.WithLabelValues(result).Inc()
	}
}
