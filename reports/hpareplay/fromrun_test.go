package hpareplay

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/hpa"
	"github.com/greenlang/gl001/deploy/k8s"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// standInRun is 90 s of 1 s intervals of 3 stand-in replicas held to
// 1000m / 1024 Mi by cgroups, each at cpu(t) millicores and 400 Mi, the
// target's p95 at 0.2 s and 30 events/s.
func standInRun(cpu func(sec int) float64) *runlog.Run {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	run := &runlog.Run{}
	for s := range 90 {
		sm := &record.Sample{At: t0.Add(time.Duration(s+1) * time.Second), Target: &record.TargetMetrics{
			OrchestrationLatencyP95Seconds: ptr(0.2), AgentCoordinationPerSecond: ptr(30.0)}}
		for r := range 3 {
			sm.Replicas = append(sm.Replicas, record.ReplicaUsage{ID: string(rune('a' + r)), CPUMillicores: cpu(s), MemoryMiB: 400,
				CPULimitMillicores: 1000, MemoryLimitMiB: 1024, LimitSource: "cgroup-v1"})
		}
		run.Intervals = append(run.Intervals, runlog.Interval{Interval: metrics.Interval{Seq: int64(s + 1),
			Start: t0.Add(time.Duration(s) * time.Second), End: t0.Add(time.Duration(s+1) * time.Second)}, Sample: sm})
	}
	return run
}

func ptr[T any](v T) *T { return &v }

// A run on the stand-in becomes one point per 15 s, its replicas' CPU
// and memory totalled and averaged over the window, the enforced limits
// as requests (its readings above the limit are named a floor of the
// demand); at 140 % of the requests the
// guide's HPA goes 3 → 5 → 6, as the model's own test.
func TestSeriesFromARun(t *testing.T) {
	run := standInRun(func(sec int) float64 { return 700 + float64(sec%2)*1400 }) // 1400m on average: half at 700, half at 2100
	s, notes, err := Series(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 6 || s.StartReplicas != 3 || s.CPURequestMillicores != 1000 || s.MemoryRequestMiB != 1024 || len(notes) != 3 || !strings.Contains(notes[2], "a floor of the demand") {
		t.Fatalf("series %+v, notes %q", s, notes)
	}
	for i, p := range s.Points {
		if *p.CPUMillicores < 3*1400-3*1400/15 || *p.CPUMillicores > 3*1400+3*1400/15 || *p.MemoryMiB != 1200 || *p.ObservedReplicas != 3 {
			t.Fatalf("point %d: cpu %v, memory %v", i, *p.CPUMillicores, *p.MemoryMiB)
		}
	}
	spec, err := hpa.Parse(k8s.GuideHPA)
	if err != nil {
		t.Fatal(err)
	}
	r := hpa.Run(spec, s)
	var got []int32
	for _, row := range r.Trajectory {
		got = append(got, row.Replicas)
	}
	if len(got) != 6 || got[0] != 3 || got[3] != 5 {
		t.Errorf("trajectory %v, want 3 held a minute then 5", got)
	}
}

// A run with no replicas sampled cannot be replayed, and says so.
func TestNoReplicasNoReplay(t *testing.T) {
	run := standInRun(func(int) float64 { return 500 })
	for i := range run.Intervals {
		run.Intervals[i].Sample = nil
	}
	if _, _, err := Series(run); !errors.Is(err, ErrNoReplay) {
		t.Errorf("%v", err)
	}
}

// Replicas at their CPU limit: what was read is a floor of the demand,
// and a target sampler that failed is named as the reason a metric is
// missing, not the target's /metrics.
func TestSaturatedAndTargetGaps(t *testing.T) {
	run := standInRun(func(int) float64 { return 990 }) // of a 1000m limit
	for i := range run.Intervals {
		run.Intervals[i].Sample.Target = nil
		run.Intervals[i].Sample.Gaps = []record.Gap{{Sampler: "target", Reason: "no reading within 800ms"}}
	}
	_, notes, err := Series(run)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"at 95 % or more of their CPU limits in 90 of 90 intervals", "a floor of the demand",
		"orchestration_latency_p95_seconds was not read in any interval (the target sampler read nothing in any of the 90 sampled intervals: no reading within 800ms)"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
}
