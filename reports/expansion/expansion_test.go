package expansion

import (
	"bytes"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/triggers"
)

func rep(verdict report.Verdict, cpu float64, level triggers.Level) report.Report {
	v := cpu
	return report.Report{Verdict: verdict, Completeness: report.Completeness{Complete: true},
		Observed: report.Observed{MasterCPUPercent: &v},
		Triggers: []report.Trigger{
			{Finding: triggers.Finding{Name: "Master CPU Usage", Level: level, Value: &v, Unit: "%"}},
			{Finding: triggers.Finding{Name: "Plant Count", Level: triggers.Critical}, Planning: true},
		}}
}

// A trigger that moves to a worse band is a crossing; one into critical,
// or a fail verdict, means the expansion does not hold. Planning rows are
// not crossings.
func TestCompare(t *testing.T) {
	before := Phase{Name: "before", Plants: 10, Agents: 50, Replicas: 7, Report: rep(report.Pass, 45, triggers.OK)}
	after := Phase{Name: "after", Plants: 15, Agents: 75, Replicas: 7, Report: rep(report.Warning, 72, triggers.Warning)}
	c := Compare(before, after, false)
	if !c.Holds || c.PlantsAdded != 5 || len(c.Crossed) != 1 || c.Crossed[0].Before != "ok" || c.Crossed[0].After != "warning" {
		t.Fatalf("%+v", c)
	}
	if h := c.Headroom[0]; h.Resource != "CPU" || *h.LeftPercent != 28 || c.Headroom[1].LeftPercent != nil {
		t.Errorf("headroom %+v", c.Headroom)
	}
	after.Report = rep(report.Fail, 91, triggers.Critical)
	c = Compare(before, after, false)
	if c.Holds || !strings.Contains(c.Why, "takes Master CPU Usage to critical") {
		t.Errorf("%v: %s", c.Holds, c.Why)
	}
	var b bytes.Buffer
	if err := c.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Adding new plants (5+)? NO", "| Master CPU Usage | ok | critical | 91 % |", "memory not observed"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}
