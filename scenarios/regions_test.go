package scenarios_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/greenlang/gl001/scenarios"
)

func TestScenarioRegions(t *testing.T) {
	base := `{"test_name": "r", "duration_minutes": 1, "plants": 15, "sub_agents": 75,
	  "heat_optimization_requests_per_minute": 100, "agent_coordination_events_per_second": 50, "ramp_up_minutes": 0, "regions": %s}`
	s, err := scenarios.Decode(strings.NewReader(strings.Replace(base, "%s",
		`[{"name": "us-east", "plants": "1-5", "round_trip_ms": 0}, {"name": "eu-west", "plants": "6-10", "round_trip_ms": 70}, {"name": "apac", "plants": "11-15", "round_trip_ms": 210}]`, 1)), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Regions.String(); got != "us-east 1-5 (0s), eu-west 6-10 (70ms), apac 11-15 (210ms)" {
		t.Errorf("regions %q", got)
	}
	for body, want := range map[string]string{
		`[{"name": "a", "plants": "1-14"}]`:              "r.json: invalid regions: regions: plants 15 are in no region",
		`[{"name": "a", "plants": "1-15", "rtt_ms": 1}]`: `r.json: regions: json: unknown field "rtt_ms"`,
		`{"name": "a"}`: "r.json: regions: json: cannot unmarshal object",
	} {
		_, err := scenarios.Decode(strings.NewReader(strings.Replace(base, "%s", body, 1)), "r.json")
		if !errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("regions %s: %v, want %q", body, err, want)
		}
	}
}
