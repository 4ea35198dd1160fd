package webhook

import (
	"crypto/x509"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the webhook's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	violations *prometheus.CounterVec
	certExpiry prometheus.Gauge
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podlint_webhook_requests_total",
			Help: "Admission requests by operation, kind, decision (allowed, denied, error) and the strictest mode among their findings (none when there were none).",
		}, []string{"operation", "kind", "decision", "mode"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "podlint_webhook_request_duration_seconds",
			Help: "Time to review an admission request, by operation and kind.",
			// 1 ms (a Pod with no findings) to 10 s (the API server's default
			// webhook timeout).
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "kind"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podlint_webhook_violations_total",
			Help: "Findings in admission requests, by rule ID and the mode applied to them.",
		}, []string{"rule", "mode"}),
		certExpiry: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podlint_webhook_certificate_expiry_timestamp_seconds",
			Help: "When the serving certificate expires, as a Unix time; 0 when none is loaded.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.violations, m.certExpiry} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) observe(op, kind, decision, mode string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(op, kind, decision, mode).Inc()
	m.latency.WithLabelValues(op, kind).Observe(took.Seconds())
}

func (m *Metrics) violation(rule, mode string) {
	if m == nil {
		return
	}
	m.violations.WithLabelValues(rule, mode).Inc()
}

// certificate records the expiry of the certificate being served.
func (m *Metrics) certificate(c *x509.Certificate) {
	if m == nil {
		return
	}
	if c == nil {
		m.certExpiry.Set(0)
		return
	}
	m.certExpiry.Set(float64(c.NotAfter.Unix()))
}
