package scenarios_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/scenarios"
)

// FuzzDecode checks that Decode never panics and either fails with
// ErrInvalid and every line naming the input, or returns a valid Scenario
// whose plan is sound and which survives a JSON round trip.
func FuzzDecode(f *testing.F) {
	for _, name := range scenarios.Shipped() {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "null", "[]", "{}", "{}{}", `{"plants": 15.5}`, `{"plants": 1e400}`, `{"Plants": 1}`,
		with(map[string]any{"ramp_up_minutes": 40}),
		with(map[string]any{"duration_minutes": 0.5, "ramp_up_minutes": 0.25, "agent_coordination_events_per_second": 2.5}),
		with(map[string]any{"heat_optimization_requests_per_minute": 0.37, "agent_coordination_events_per_second": 0}),
		with(map[string]any{"thresholds": raw(`{"http_req_duration": ["p(95)<2000", {"threshold": "rate<0.01", "abortOnFail": true}]}`)}),
		with(map[string]any{"seed": raw("18446744073709551615"), "replicas": 64, "partitions": 1000}),
		with(map[string]any{"test_name": "a\u00e9", "seed": raw("null")}),
		with(map[string]any{"duration_minutes": 1.0 / 60, "ramp_up_minutes": raw("1e-9")}),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.Decode(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !errors.Is(err, scenarios.ErrInvalid) {
				t.Fatalf("error %q does not wrap ErrInvalid", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.json: ") {
					t.Fatalf("error line %q does not name the input", line)
				}
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Decode returned a scenario that fails Validate: %v", err)
		}
		checkPlan(t, s)

		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		back, err := scenarios.Decode(&b, "round trip")
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b.Bytes(), err)
		}
		if s.Thresholds != nil {
			var c bytes.Buffer
			if err := json.Compact(&c, s.Thresholds); err != nil {
				t.Fatal(err)
			}
			s.Thresholds = c.Bytes()
		}
		if !reflect.DeepEqual(s, back) {
			t.Fatalf("round trip changed the scenario:\n%+v\n%+v", s, back)
		}
	})
}

// checkPlan holds the plan of a valid scenario to what the engine relies on.
func checkPlan(t *testing.T, s scenarios.Scenario) {
	t.Helper()
	p := s.Plan()
	if p.Optimize.Skip() && p.Coordinate.Skip() {
		t.Fatalf("both scenarios skipped for %+v", s)
	}
	if p.Optimize.Skip() != (s.HeatOptimizationRequestsPerMinute == 0) || p.Coordinate.Skip() != (s.AgentCoordinationEventsPerSecond == 0) {
		t.Fatalf("a scenario is skipped iff its rate is 0: %+v for %+v", p, s)
	}
	for _, a := range []scenarios.ArrivalScenario{p.Optimize, p.Coordinate} {
		if a.Skip() {
			continue
		}
		if a.Executor != scenarios.Executor || a.PreAllocatedVUs < scenarios.MinPreAllocatedVUs || a.MaxVUs < a.PreAllocatedVUs {
			t.Fatalf("bad scenario %+v", a)
		}
		unit, err := time.ParseDuration(a.TimeUnit)
		if err != nil || unit <= 0 || unit > time.Hour || unit%time.Second != 0 {
			t.Fatalf("timeUnit %q: %v", a.TimeUnit, err)
		}
		if _, err := time.ParseDuration(a.GracefulStop); err != nil {
			t.Fatalf("gracefulStop %q: %v", a.GracefulStop, err)
		}
		var total time.Duration
		for _, st := range a.Stages {
			d, err := time.ParseDuration(st.Duration)
			if err != nil || d <= 0 || st.Target < 1 || st.Target != a.Stages[0].Target {
				t.Fatalf("bad stage %+v in %+v (%v)", st, a, err)
			}
			total += d
		}
		if total != s.Duration() {
			t.Fatalf("stages of %s last %v, the test %v", a.Exec, total, s.Duration())
		}
		if a.StartRate != 0 && (a.StartRate != a.Stages[0].Target || len(a.Stages) != 1) {
			t.Fatalf("startRate %d with stages %v", a.StartRate, a.Stages)
		}
	}
}
