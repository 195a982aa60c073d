package engine

import (
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/greenlang/gl001/xk6-gl001/record"
)

// newHarnessMetrics serves the run's live figures in Prometheus format, so
// a long soak can be watched from the same dashboards as the target:
// started, dropped and failed iterations and VUs per scenario, and the
// running p95 of each duration metric in milliseconds.
func newHarnessMetrics(r *run) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	for _, e := range r.execs {
		labels := prometheus.Labels{"scenario": e.Name()}
		name := e.Name()
		cs := []prometheus.Collector{
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gl001_iterations_started_total", Help: "Iterations started.", ConstLabels: labels},
				func() float64 { return float64(e.Stats().Started) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gl001_dropped_iterations_total", Help: "Arrivals dropped: no free VU (open model), or the generator fell behind its schedule.", ConstLabels: labels},
				func() float64 { return float64(e.Stats().Dropped) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gl001_iterations_failed_total", Help: "Iterations whose request or event failed.", ConstLabels: labels},
				func() float64 { return float64(r.fails[name].Load()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gl001_vus", Help: "VUs running an iteration.", ConstLabels: labels},
				func() float64 { return float64(e.Stats().ActiveVUs) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gl001_target_rate_per_second", Help: "The schedule's arrival rate now.", ConstLabels: labels},
				func() float64 { return e.Stats().TargetRate }),
		}
		for _, c := range cs {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	if err := reg.Register(p95Collector{r}); err != nil {
		return nil, err
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}

// p95Collector serves the running p95 of the duration metrics, reading
// the run's totals once per scrape (a copy of every metric's histograms).
type p95Collector struct{ r *run }

var p95Metrics = []string{record.MetricOptimizeDuration, record.MetricCoordinationDuration, record.MetricHeatOptimizationDuration}

func p95Desc(m string) *prometheus.Desc {
	return prometheus.NewDesc(m+"_p95_ms", "Running p95 of "+m+" over the run, milliseconds (as of the last interval).", nil, nil)
}

func (c p95Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range p95Metrics {
		ch <- p95Desc(m)
	}
}

func (c p95Collector) Collect(ch chan<- prometheus.Metric) {
	totals := c.r.reg.Totals()
	for _, m := range p95Metrics {
		v := 0.0
		if s, ok := totals[m]; ok {
			v, _ = s.Aggregate("p(95)")
		}
		ch <- prometheus.MustNewConstMetric(p95Desc(m), prometheus.GaugeValue, v)
	}
}

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
