package report_test

import (
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/triggers"
)

func comparison(t *testing.T, r report.Report, item string) report.Comparison {
	t.Helper()
	for _, c := range r.Comparison {
		if c.Item == item {
			return c
		}
	}
	t.Fatalf("no %s row", item)
	return report.Comparison{}
}

func sizing(t *testing.T, r report.Report, resource string) report.Sizing {
	t.Helper()
	for _, s := range r.RightSizing {
		if s.Resource == resource {
			return s
		}
	}
	t.Fatalf("no %s sizing", resource)
	return report.Sizing{}
}

func TestStandInAtItsEnforcedLimitIsCPUCritical(t *testing.T) {
	r := report.Evaluate(saturatedStandIn().run(t), report.Options{Context: decision.Context{RecentDeployment: ptr(false)}})
	cpu := trigger(t, r, "master_cpu_percent")
	if cpu.Level != triggers.Critical || !strings.Contains(cpu.Basis, "each replica's 100m limit (enforced by cgroup v1)") {
		t.Errorf("Master CPU %v at %v, basis %q; want critical, of the enforced 100m", cpu.Level, *cpu.Value, cpu.Basis)
	}
	if mem := trigger(t, r, "master_memory_percent"); mem.Level != triggers.OK {
		t.Errorf("Master Memory %v, want ok (≈ 21%% of 256 Mi)", mem.Level)
	}
	indicated := false
	for _, d := range r.Diagnosis {
		if d.Branch == "CPU >80%?" && d.Status == decision.Indicated {
			indicated = true
		}
	}
	if !indicated {
		t.Errorf("the CPU >80%% branch is not indicated: %+v", r.Diagnosis)
	}
	for _, want := range []string{"The target is the stand-in.", "(cgroup-v1: 100m CPU and 256 Mi memory per replica)",
		"rehearse the guide's triggers and decision tree; they do not validate the calculator's absolute figures (1,500m CPU and 3,048 Mi memory per replica)"} {
		if !strings.Contains(r.StandInNote, want) {
			t.Errorf("stand-in note does not say %q:\n%s", want, r.StandInNote)
		}
	}
	c := comparison(t, r, "cpu_per_replica")
	if c.Predicted != 1500 || c.Limit == nil || *c.Limit != 100 || c.LimitSource != "cgroup-v1" || c.Status != report.StatusTight ||
		!strings.Contains(c.Note, "the calculator's 1,500m (request 900m) is the production prediction, which a stand-in run does not validate") {
		t.Errorf("cpu row %+v: want the calculator's 1,500m predicted beside the enforced 100m", c)
	}
	s := sizing(t, r, "cpu")
	advice := strings.Join(s.Advice, "\n")
	if s.Scope != report.ScopeStandIn || s.Limit != 100 || s.Request != 0 || s.SuggestedLimit != nil ||
		!strings.Contains(advice, "not production's: a stand-in run neither confirms nor cuts the calculator's 1,500m") ||
		!strings.Contains(advice, "keep --replica-cpu-limit 100m") {
		t.Errorf("cpu sizing %+v %q", s, advice)
	}
	if r.Verdict != report.Fail || !strings.Contains(r.Why, "Master CPU Usage is critical") {
		t.Errorf("verdict %s: %s", r.Verdict, r.Why)
	}
}

func TestStandInBelowItsLimitSizesTheStandInNotProduction(t *testing.T) {
	f := saturatedStandIn()
	f.cpuLimit, f.cpu = 1000, constant(150) // 15 % of 1,000m
	r := report.Evaluate(f.run(t), report.Options{})
	s := sizing(t, r, "cpu")
	advice := strings.Join(s.Advice, "\n")
	if s.SuggestedLimit == nil || *s.SuggestedLimit != 300 ||
		!strings.Contains(advice, "at this load a stand-in replica needs no more than --replica-cpu-limit 300m") || strings.Contains(advice, "reduce the limit") {
		t.Errorf("cpu sizing %+v %q: want a stand-in flag value, no production advice", s, advice)
	}
}

