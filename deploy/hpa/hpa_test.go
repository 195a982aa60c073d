package hpa

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func guide(t *testing.T) Spec {
	t.Helper()
	s, err := Load("../k8s/base/hpa-gl-001.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func f(v float64) *float64 { return &v }

// steady is n points of 15 s at the same totals, with cpu and memory as
// fractions of the requests of `of` replicas (1000m, 1024Mi each).
func steady(start int32, n int, cpuShare, memShare float64, of int, latency, coordination *float64) Series {
	s := Series{StartReplicas: start, CPURequestMillicores: 1000, MemoryRequestMiB: 1024, IntervalSeconds: 15}
	for range n {
		var mem *float64
		if memShare >= 0 {
			mem = f(memShare * 1024 * float64(of))
		}
		s.Points = append(s.Points, Point{CPUMillicores: f(cpuShare * 1000 * float64(of)), MemoryMiB: mem,
			OrchestrationLatencyP95Seconds: latency, AgentCoordinationPerSecond: coordination})
	}
	return s
}

func replicas(r Replay) []int32 {
	var out []int32
	for _, row := range r.Trajectory {
		out = append(out, row.Replicas)
	}
	return out
}

// The guide's HPA, 3 replicas at 140 % CPU of a 70 % target for 3 minutes:
// the proposal is 6 at once, the scale-up window holds it a minute, the
// policies (50 % or 2 pods per 60 s, Max) let 3 → 5, and a minute later
// 5 → 6, where the load is at target and it stays.
func TestScaleUpThreeFiveSix(t *testing.T) {
	r := Run(guide(t), steady(3, 12, 1.4, 0.5, 3, f(0.5), f(50)))
	got := replicas(r)
	want := []int32{3, 3, 3, 5, 5, 5, 5, 6, 6, 6, 6, 6}
	if !slices.Equal(got, want) {
		t.Fatalf("replicas %v, want %v", got, want)
	}
	tr := r.Trajectory
	if tr[0].Desired != 6 || tr[0].Metric != "cpu" || !strings.HasPrefix(tr[0].LimitedBy, "ScaleUpStabilized") {
		t.Errorf("t=0: %+v", tr[0])
	}
	if !strings.Contains(tr[3].LimitedBy, "ScaleUpLimit (Percent 50 per 60 s") || tr[3].TSeconds != 45 {
		t.Errorf("t=45: %+v", tr[3])
	}
	if tr[7].TSeconds != 105 || tr[7].LimitedBy != "" || tr[7].Desired != 6 {
		t.Errorf("t=105: %+v", tr[7])
	}
}

// 10 replicas whose load drops to 12 % of requests: the 300 s scale-down
// window holds them at 10, then Percent 25 and Pods 1 with selectPolicy
// Min take the smaller change, one pod per 60 s, down to minReplicas 3.
func TestScaleDownOnePodAMinute(t *testing.T) {
	r := Run(guide(t), steady(10, 60, 0.12, 0.12, 10, f(0.1), f(10)))
	var downs []int64
	prev := int32(10)
	for _, row := range r.Trajectory {
		switch {
		case row.Replicas < 3:
			t.Fatalf("t=%d: %d replicas, below minReplicas 3", row.TSeconds, row.Replicas)
		case row.Replicas == prev-1:
			downs = append(downs, row.TSeconds)
			if !strings.Contains(row.LimitedBy, "ScaleDownLimit (Pods 1 per 60 s, selectPolicy Min)") && row.Replicas > 3 {
				t.Errorf("t=%d: limited by %q", row.TSeconds, row.LimitedBy)
			}
		case row.Replicas != prev:
			t.Fatalf("t=%d: %d → %d, want one pod at a time", row.TSeconds, prev, row.Replicas)
		case row.TSeconds < 285 && !strings.HasPrefix(row.LimitedBy, "ScaleDownStabilized"):
			t.Errorf("t=%d: %+v, want held by the scale-down window", row.TSeconds, row)
		}
		prev = row.Replicas
	}
	want := []int64{285, 345, 405, 465, 525, 585, 645}
	if !slices.Equal(downs, want) {
		t.Errorf("scale-downs at %v s, want %v (300 s after the last recommendation of 10, then every 60 s)", downs, want)
	}
	if prev != 3 {
		t.Errorf("ends at %d, want 3", prev)
	}
}

// A metric within 10 % of its target proposes no change.
func TestWithinToleranceNoChange(t *testing.T) {
	r := Run(guide(t), steady(3, 40, 0.75, 0.5, 3, f(0.5), f(50))) // 75 % CPU of a 70 % target: ratio 1.07
	for _, row := range r.Trajectory {
		if row.Replicas != 3 || row.Proposals["cpu"] != 3 {
			t.Fatalf("t=%d: %+v", row.TSeconds, row)
		}
	}
	// 78 %: ratio 1.11, outside the tolerance.
	if r := Run(guide(t), steady(3, 8, 0.78, 0.5, 3, f(0.5), f(50))); r.Trajectory[0].Proposals["cpu"] != 4 {
		t.Errorf("78 %%: %+v", r.Trajectory[0])
	}
}

// A missing metric never scales down: memory unread, CPU low, 10 replicas
// stay 10 for the whole series; with CPU high it still scales up.
func TestMissingMetricNeverScalesDown(t *testing.T) {
	r := Run(guide(t), steady(10, 60, 0.12, -1, 10, f(0.1), f(10)))
	for _, row := range r.Trajectory {
		if row.Replicas != 10 || !strings.Contains(row.LimitedBy, "missing metric (memory)") {
			t.Fatalf("t=%d: %+v", row.TSeconds, row)
		}
	}
	up := Run(guide(t), steady(3, 12, 1.4, -1, 3, f(0.5), f(50)))
	if got := replicas(up); got[len(got)-1] != 6 {
		t.Errorf("with memory missing, CPU at 140 %%: %v, want the scale-up to 6", got)
	}
}

// Pods AverageValue: the coordination rate is shared, 400 events/s over
// a 50/s target wants 8 replicas; the latency is taken as observed.
func TestPodsAverageValue(t *testing.T) {
	r := Run(guide(t), steady(3, 2, 0.1, 0.1, 3, f(0.5), f(400)))
	if row := r.Trajectory[0]; row.Proposals[MetricCoordination] != 8 || row.Proposals[MetricLatencyP95] != 1 || row.Metric != MetricCoordination {
		t.Errorf("%+v", row)
	}
	if r := Run(guide(t), steady(3, 2, 0.1, 0.1, 3, f(4), f(10))); r.Trajectory[0].Proposals[MetricLatencyP95] != 6 {
		t.Errorf("p95 4 s over a 2 s target at 3 replicas: %+v", r.Trajectory[0])
	}
	found := false
	for _, n := range r.Notes {
		found = found || strings.Contains(n, "taken as observed, not modelled")
	}
	if !found {
		t.Errorf("notes %q do not say the latency is not modelled", r.Notes)
	}
}

// Without behavior the API's defaults apply: scale-up by 4 pods or 100 %
// per 15 s (Max) at once, scale-down after 300 s. selectPolicy Disabled
// stops a direction.
func TestDefaultsAndDisabled(t *testing.T) {
	s, err := Parse([]byte(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: plain}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: x}
  maxReplicas: 50
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.MinReplicas != 1 || MetricName(s.Metrics[0]) != "cpu" || *s.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Fatalf("defaults %+v", s)
	}
	// 2 replicas at 400 % of an 80 % target want 10: 4 pods beat 100 %
	// (Max), 2 → 6, then 6 → 10, one sync each.
	got := replicas(Run(s, steady(2, 4, 4, 0.1, 2, nil, nil)))
	if !slices.Equal(got, []int32{6, 10, 10, 10}) {
		t.Errorf("default scale-up %v, want [6 10 10 10]", got)
	}
	off, err := Parse([]byte(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: off}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: x}
  minReplicas: 2
  maxReplicas: 50
  behavior: {scaleUp: {selectPolicy: Disabled}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := replicas(Run(off, steady(2, 4, 4, 0.1, 2, nil, nil))); !slices.Equal(got, []int32{2, 2, 2, 2}) {
		t.Errorf("scale-up Disabled: %v", got)
	}
}

// Bad HPAs and series name the field.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 3}\n", "want autoscaling/v2"},
		{"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 3, minReplica: 1}\n", "unknown field"},
		{"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: {minReplicas: 5, maxReplicas: 3}\n", "minReplicas 5, maxReplicas 3"},
		{"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: 1}}}]\n", "spec.metrics[0]: type External"},
	} {
		if _, err := Parse([]byte(tc.yaml)); !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
	for _, tc := range []struct{ json, want string }{
		{`{"start_replicas": 0, "cpu_request_millicores": 1, "memory_request_mib": 1, "interval_seconds": 15, "points": [{}]}`, "start_replicas 0"},
		{`{"start_replicas": 3, "cpu_request_millicores": 1, "memory_request_mib": 1, "interval_seconds": 15, "points": []}`, "points: empty"},
		{`{"start_replicas": 3, "cpu_request_millicores": 1, "memory_request_mib": 1, "interval_seconds": 15, "points": [{"cpu_millicores": -1}]}`, "points[0].cpu_millicores -1"},
		{`{"start_replicas": 3, "cpu_request": 1}`, `unknown field "cpu_request"`},
	} {
		if _, err := ReadSeries(strings.NewReader(tc.json)); !errors.Is(err, ErrSeries) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.json, err, tc.want)
		}
	}
}
