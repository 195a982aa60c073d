package sampler_test

import (
	"context"
	"github.com/greenlang/gl001/simulator/api"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// replicaFigures are one replica's values for the metrics Target reads.
type replicaFigures struct {
	latencyP95, heatP95, perSecond, queue float64
	requests                              map[string]float64 // by status
	failures                              float64
}

// exposition serves what the stand-in's front door serves: every
// replica's series in one exposition, labelled replica, made by
// client_golang itself.
func exposition(t *testing.T, replicas map[string]replicaFigures) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	for id, f := range replicas {
		r := prometheus.WrapRegistererWith(prometheus.Labels{"replica": id}, reg)
		gauge := func(name string, v float64) prometheus.Collector {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: name + "."}, func() float64 { return v })
		}
		requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gl_001_orchestration_requests_total", Help: "Requests."}, []string{"status"})
		for status, v := range f.requests {
			requests.WithLabelValues(status).Add(v)
		}
		failures := prometheus.NewCounter(prometheus.CounterOpts{Name: "gl_001_subagent_coordination_failures_total", Help: "Failures."})
		failures.Add(f.failures)
		duration := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gl_001_orchestration_duration_seconds", Help: "Duration."})
		duration.Observe(f.latencyP95)
		r.MustRegister(
			gauge("orchestration_latency_p95_seconds", f.latencyP95),
			gauge("heat_optimization_time_p95", f.heatP95),
			gauge("agent_coordination_per_second", f.perSecond),
			gauge("boiler_calculation_queue_depth", f.queue),
			requests, failures, duration,
		)
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTarget(t *testing.T) {
	srv := exposition(t, map[string]replicaFigures{
		"replica-0": {latencyP95: 0.8, heatP95: 0.05, perSecond: 10, queue: 3, requests: map[string]float64{"ok": 7, "invalid": 1}, failures: 2},
		"replica-1": {latencyP95: 1.2, heatP95: 0.03, perSecond: 15, queue: 4, requests: map[string]float64{"ok": 5}},
		"replica-2": {latencyP95: math.NaN(), heatP95: math.Inf(1), requests: map[string]float64{}},
	})
	var s sampler.Sample
	if err := (&sampler.Target{BaseURL: srv.URL + "/"}).Sample(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	// Series: 5 gauges and counters on each of 3 replicas, 1 histogram
	// each, and requests by status (2 + 1 + 0).
	want := &sampler.TargetMetrics{
		OrchestrationLatencyP95Seconds: 1.2, HeatOptimizationTimeP95Seconds: 0.05,
		AgentCoordinationPerSecond: 25, BoilerCalculationQueueDepth: 7,
		RequestsTotal: 13, CoordinationFailuresTotal: 2, Series: 3*5 + 3 + 3,
	}
	if !reflect.DeepEqual(s.Target, want) {
		t.Errorf("got  %+v\nwant %+v", s.Target, want)
	}
}

func TestTargetNames(t *testing.T) {
	srv := exposition(t, map[string]replicaFigures{"replica-0": {latencyP95: 0.5, perSecond: 9, requests: map[string]float64{"ok": 4}}})
	// Point the latency at a histogram (not read) and the rate at a name
	// that is not exposed: both stay 0; the others keep their defaults.
	tg := &sampler.Target{BaseURL: srv.URL, Names: api.MetricNames{
		OrchestrationLatencyP95Seconds: "gl_001_orchestration_duration_seconds",
		AgentCoordinationPerSecond:     "gl_001_agent_coordination_rate",
	}}
	var s sampler.Sample
	if err := tg.Sample(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Target.OrchestrationLatencyP95Seconds != 0 || s.Target.AgentCoordinationPerSecond != 0 || s.Target.RequestsTotal != 4 || s.Target.Series != 7 {
		t.Errorf("got %+v", s.Target)
	}
	if d := api.GuideProfile().Metrics; d.RequestsTotal != "gl_001_orchestration_requests_total" || d.OrchestrationLatencyP95Seconds != "orchestration_latency_p95_seconds" {
		t.Errorf("defaults %+v", d)
	}
}

func TestDatabasePool(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       *sampler.Database
	}{
		{
			name: "guide",
			body: `{"connection_pool": {"size": 100, "in_use": 92, "available": 8, "wait_count": 450}}`,
			want: &sampler.Database{Size: 100, InUse: 92, Available: 8, WaitCount: 450, InUsePercent: 92},
		},
		{
			name: "stand-in",
			body: `{"connection_pool": {"size": 86, "overflow": 0, "in_use": 43, "available": 43, "wait_count": 3, "timeouts": 1,
				"queries_total": 900, "max_in_use": 60}, "per_replica": {}, "read_replicas": [], "unreachable": null}`,
			want: &sampler.Database{Size: 86, InUse: 43, Available: 43, WaitCount: 3, Timeouts: 1, MaxInUse: 60, InUsePercent: 50},
		},
		{
			name: "floats, no available",
			body: `{"connection_pool": {"size": 20.0, "in_use": 5.0}}`,
			want: &sampler.Database{Size: 20, InUse: 5, Available: 15, InUsePercent: 25},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/metrics/database" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			var s sampler.Sample
			if err := (&sampler.DatabasePool{BaseURL: srv.URL}).Sample(context.Background(), &s); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Database, tc.want) {
				t.Errorf("got %+v, want %+v", s.Database, tc.want)
			}
		})
	}
}

// Every way a scrape can fail is a Gap naming the sampler and the reason.
func TestHTTPSamplerGaps(t *testing.T) {
	serve := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		name string
		s    sampler.Sampler
		want string
	}{
		{"target 500", &sampler.Target{BaseURL: serve(500, "oops\n")}, "/metrics: 500 Internal Server Error: oops"},
		{"target garbage", &sampler.Target{BaseURL: serve(200, "orchestration_latency_p95_seconds{ 1\n")}, "/metrics: text format parsing error"},
		{"target refused", &sampler.Target{BaseURL: closed.URL}, "connection refused"},
		{"target unset", &sampler.Target{}, "no base URL configured"},
		{"database 503", &sampler.DatabasePool{BaseURL: serve(503, "")}, "/api/v1/metrics/database: 503 Service Unavailable"},
		{"database html", &sampler.DatabasePool{BaseURL: serve(200, "<html>")}, "not the database metrics JSON"},
		{"database no pool", &sampler.DatabasePool{BaseURL: serve(200, `{"pool": {}}`)}, "no connection_pool object"},
		{"database no size", &sampler.DatabasePool{BaseURL: serve(200, `{"connection_pool": {"in_use": 3}}`)}, "connection_pool lacks size or in_use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := &sampler.Set{Samplers: []sampler.Sampler{tc.s}}
			got := set.Sample(context.Background(), time.Unix(0, 0))
			if got.Target != nil || got.Database != nil || len(got.Gaps) != 1 ||
				got.Gaps[0].Sampler != tc.s.Name() || !strings.Contains(got.Gaps[0].Reason, tc.want) {
				t.Errorf("got %+v, want one %s gap with %q", got, tc.s.Name(), tc.want)
			}
		})
	}
}
