package breakpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/scenarios"
)

func base() scenarios.Scenario {
	sc := scenarios.NewScenario()
	sc.TestName, sc.DurationMinutes, sc.Plants, sc.SubAgents = "bp", 5, 5, 25
	sc.HeatOptimizationRequestsPerMinute, sc.AgentCoordinationEventsPerSecond, sc.RampUpMinutes = 100, 50, 1
	return sc
}

// By plants, each step adds plants at the scenario's per-plant rates; by
// rate, the fleet stays and the rates multiply.
func TestStepScenario(t *testing.T) {
	o := Options{Scenario: base(), By: ByPlants, StepDuration: time.Minute, MaxSteps: 5, Start: 5, Step: 5}
	s3 := o.stepScenario(3, 2)
	if s3.Plants != 15 || s3.SubAgents != 75 || s3.HeatOptimizationRequestsPerMinute != 300 || s3.AgentCoordinationEventsPerSecond != 150 ||
		s3.Replicas != 2 || s3.DurationMinutes != 1 || s3.RampUpMinutes != 0 {
		t.Errorf("by plants, step 3: %+v", s3)
	}
	o.By = ByRate
	if s := o.stepScenario(4, 1); s.Plants != 5 || s.SubAgents != 25 || s.HeatOptimizationRequestsPerMinute != 400 || s.AgentCoordinationEventsPerSecond != 200 {
		t.Errorf("by rate, step 4: %+v", s)
	}
}

func TestValidate(t *testing.T) {
	ok := Options{Scenario: base(), By: ByPlants, StepDuration: time.Minute, MaxSteps: 3}
	for _, tc := range []struct {
		mod  func(*Options)
		want string
	}{
		{func(o *Options) { o.By = "agents" }, `--by "agents"`},
		{func(o *Options) { o.MaxSteps = 0 }, "--max-steps 0"},
		{func(o *Options) { o.StepDuration = time.Millisecond }, "--step-duration 1ms"},
		{func(o *Options) { o.Replicas = []int{2}; o.Engine.Target = "http://x" }, "with --target the deployment's own count"},
		{func(o *Options) { o.Replicas = []int{0} }, "--replicas 0"},
	} {
		o := ok
		tc.mod(&o)
		if err := o.Validate(); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
}

// A step breaks on a failed threshold, a critical health row (a planning
// row does not count), or a schedule under 99 %; it holds otherwise.
func TestJudge(t *testing.T) {
	run := &runlog.Run{}
	v := 91.0
	achieved := 97.5
	rep := report.Report{
		Thresholds: []report.ThresholdResult{{Metric: "gl001_optimize_duration", Expression: "p(95)<2000", OK: true}},
		Triggers: []report.Trigger{
			{Finding: triggers.Finding{Name: "Plant Count", Level: triggers.Critical}, Planning: true},
			{Finding: triggers.Finding{Name: "Master CPU Usage", Level: triggers.Warning, Value: &v, Unit: "%"}},
		},
		Schedule: []report.ScheduleRow{{Scenario: "optimize", AchievedPercent: &achieved, Dropped: 3}},
	}
	if got := Judge(rep, run); got != "schedule not kept: optimize 97.5% started (3 dropped)" {
		t.Errorf("Judge: %q", got)
	}
	achieved = 100
	if got := Judge(rep, run); got != "" {
		t.Errorf("held: %q", got)
	}
	rep.Triggers[1].Level = triggers.Critical
	obs := 2345.0
	rep.Thresholds[0].OK, rep.Thresholds[0].Observed, rep.Thresholds[0].Unit = false, &obs, "ms"
	if got := Judge(rep, run); !strings.Contains(got, "threshold gl001_optimize_duration p(95)<2000 failed (observed 2345ms)") || !strings.Contains(got, "Master CPU Usage critical (91 %)") {
		t.Errorf("broke: %q", got)
	}
}

// The files: the JSON, the Markdown table and the plot.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	rs := Results{Scenario: "bp", By: ByPlants, StepSeconds: 60, AgentsPerPlant: 5, Results: []Result{
		{Replicas: 1, MaxPlants: 5, MaxAgents: 25, MaxLoadFactor: 1, BrokeOn: "step 2 (10 plants): Master CPU Usage critical (85 %)", CalculatorReplicas: 4},
		{Replicas: 2, MaxPlants: 10, MaxAgents: 50, MaxLoadFactor: 2, BrokeOn: "step 3 (15 plants): x", CalculatorReplicas: 7},
	}}
	if err := rs.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"breakpoint.json", "breakpoint.md", "breakpoint.png", "breakpoint.svg"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "breakpoint.md"))
	if !strings.Contains(string(md), "| 2 | 10 plants, 50 sub-agents | 2 | 7 | step 3 (15 plants): x |") {
		t.Errorf("breakpoint.md:\n%s", md)
	}
}
