package engine

import (
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
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
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gl001_dropped_iterations_total", Help: "Arrivals dropped: no free VU (open model).", ConstLabels: labels},
				func() float64 { return float64(e.Stats().Dropped) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gl001_iterations_failed_total", Help: "Iterations whose request or event failed.", ConstLabels: labels},
				func() float64 { return float64(r.fails[name].get()) }),
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
	for _, m := range []string{MetricOptimizeDuration, MetricCoordinationDuration, MetricHeatOptimizationDuration} {
		err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: m + "_p95_ms", Help: "Running p95 of " + m + " over the run, milliseconds (as of the last interval).",
		}, func() float64 {
			if s, ok := r.reg.Totals()[m]; ok {
				v, _ := s.Aggregate("p(95)")
				return v
			}
			return 0
		}))
		if err != nil {
			return nil, err
		}
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// expressions lists each metric's threshold expressions as written, for
// the k6 JSON output's Metric lines.
func expressions(s thresholds.Set) map[string][]string {
	out := map[string][]string{}
	for name, ts := range s {
		for _, t := range ts {
			out[name] = append(out[name], t.Source)
		}
	}
	return out
}

// verdicts is the summary's metric → expression → passed map.
func verdicts(r thresholds.Results) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for metric, vs := range r.ByMetric() {
		out[metric] = map[string]bool{}
		for expr, v := range vs {
			out[metric][expr] = v.OK
		}
	}
	return out
}
