package report

import (
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/triggers"
)

// TestRegionReasons: a region in the guide's critical band fails the
// verdict even when the fleet-wide figure is healthy, the warning band
// warns, and a region that sent nothing of a kind the run sent is named.
func TestRegionReasons(t *testing.T) {
	r := Report{Regions: []RegionRow{
		{Name: "us-east", Plants: "1-9", OptimizeRequests: 90, OptimizeP95Seconds: ptr(0.4), LatencyLevel: triggers.OK,
			Coordinations: 900, CoordinationErrorPercent: ptr(0.0), CoordinationLevel: triggers.OK},
		{Name: "apac", Plants: "10", RoundTripMS: 210, OptimizeRequests: 4, OptimizeP95Seconds: ptr(3.4), LatencyLevel: triggers.Critical,
			Coordinations: 100, CoordinationErrorPercent: ptr(2.0), CoordinationLevel: triggers.Warning},
		{Name: "eu-west", Plants: "11", Coordinations: 100, CoordinationErrorPercent: ptr(0.0)},
	}}
	fails, warns := r.regionReasons()
	if len(fails) != 1 || fails[0] != "Orchestration Latency (p95) in region apac is critical at 3.4 s (>3s)" {
		t.Errorf("fails %q", fails)
	}
	want := []string{"Agent Coordination Errors in region apac is in the warning band at 2% (1-5%)",
		"region eu-west (plants 11) sent no optimization request, so its latency is not observed"}
	if strings.Join(warns, "|") != strings.Join(want, "|") {
		t.Errorf("warns %q\nwant %q", warns, want)
	}
	s := r.regionsSection()
	if s == nil || len(s.Blocks) != 3 {
		t.Fatalf("section %+v", s)
	}
	rows := s.Blocks[1].Table.Rows
	if got := strings.Join(rows[2], "|"); got != "eu-west|11|0 ms|0|none sent|none sent|100|not observed|0%" {
		t.Errorf("eu-west row %q", got)
	}
	if s.Blocks[1].Table.Class[1] != string(Fail) {
		t.Errorf("apac row class %q, want fail", s.Blocks[1].Table.Class[1])
	}
	if (Report{}).regionsSection() != nil {
		t.Error("a run without regions has a regions section")
	}
}
