package sampler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/greenlang/gl001/simulator/api"
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
		OrchestrationLatencyP95Seconds: ptr(1.2), HeatOptimizationTimeP95Seconds: ptr(0.05),
		AgentCoordinationPerSecond: ptr(25.0), BoilerCalculationQueueDepth: ptr(7.0),
		RequestsTotal: ptr(13.0), CoordinationFailuresTotal: ptr(2.0), Series: 3*5 + 3 + 3,
	}
	if !reflect.DeepEqual(s.Target, want) || len(s.Gaps) != 0 {
		t.Errorf("got  %s, gaps %+v\nwant %s", asJSON(t, s.Target), s.Gaps, asJSON(t, want))
	}
}

func TestTargetNames(t *testing.T) {
	srv := exposition(t, map[string]replicaFigures{"replica-0": {latencyP95: 0.5, perSecond: 9, requests: map[string]float64{"ok": 4}}})
	// Point the latency at a histogram (read from the increase between
	// two scrapes, so not on the first) and the rate at a name that is not
	// exposed: both are null with a Gap saying which metric and why; the
	// others keep their defaults.
	tg := &sampler.Target{BaseURL: srv.URL, Names: api.MetricNames{
		OrchestrationLatencyP95Seconds: "gl_001_orchestration_duration_seconds",
		AgentCoordinationPerSecond:     "gl_001_agent_coordination_rate",
	}}
	var s sampler.Sample
	if err := tg.Sample(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Target.OrchestrationLatencyP95Seconds != nil || s.Target.AgentCoordinationPerSecond != nil ||
		s.Target.RequestsTotal == nil || *s.Target.RequestsTotal != 4 || s.Target.Series != 7 {
		t.Errorf("got %s", asJSON(t, s.Target))
	}
	wantGaps := []sampler.Gap{
		{Sampler: "target", Field: "orchestration_latency_p95_seconds", Reason: "gl_001_orchestration_duration_seconds is a histogram: its p95 is read from the increase between two scrapes, and this is the first"},
		{Sampler: "target", Field: "agent_coordination_per_second", Reason: "gl_001_agent_coordination_rate not exposed"},
	}
	if !reflect.DeepEqual(s.Gaps, wantGaps) {
		t.Errorf("gaps %+v\nwant %+v", s.Gaps, wantGaps)
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
			body: `{"connection_pool": {"size": 100, "in_use": 92, "available": 8, "wait_count": 450, "timeouts": 2, "max_in_use": 97}}`,
			want: &sampler.Database{Size: 100, InUse: 92, Available: 8, WaitCount: ptr[int64](450), Timeouts: ptr[int64](2), MaxInUse: ptr[int64](97), InUsePercent: ptr(92.0)},
		},
		{
			name: "one replica",
			body: `{"connection_pool": {"size": 86, "overflow": 0, "in_use": 43, "available": 43, "wait_count": 3, "timeouts": 1,
				"queries_total": 900, "max_in_use": 60}, "read_replicas": []}`,
			want: &sampler.Database{Size: 86, InUse: 43, Available: 43, WaitCount: ptr[int64](3), Timeouts: ptr[int64](1), MaxInUse: ptr[int64](60), InUsePercent: ptr(50.0)},
		},
		{
			name: "floats, no available",
			body: `{"connection_pool": {"size": 20.0, "in_use": 5.0, "wait_count": 0.0, "timeouts": 0, "max_in_use": 7.4}}`,
			want: &sampler.Database{Size: 20, InUse: 5, Available: 15, WaitCount: ptr[int64](0), Timeouts: ptr[int64](0), MaxInUse: ptr[int64](7), InUsePercent: ptr(25.0)},
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
			if !reflect.DeepEqual(s.Database, tc.want) || len(s.Gaps) != 0 {
				t.Errorf("got %s, gaps %+v\nwant %s", asJSON(t, s.Database), s.Gaps, asJSON(t, tc.want))
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

// serveText serves body as a Prometheus text exposition at /metrics.
func serveText(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// asJSON is v as intervals.ndjson holds it, decoded generically.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// gapsOf are s's gaps as "sampler: field: reason" lines.
func gapsOf(t *testing.T, s sampler.Sample) []string {
	t.Helper()
	var out []string
	gaps, _ := asJSON(t, s)["gaps"].([]any)
	for _, g := range gaps {
		g := g.(map[string]any)
		out = append(out, fmt.Sprintf("%v: %v: %v", g["sampler"], g["field"], g["reason"]))
	}
	return out
}

// A figure the target does not expose, or exposes with no data behind it,
// is null in the record with a Gap naming it and why; never 0. A counter
// at 0 is a reading.
func TestTargetUnreadFiguresAreGaps(t *testing.T) {
	url := serveText(t, `# TYPE orchestration_latency_p95_seconds gauge
orchestration_latency_p95_seconds{replica="replica-0"} NaN
orchestration_latency_p95_seconds{replica="replica-1"} NaN
# TYPE heat_optimization_time_p95 gauge
heat_optimization_time_p95{replica="replica-0"} 0.03
heat_optimization_time_p95{replica="replica-1"} NaN
# TYPE boiler_calculation_queue_depth histogram
boiler_calculation_queue_depth_bucket{le="+Inf"} 3
boiler_calculation_queue_depth_sum 7
boiler_calculation_queue_depth_count 3
# TYPE gl_001_orchestration_requests_total counter
gl_001_orchestration_requests_total{replica="replica-0",status="ok"} 0
`)
	set := &sampler.Set{Samplers: []sampler.Sampler{&sampler.Target{BaseURL: url}}}
	s := set.Sample(context.Background(), time.Unix(0, 0))
	if s.Target == nil {
		t.Fatalf("no target part: %+v", s)
	}
	got := asJSON(t, s.Target)
	want := map[string]any{
		"orchestration_latency_p95_seconds": nil, "heat_optimization_time_p95_seconds": 0.03,
		"agent_coordination_per_second": nil, "boiler_calculation_queue_depth": nil,
		"requests_total": 0.0, "coordination_failures_total": nil,
	}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", name, g, ok, v)
		}
	}
	wantGaps := []string{
		"target: agent_coordination_per_second: agent_coordination_per_second not exposed",
		"target: boiler_calculation_queue_depth: boiler_calculation_queue_depth is a histogram; only gauges, counters and untyped metrics are read here (a histogram only for a p95)",
		"target: coordination_failures_total: gl_001_subagent_coordination_failures_total not exposed",
		"target: orchestration_latency_p95_seconds: orchestration_latency_p95_seconds has no finite value (NaN in every series: no data behind it)",
	}
	if g := gapsOf(t, s); !reflect.DeepEqual(g, wantGaps) {
		t.Errorf("gaps\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(wantGaps, "\n"))
	}
}

// A database answer without wait_count, timeouts or max_in_use leaves each
// null with a Gap; a pool of size 0 has no in-use share.
func TestDatabasePoolUnreadFiguresAreGaps(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       map[string]any
		gaps       []string
	}{
		{
			name: "the guide's four",
			body: `{"connection_pool": {"size": 100, "in_use": 92, "available": 8, "wait_count": 450}}`,
			want: map[string]any{"size": 100.0, "in_use": 92.0, "wait_count": 450.0, "timeouts": nil, "max_in_use": nil, "in_use_percent": 92.0},
			gaps: []string{
				"database: max_in_use: connection_pool has no max_in_use",
				"database: timeouts: connection_pool has no timeouts",
			},
		},
		{
			name: "nulls, size 0",
			body: `{"connection_pool": {"size": 0, "in_use": 0, "wait_count": null, "timeouts": 2, "max_in_use": null}}`,
			want: map[string]any{"size": 0.0, "in_use": 0.0, "wait_count": nil, "timeouts": 2.0, "max_in_use": nil, "in_use_percent": nil},
			gaps: []string{
				"database: in_use_percent: connection_pool size is 0",
				"database: max_in_use: connection_pool max_in_use is null",
				"database: wait_count: connection_pool wait_count is null",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, tc.body) }))
			defer srv.Close()
			set := &sampler.Set{Samplers: []sampler.Sampler{&sampler.DatabasePool{BaseURL: srv.URL}}}
			s := set.Sample(context.Background(), time.Unix(0, 0))
			if s.Database == nil {
				t.Fatalf("no database part: %+v", s)
			}
			got := asJSON(t, s.Database)
			for name, v := range tc.want {
				if g, ok := got[name]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", name, g, ok, v)
				}
			}
			if g := gapsOf(t, s); !reflect.DeepEqual(g, tc.gaps) {
				t.Errorf("gaps\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(tc.gaps, "\n"))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