func TestLimitsNotEnforcedAreNotJudged(t *testing.T) {
	for _, tc := range []struct {
		name, source, why string
	}{
		{"stand-in without cgroups", "not enforced (cgroup v1: cannot make /sys/fs/cgroup/cpu/gl001: permission denied)",
			"the per-replica limits were not enforced: cgroup v1: cannot make /sys/fs/cgroup/cpu/gl001: permission denied"},
		{"a run from before limits were recorded", "none",
			"the run did not record the limits its percentages are of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := saturatedStandIn()
			f.limitSource = tc.source
			r := report.Evaluate(f.run(t), report.Options{Context: decision.Context{RecentDeployment: ptr(false)}})
			for _, m := range []string{"master_cpu_percent", "master_memory_percent"} {
				tr := trigger(t, r, m)
				if tr.Level != triggers.NotObserved || tr.Outcome != report.Warning || !strings.HasPrefix(tr.NotObservedReason, tc.why) {
					t.Errorf("%s: %v %s %q; want not observed, %q", m, tr.Level, tr.Outcome, tr.NotObservedReason, tc.why)
				}
			}
			if r.Verdict == report.Pass || !strings.Contains(r.Why, "Master CPU Usage and Master Memory Usage not observed ("+tc.why) {
				t.Errorf("verdict %s: %s", r.Verdict, r.Why)
			}
			for _, d := range r.Diagnosis {
				if d.Branch == "CPU >80%?" {
					t.Errorf("the CPU branch entered on a limit nothing enforced: %+v", d)
				}
			}
			if c := comparison(t, r, "cpu_per_replica"); c.Status != report.StatusNotEnforced || c.Limit != nil || c.Observed == nil {
				t.Errorf("cpu row %+v: want the use, no limit, not enforced", c)
			}
			if s := sizing(t, r, "cpu"); s.SuggestedLimit != nil || !strings.HasPrefix(s.Advice[0], "not sized: "+tc.why) {
				t.Errorf("cpu sizing %+v", s)
			}
			if o := r.Observed; o.MasterCPUPercent != nil || o.CPUPeakPercent != nil || o.Replicas[0].CPUPeakPercent != nil {
				t.Errorf("percentages of an unenforced limit kept: %+v", o)
			}
			if !strings.Contains(r.StandInNote, "shown but not judged") {
				t.Errorf("stand-in note %q", r.StandInNote)
			}
		})
	}
}

func TestPodsWithoutACPULimit(t *testing.T) {
	f := healthyFleet()
	f.cpuLimit = -1 // the pods set a memory limit and no CPU limit
	r := report.Evaluate(f.run(t), report.Options{Workers: ptr(4)})
	if tr := trigger(t, r, "master_cpu_percent"); tr.Level != triggers.NotObserved || tr.NotObservedReason != "the pods set no CPU limit" {
		t.Errorf("Master CPU %v %q", tr.Level, tr.NotObservedReason)
	}
	if tr := trigger(t, r, "master_memory_percent"); tr.Level != triggers.OK {
		t.Errorf("Master Memory %v, want ok: the pods' memory limit is set", tr.Level)
	}
	s := sizing(t, r, "cpu")
	if s.Scope != report.ScopeCalculator || s.Limit != 6250 || !strings.Contains(s.Advice[0], "against the calculator's limits: the target's own were not read (the pods set no CPU limit)") {
		t.Errorf("cpu sizing %+v", s)
	}
	if r.StandInNote != "" {
		t.Errorf("a deployment run has a stand-in note: %q", r.StandInNote)
	}
}

func TestCPUReadingJustAboveAnEnforcedLimitIsAtTheLimit(t *testing.T) {
	f := saturatedStandIn()
	f.cpu = func(i, r int) float64 { return 100 + float64(i%2)*13 } // 100m and 113m under a 100m quota
	r := report.Evaluate(f.run(t), report.Options{})
	c := comparison(t, r, "cpu_per_replica")
	if c.Status != report.StatusTight || c.Margin != "at the limit (reads 13% over it)" || !strings.Contains(c.Note, "5 ms slices") {
		t.Errorf("cpu row %s %q %q: want at the limit, with why it reads over", c.Status, c.Margin, c.Note)
	}
	f.cpu = constant(140)
	if c := comparison(t, report.Evaluate(f.run(t), report.Options{}), "cpu_per_replica"); c.Status != report.StatusOverLimit {
		t.Errorf("140m under a 100m limit: %s %q, want over the limit", c.Status, c.Margin)
	}
}
