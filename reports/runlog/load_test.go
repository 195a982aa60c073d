package runlog_test

import (
	"testing"

	"github.com/greenlang/gl001/reports/runlog"
)

// testdata/short_load_test is a real `gl001 run short_load_test.json`
// folder (before samplers existed), kept as a fixture for the report.
func TestLoadRealRun(t *testing.T) {
	r, err := runlog.Load("testdata/short_load_test")
	if err != nil {
		t.Fatal(err)
	}
	if r.Meta.Scenario.TestName != "short_load_test" || r.Meta.Prediction.Replicas != 11 || len(r.Intervals) < 100 {
		t.Fatalf("meta %+v, %d intervals", r.Meta, len(r.Intervals))
	}
	if ex := r.Intervals[len(r.Intervals)-1].Executors["coordinate"]; ex.Started != 5250 {
		t.Errorf("last interval's coordinate executor %+v", ex)
	}
	if n := r.Totals["gl001_coordination_duration"].Count(); n != 5250 {
		t.Errorf("coordination samples %d, want 5250", n)
	}
}
