package scenarios_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/executor"
)

// k6 builds a scenario file whose scenarios field is the given JSON text.
func k6(scs string) string {
	return `{"test_name": "short", "duration_minutes": 1, "plants": 15, "sub_agents": 75,
	"heat_optimization_requests_per_minute": 0, "agent_coordination_events_per_second": 0, "ramp_up_minutes": 0,
	"scenarios": ` + scs + `}`
}

const spike = `{"executor": "ramping-arrival-rate", "exec": "optimize", "preAllocatedVUs": 2,
	"stages": [{"duration": "1s", "target": 5}, {"duration": "2s", "target": 1}]}`

func TestDecodeK6Scenarios(t *testing.T) {
	s, err := scenarios.Decode(strings.NewReader(k6(`{"spike": `+spike+`,
		"coordinate": {"executor": "constant-arrival-rate", "rate": 3, "duration": "2s", "preAllocatedVUs": 1,
			"startTime": "500ms", "gracefulStop": "0s", "tags": {"profile": "soak"}, "env": {"A": "b"}}}`)), "short.json")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.Executors()
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 2 {
		t.Fatalf("Executors = %v, want spike and coordinate (the plan replaced)", ex)
	}
	co := ex["coordinate"]
	if co.Exec != scenarios.ExecCoordinate || co.StartTime != executor.Duration(500*time.Millisecond) || co.GracefulStop != 0 ||
		co.Tags["profile"] != "soak" || co.TimeUnit != executor.Duration(time.Second) {
		t.Errorf("coordinate = %+v, want exec coordinate (its name), startTime 500ms, gracefulStop 0, tags, timeUnit 1s", co)
	}
	if sp := ex["spike"]; sp.Exec != scenarios.ExecOptimize || len(sp.Stages) != 2 || sp.Stages[0].Target != 5 || sp.GracefulStop != executor.Duration(30*time.Second) {
		t.Errorf("spike = %+v", sp)
	}
	if !s.Sends(scenarios.ExecOptimize) || !s.Sends(scenarios.ExecCoordinate) {
		t.Error("Sends: want both")
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestDecodeK6ScenariosErrors(t *testing.T) {
	for _, tc := range []struct {
		name, scs string
		want      []string
	}{
		{"negative target", `{"spike": {"executor": "ramping-arrival-rate", "exec": "optimize", "preAllocatedVUs": 1,
			"stages": [{"duration": "1s", "target": 1}, {"duration": "1s", "target": -5}]}}`,
			[]string{"scenarios.spike.stages[1].target: -5, want a whole number ≥ 0"}},
		{"bad exec", `{"soak": {"executor": "constant-arrival-rate", "exec": "browse", "rate": 1, "duration": "1s", "preAllocatedVUs": 1}}`,
			[]string{`scenarios.soak.exec: "browse", want "optimize" or "coordinate"`}},
		{"exec missing, name no default", `{"soak": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preAllocatedVUs": 1}}`,
			[]string{`scenarios.soak.exec: missing, want "optimize" or "coordinate" (the default, the scenario's name "soak", is neither)`}},
		{"unknown key", `{"optimize": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preAllocatedVUs": 1, "vus": 3}}`,
			[]string{`scenarios.optimize: unknown field "vus"; an arrival-rate scenario takes executor, rate, startRate, timeUnit, duration, stages, preAllocatedVUs, maxVUs, gracefulStop, startTime, exec, tags, env`}},
		{"wrong case", `{"optimize": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preallocatedvus": 1}}`,
			[]string{`scenarios.optimize: unknown field "preallocatedvus"; option names are case-sensitive: did you mean "preAllocatedVUs"?`}},
		{"k6 name rule", `{"my spike": ` + spike + `}`,
			[]string{`scenarios: name "my spike", want only letters A-Z a-z, digits, '_' and '-' (k6's rule for scenario names)`}},
		{"other executor", `{"optimize": {"executor": "shared-iterations", "preAllocatedVUs": 1}}`,
			[]string{`scenarios.optimize.executor: "shared-iterations", want "constant-arrival-rate" or "ramping-arrival-rate" (gl001 runs the open-model executors only)`}},
		{"missing executor", `{"optimize": {"rate": 1}}`,
			[]string{`scenarios.optimize: missing executor, want "constant-arrival-rate" or "ramping-arrival-rate"`}},
		{"wrong types", `{"optimize": {"executor": "ramping-arrival-rate", "startRate": "5", "stages": [{"duration": "1x", "target": 1}, {"target": 1}, 3]}}`,
			[]string{
				`scenarios.optimize.startRate: got string "5", want a whole number ≥ 0`,
				`scenarios.optimize.stages[0].duration: got string "1x", want a k6 duration such as "30s", "1m30s" or "500ms" (≥ 0)`,
				`scenarios.optimize.stages[1]: missing duration`,
				`scenarios.optimize.stages[2]: got number 3, want {"duration": …, "target": …}`,
			}},
		{"values", `{"optimize": {"executor": "constant-arrival-rate", "rate": 0, "duration": "500ms", "preAllocatedVUs": 5, "maxVUs": 2,
			"timeUnit": "0s", "startTime": "-1s", "stages": [], "tags": {"status": "x"}}}`,
			[]string{
				`scenarios.optimize.rate: 0, want a whole number > 0`,
				`scenarios.optimize.duration: "500ms", want a k6 duration such as "30s", "1m30s" or "500ms" (at least 1s)`,
				`scenarios.optimize.stages: not an option of constant-arrival-rate (it belongs to ramping-arrival-rate)`,
				`scenarios.optimize.timeUnit: "0s", want a k6 duration such as "30s", "1m30s" or "500ms" (> 0)`,
				`scenarios.optimize.startTime: "-1s", want a k6 duration such as "30s", "1m30s" or "500ms" (≥ 0)`,
				`scenarios.optimize.maxVUs: 2, want at least preAllocatedVUs (5)`,
				`scenarios.optimize.tags.status: gl001 sets the "status" tag itself, want another name (not cause, expected_response, region, replica, scenario, status)`,
			}},
		{"empty", `{}`, []string{"scenarios: an empty object, want at least one k6 scenario (or leave scenarios out for the planned optimize and coordinate)"}},
		{"not an object", `[]`, []string{"scenarios: got an array, want a JSON object of k6 scenarios by name, as k6's options.scenarios"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Decode(strings.NewReader(k6(tc.scs)), "short.json")
			if !errors.Is(err, scenarios.ErrInvalid) {
				t.Fatalf("Decode error = %v, want one wrapping ErrInvalid", err)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, "short.json: "+w)
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("Decode error =\n%s\nwant\n%s", got, strings.Join(want, "\n"))
			}
		})
	}
}

// TestK6ScenariosRatesInformational: with scenarios both guide rates may
// be 0; without, that is still an error.
func TestK6ScenariosRatesInformational(t *testing.T) {
	if _, err := scenarios.Decode(strings.NewReader(k6(`{"optimize": `+spike+`}`)), "short.json"); err != nil {
		t.Errorf("rates 0 with scenarios: %v", err)
	}
	if _, err := scenarios.Decode(strings.NewReader(strings.Replace(k6(`null`), `"scenarios": null`, `"seed": 1`, 1)), "short.json"); err == nil {
		t.Error("rates 0 without scenarios: no error")
	}
}

func TestK6ScenariosExample(t *testing.T) {
	f, err := os.Open("testdata/k6_scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := scenarios.Decode(f, "k6_scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.Executors()
	if err != nil || len(ex) != 3 || ex["coordinate"].Exec != scenarios.ExecCoordinate || ex["spike"].StartTime != executor.Duration(3*time.Minute) {
		t.Errorf("Executors = %v, %v", ex, err)
	}
}
