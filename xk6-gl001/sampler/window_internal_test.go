package sampler

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/greenlang/gl001/simulator/api"
)

// gather is what a scrape of reg parses to, by family name.
func gather(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// The public implementation's names: the p95s from histograms and the
// coordination rate from a counter, over the time between two scrapes,
// summed over replicas, as histogram_quantile(sum by (le)(rate)) and
// sum(rate) read them.
func TestTargetWindowedGreenlangNames(t *testing.T) {
	reg := prometheus.NewRegistry()
	names := api.GreenlangProfile().Metrics
	type replica struct {
		duration, calc prometheus.Histogram
		messages       prometheus.Counter
	}
	var rs []replica
	for _, id := range []string{"replica-0", "replica-1"} {
		f := prometheus.WrapRegistererWith(prometheus.Labels{"replica": id}, reg)
		r := replica{
			duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: names.OrchestrationLatencyP95Seconds, Help: "d", Buckets: []float64{0.1, 0.5, 1, 2.5, 5}}),
			calc:     prometheus.NewHistogram(prometheus.HistogramOpts{Name: names.HeatOptimizationTimeP95Seconds, Help: "c", Buckets: []float64{0.001, 0.01, 0.1}}),
			messages: prometheus.NewCounter(prometheus.CounterOpts{Name: names.AgentCoordinationPerSecond, Help: "m"}),
		}
		f.MustRegister(r.duration, r.calc, r.messages)
		rs = append(rs, r)
	}
	t0 := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	// Before the first scrape: 10 fast requests, which the window must not see.
	for range 10 {
		rs[0].duration.Observe(0.05)
	}
	rs[0].messages.Add(1000)
	prev, next := newScrapes(time.Time{}), newScrapes(t0)
	first, gaps := targetMetrics(gather(t, reg), names, nil, prev, next)
	if first.OrchestrationLatencyP95Seconds != nil || first.AgentCoordinationPerSecond != nil || first.HeatOptimizationTimeP95Seconds != nil || len(gaps) != 6 {
		t.Fatalf("first scrape: %+v, gaps %+v (want the windowed figures null, each a gap, and the three not exposed here)", first, gaps)
	}
	// Between the scrapes, 10 s: 90 requests at 0.3 s and 10 at 2 s over
	// two replicas, and 300 + 200 messages.
	for i := range 90 {
		rs[i%2].duration.Observe(0.3)
	}
	for i := range 10 {
		rs[i%2].duration.Observe(2)
	}
	rs[1].calc.Observe(0.005)
	rs[0].messages.Add(300)
	rs[1].messages.Add(200)
	prev, next = next, newScrapes(t0.Add(10*time.Second))
	got, gaps := targetMetrics(gather(t, reg), names, nil, prev, next)
	// The 95th of 100 falls in (1, 2.5], which holds the 91st to 100th:
	// 1 + 1.5 × (95 − 90) / 10.
	if v := got.OrchestrationLatencyP95Seconds; v == nil || math.Abs(*v-1.75) > 1e-12 {
		t.Errorf("p95 %v, want 1.75", deref(v))
	}
	if v := got.HeatOptimizationTimeP95Seconds; v == nil || math.Abs(*v-(0.001+0.009*0.95)) > 1e-12 {
		t.Errorf("heat p95 %v, want %v", deref(v), 0.001+0.009*0.95)
	}
	if v := got.AgentCoordinationPerSecond; v == nil || *v != 50 {
		t.Errorf("rate %v, want 500 messages / 10 s = 50", deref(v))
	}
	if len(gaps) != 3 || gaps[0].Field != "boiler_calculation_queue_depth" {
		t.Errorf("gaps %+v, want only the three not exposed here", gaps)
	}

	// Nothing observed in the next window: no p95 (no data), a rate of 0 (a reading).
	prev, next = next, newScrapes(t0.Add(20*time.Second))
	idle, gaps := targetMetrics(gather(t, reg), names, nil, prev, next)
	if idle.OrchestrationLatencyP95Seconds != nil || idle.AgentCoordinationPerSecond == nil || *idle.AgentCoordinationPerSecond != 0 {
		t.Errorf("idle window: %+v", idle)
	}
	want := "gl_001_orchestration_duration_seconds is a histogram with no observation since the previous scrape (no data behind its p95)"
	if len(gaps) < 1 || gaps[0].Reason != want {
		t.Errorf("gaps %+v, want first %q", gaps, want)
	}
}

// A replica that restarted starts its counts again; its increase is its
// whole new count, as Prometheus takes a reset.
func TestWindowReset(t *testing.T) {
	old := []bucket{{0.5, 40}, {1, 50}, {math.Inf(1), 50}}
	cur := []bucket{{0.5, 3}, {1, 4}, {math.Inf(1), 4}}
	if got := increase(old, cur); !reflect.DeepEqual(got, cur) {
		t.Errorf("reset: %v, want %v", got, cur)
	}
	if got := increase([]bucket{{0.5, 1}, {math.Inf(1), 1}}, cur); got != nil {
		t.Errorf("bounds changed: %v, want nil", got)
	}
	m := func(v float64) *dto.MetricFamily {
		return &dto.MetricFamily{Name: ptrTo("c"), Type: dto.MetricType_COUNTER.Enum(), Metric: []*dto.Metric{{Counter: &dto.Counter{Value: &v}}}}
	}
	t0 := time.Unix(100, 0)
	prev, next := newScrapes(t0), newScrapes(t0.Add(5*time.Second))
	prev.counts[seriesKey("c", m(0).Metric[0])] = 900
	if v, why := counterRate(m(20), "c", prev, next); why != "" || v != 4 {
		t.Errorf("rate after reset %v (%s), want 20 / 5 s = 4", v, why)
	}
}

func TestBucketQuantile(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name string
		q    float64
		bs   []bucket
		want float64
	}{
		{"first bucket from 0", 0.5, []bucket{{1, 10}, {inf, 10}}, 0.5},
		{"in the +Inf bucket: the highest bound", 0.99, []bucket{{1, 10}, {2, 90}, {inf, 100}}, 2},
		{"an empty bucket is skipped", 0.5, []bucket{{1, 0}, {2, 0}, {4, 10}, {inf, 10}}, 3},
	} {
		if got := bucketQuantile(tc.q, tc.bs); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func ptrTo[T any](v T) *T { return &v }
