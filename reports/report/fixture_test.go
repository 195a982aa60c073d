package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/reports/triggers"
)

// The fixture is a real 2-minute run of the stand-in with no samplers:
// the load side's figures are there, CPU, memory, pool and lag are not.
// Its verdict is a warning, not a fail: every threshold held and nothing
// observed is out of band, but four health triggers and the plant
// count's pool check could not be observed, so the report cannot vouch
// for them.
func TestFixtureWithoutSamples(t *testing.T) {
	run, err := runlog.Load("../runlog/testdata/short_load_test")
	if err != nil {
		t.Fatal(err)
	}
	r := report.Evaluate(run, report.Options{})
	if r.Verdict != report.Warning {
		t.Errorf("verdict %s, want warning: %s", r.Verdict, r.Why)
	}
	for _, want := range []string{
		"Master CPU Usage, Master Memory Usage and Database Connections not observed (no sampler readings in the run), so not verified",
		"Proactive Horizontal Scale, not verified: DB pool size not observed, 205 predicted",
		"The run is complete",
	} {
		if !strings.Contains(r.Why, want) {
			t.Errorf("why does not say %q:\n%s", want, r.Why)
		}
	}
	levels := map[string]triggers.Level{
		"master_cpu_percent":                triggers.NotObserved,
		"master_memory_percent":             triggers.NotObserved,
		"orchestration_latency_p95_seconds": triggers.OK,
		"agent_coordination_error_percent":  triggers.OK,
		"db_connections_percent":            triggers.NotObserved,
		// Observed without samplers: every event's publish-to-ack time.
		"message_bus_lag_ms":             triggers.OK,
		"heat_optimization_time_seconds": triggers.OK,
		"plant_count":                    triggers.Critical,
		"subagent_count":                 triggers.Warning,
	}
	for _, tr := range r.Triggers {
		if tr.Level != levels[tr.Metric] {
			t.Errorf("%s = %v, want %v", tr.Metric, tr.Level, levels[tr.Metric])
		}
	}
	if len(r.Thresholds) != 4 || r.ThresholdsError != "" {
		t.Errorf("thresholds %+v, error %q", r.Thresholds, r.ThresholdsError)
	}
	for _, th := range r.Thresholds {
		if !th.OK {
			t.Errorf("threshold %s %s failed", th.Metric, th.Expression)
		}
	}
	if got := *r.Observed.LatencyP95Seconds; got != 0.034 { // summary.json: p(95) 33.567 ms
		t.Errorf("latency p95 %v s, want 0.034", got)
	}
	if len(r.Schedule) != 2 || r.Schedule[0].Scenario != "coordinate" || r.Schedule[0].Started != 5250 || r.Schedule[1].Started != 175 {
		t.Errorf("schedule %+v", r.Schedule)
	}
	if !r.Completeness.Complete || len(r.Gaps) != 0 {
		t.Errorf("completeness %+v, gaps %v", r.Completeness, r.Gaps)
	}
	var md, page, junit bytes.Buffer
	if err := r.WriteMarkdown(&md, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&page, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "No sampler ran in this run") {
		t.Errorf("markdown does not explain the missing samples")
	}
}
