package scenarios_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/greenlang/gl001/scenarios"
)

const knownFields = "test_name, duration_minutes, plants, sub_agents, heat_optimization_requests_per_minute, " +
	"agent_coordination_events_per_second, ramp_up_minutes, thresholds, replicas, partitions, seed, scenarios, regions"

// with returns the guide's scenario file with the given members replaced
// (or added, or with a nil value removed), as JSON.
func with(changes map[string]any) string {
	m := map[string]any{
		"test_name": "multi_plant_load_test", "duration_minutes": 30, "plants": 15, "sub_agents": 75,
		"heat_optimization_requests_per_minute": 100, "agent_coordination_events_per_second": 50,
		"ramp_up_minutes": 5,
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		panic(err)
	}
	return b.String()
}

// raw is a JSON value with, unlike a Go value, the exact text given.
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func TestDecodeErrors(t *testing.T) {
	const name = "multi_plant_load_test.json: "
	tests := []struct {
		name  string
		input string
		want  []string // the whole error, one line per problem, without the name
	}{
		{"empty input", "", []string{"empty input, want a JSON object"}},
		{"only whitespace", " \n\t ", []string{"empty input, want a JSON object"}},
		{"null", "null", []string{"got null, want a JSON object"}},
		{"array", `[{"plants": 3}]`, []string{"got an array, want a JSON object"}},
		{"number", "30", []string{"got a number, want a JSON object"}},
		{"byte order mark", "\ufeff" + with(nil),
			[]string{"input starts with a UTF-8 byte order mark, which JSON does not allow; save the file without one"}},
		{"YAML", "plants: 15", []string{`got invalid JSON starting with 'p', want a JSON object`}},
		{"trailing comma", "{\n  \"plants\": 15,\n}",
			[]string{"invalid JSON at line 3, column 1: invalid character '}' looking for beginning of object key string"}},
		{"truncated", `{"plants": 15`, []string{"invalid JSON: unexpected end of input"}},
		{"two objects", with(nil) + "{}", []string{"unexpected data after the JSON object at line 2, column 1"}},
		{"trailing garbage", `{} x`, []string{"unexpected data after the JSON object at line 1, column 4"}},
		{"unknown field", with(map[string]any{"vus": 10}),
			[]string{`unknown field "vus"; known fields: ` + knownFields}},
		{"field in the wrong case", with(map[string]any{"Plants": 15}),
			[]string{`unknown field "Plants"; field names are case-sensitive: did you mean "plants"?`}},
		{"repeated field", strings.Replace(with(nil), `"plants":15`, `"plants":15,"plants":16`, 1),
			[]string{"plants is given more than once"}},
		{"missing required fields", `{"test_name": "x", "plants": 15, "sub_agents": 75, "agent_coordination_events_per_second": 50}`,
			[]string{
				"missing required field duration_minutes (a number of minutes > 0)",
				"missing required field heat_optimization_requests_per_minute (a number ≥ 0)",
				"missing required field ramp_up_minutes (a number of minutes ≥ 0)",
			}},
		{"required field null", with(map[string]any{"plants": raw("null")}),
			[]string{"plants: got null, want a whole number from 1 to 10000"}},
		{"fractional plants", with(map[string]any{"plants": 15.5}),
			[]string{"plants: got number 15.5, want a whole number from 1 to 10000"}},
		{"plants with a decimal point", with(map[string]any{"plants": raw("15.0")}),
			[]string{"plants: got number 15.0, want a whole number from 1 to 10000, written without a decimal point or exponent"}},
		{"plants as a string", with(map[string]any{"plants": "15"}),
			[]string{`plants: got string "15", want a whole number from 1 to 10000`}},
		{"plants too large for an int", with(map[string]any{"plants": raw("1e30")}),
			[]string{"plants: got number 1e30, want a whole number from 1 to 10000"}},
		{"duration as a string", with(map[string]any{"duration_minutes": "30m"}),
			[]string{`duration_minutes: got string "30m", want a number of minutes > 0`}},
		{"duration out of float range", with(map[string]any{"duration_minutes": raw("1e400")}),
			[]string{"duration_minutes: got number 1e400, want a number of minutes > 0"}},
		{"rate as an object", with(map[string]any{"agent_coordination_events_per_second": map[string]int{"rate": 50}}),
			[]string{"agent_coordination_events_per_second: got an object, want a number ≥ 0"}},
		{"test name as a number", with(map[string]any{"test_name": 7}),
			[]string{"test_name: got number 7, want a string of letters, digits, '_', '.' and '-'"}},
		{"thresholds as an array", with(map[string]any{"thresholds": []string{"p(95)<2000"}}),
			[]string{"thresholds: got an array, want a JSON object of k6 thresholds by metric name"}},
		{"thresholds as a string", with(map[string]any{"thresholds": "p(95)<2000"}),
			[]string{`thresholds: got string "p(95)<2000", want a JSON object of k6 thresholds by metric name`}},
		{"negative seed", with(map[string]any{"seed": -1}),
			[]string{"seed: got number -1, want a whole number from 0 to 18446744073709551615, written without a decimal point or exponent"}},
		{"seed as a boolean", with(map[string]any{"seed": true}),
			[]string{"seed: got boolean true, want a whole number from 0 to 18446744073709551615"}},
		{"value rule", with(map[string]any{"ramp_up_minutes": 40}),
			[]string{"ramp_up_minutes (40) exceeds duration_minutes (30)"}},
		{"shape and value problems at once; a broken field's rules are not checked", with(map[string]any{
			"duration_minutes": "30", "ramp_up_minutes": 40, "plants": 0, "sub_agents": -1, "vus": 5,
			"heat_optimization_requests_per_minute": -100,
		}), []string{
			// with() writes keys sorted, so shape problems come in that order.
			`duration_minutes: got string "30", want a number of minutes > 0`,
			`unknown field "vus"; known fields: ` + knownFields,
			"plants (0) must be from 1 to 10000 (the capacity calculator's domain)",
			"sub_agents (-1) must be from 0 to 100000 (the capacity calculator's domain)",
			"heat_optimization_requests_per_minute (-100) must be ≥ 0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenarios.Decode(strings.NewReader(tt.input), "multi_plant_load_test.json")
			if err == nil {
				t.Fatalf("Decode succeeded with %+v, want an error", s)
			}
			want := name + strings.Join(tt.want, "\n"+name)
			if err.Error() != want {
				t.Errorf("Decode error =\n%s\nwant\n%s", err, want)
			}
			if !errors.Is(err, scenarios.ErrInvalid) {
				t.Errorf("Decode error does not wrap ErrInvalid")
			}
		})
	}
}

func TestDecodeOptionalFields(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]any
		edit    func(*scenarios.Scenario)
	}{
		{"defaults", nil, func(*scenarios.Scenario) {}},
		{"all set", map[string]any{
			"thresholds": raw(`{"http_req_duration": ["p(95)<2000"]}`), "replicas": 4, "partitions": 24, "seed": uint64(math.MaxUint64),
		}, func(s *scenarios.Scenario) {
			s.Thresholds = json.RawMessage(`{"http_req_duration":["p(95)<2000"]}`) // compacted by with()
			s.Replicas, s.Partitions, s.Seed = 4, 24, math.MaxUint64
		}},
		{"null means absent", map[string]any{
			"thresholds": raw("null"), "replicas": raw("null"), "partitions": raw("null"), "seed": raw("null"),
		}, func(*scenarios.Scenario) {}},
		{"replicas 0 is the calculator's", map[string]any{"replicas": 0}, func(*scenarios.Scenario) {}},
		{"seed 0 is a seed", map[string]any{"seed": 0}, func(s *scenarios.Scenario) { s.Seed = 0 }},
		{"empty thresholds", map[string]any{"thresholds": raw("{}")}, func(s *scenarios.Scenario) { s.Thresholds = json.RawMessage("{}") }},
		{"fractional minutes and rates", map[string]any{
			"duration_minutes": 0.5, "ramp_up_minutes": 0.25,
			"heat_optimization_requests_per_minute": 2.5, "agent_coordination_events_per_second": 0.5,
		}, func(s *scenarios.Scenario) {
			s.DurationMinutes, s.RampUpMinutes = 0.5, 0.25
			s.HeatOptimizationRequestsPerMinute, s.AgentCoordinationEventsPerSecond = 2.5, 0.5
		}},
		{"one rate zero", map[string]any{"agent_coordination_events_per_second": 0},
			func(s *scenarios.Scenario) { s.AgentCoordinationEventsPerSecond = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenarios.Decode(strings.NewReader(with(tt.changes)), "s.json")
			if err != nil {
				t.Fatal(err)
			}
			want := guide
			tt.edit(&want)
			if !reflect.DeepEqual(s, want) {
				t.Errorf("Decode =\n%+v\nwant\n%+v", s, want)
			}
		})
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := scenarios.Decode(iotest.ErrReader(boom), "s.json")
	if !errors.Is(err, boom) || errors.Is(err, scenarios.ErrInvalid) {
		t.Fatalf("Decode error = %v, want the read error and not ErrInvalid", err)
	}
	if err.Error() != "s.json: disk on fire" {
		t.Errorf("Decode error = %q", err)
	}
}

func TestDecodeTooLarge(t *testing.T) {
	big := "{" + strings.Repeat(" ", scenarios.MaxInputBytes) + "}"
	_, err := scenarios.Decode(strings.NewReader(big), "big.json")
	if want := "big.json: input is larger than 1048576 bytes"; err == nil || err.Error() != want {
		t.Errorf("Decode error = %v, want %q", err, want)
	}
}

// Every value rule, each on the guide's scenario with one thing changed.
func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*scenarios.Scenario)
		want string // "" for valid
	}{
		{"the guide's scenario", func(*scenarios.Scenario) {}, ""},

		{"empty test name", func(s *scenarios.Scenario) { s.TestName = "" }, "test_name must not be empty"},
		{"test name with a slash", func(s *scenarios.Scenario) { s.TestName = "../etc" },
			`test_name ("../etc") may hold only letters A-Z a-z, digits, '_', '.' and '-' (it names the results folder)`},
		{"test name with a space", func(s *scenarios.Scenario) { s.TestName = "load test" },
			`test_name ("load test") may hold only letters A-Z a-z, digits, '_', '.' and '-' (it names the results folder)`},
		{"test name not ASCII", func(s *scenarios.Scenario) { s.TestName = "lasttest_für_15" },
			`test_name ("lasttest_für_15") may hold only letters A-Z a-z, digits, '_', '.' and '-' (it names the results folder)`},
		{"test name dot dot", func(s *scenarios.Scenario) { s.TestName = ".." },
			`test_name ("..") must not be "." or ".." (it names the results folder)`},
		{"test name too long", func(s *scenarios.Scenario) { s.TestName = strings.Repeat("a", 101) },
			`test_name ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…") is 101 bytes long, more than 100`},
		{"test name at the limit with dots and dashes", func(s *scenarios.Scenario) { s.TestName = "v1.2-" + strings.Repeat("a", 95) }, ""},

		{"zero duration", func(s *scenarios.Scenario) { s.DurationMinutes, s.RampUpMinutes = 0, 0 }, "duration_minutes (0) must be > 0"},
		{"negative duration", func(s *scenarios.Scenario) { s.DurationMinutes, s.RampUpMinutes = -30, 0 }, "duration_minutes (-30) must be > 0"},
		{"NaN duration", func(s *scenarios.Scenario) { s.DurationMinutes = math.NaN() }, "duration_minutes (NaN) must be a finite number"},
		{"duration above 7 days", func(s *scenarios.Scenario) { s.DurationMinutes = 10081 }, "duration_minutes (10081) must be at most 10080 (7 days)"},
		{"duration under a second", func(s *scenarios.Scenario) { s.DurationMinutes, s.RampUpMinutes = 0.01, 0 },
			"duration_minutes (0.01) is 600ms; a test must run at least 1s"},
		{"duration of one second", func(s *scenarios.Scenario) { s.DurationMinutes, s.RampUpMinutes = 1.0/60, 0 }, ""},
		{"half a minute", func(s *scenarios.Scenario) { s.DurationMinutes, s.RampUpMinutes = 0.5, 0.5 }, ""},

		{"ramp longer than the test", func(s *scenarios.Scenario) { s.RampUpMinutes = 40 }, "ramp_up_minutes (40) exceeds duration_minutes (30)"},
		{"fractional ramp longer than the test", func(s *scenarios.Scenario) { s.DurationMinutes, s.RampUpMinutes = 0.5, 0.75 },
			"ramp_up_minutes (0.75) exceeds duration_minutes (0.5)"},
		{"negative ramp", func(s *scenarios.Scenario) { s.RampUpMinutes = -1 }, "ramp_up_minutes (-1) must be ≥ 0"},
		{"infinite ramp", func(s *scenarios.Scenario) { s.RampUpMinutes = math.Inf(1) }, "ramp_up_minutes (+Inf) must be a finite number"},
		{"ramp as long as the test", func(s *scenarios.Scenario) { s.RampUpMinutes = 30 }, ""},

		{"zero plants", func(s *scenarios.Scenario) { s.Plants = 0 }, "plants (0) must be from 1 to 10000 (the capacity calculator's domain)"},
		{"too many plants", func(s *scenarios.Scenario) { s.Plants = 10001 }, "plants (10001) must be from 1 to 10000 (the capacity calculator's domain)"},
		{"negative sub-agents", func(s *scenarios.Scenario) { s.SubAgents = -1 }, "sub_agents (-1) must be from 0 to 100000 (the capacity calculator's domain)"},
		{"no sub-agents", func(s *scenarios.Scenario) { s.SubAgents = 0 }, ""},

		{"negative optimize rate", func(s *scenarios.Scenario) { s.HeatOptimizationRequestsPerMinute = -100 },
			"heat_optimization_requests_per_minute (-100) must be ≥ 0"},
		{"negative coordinate rate", func(s *scenarios.Scenario) { s.AgentCoordinationEventsPerSecond = -0.5 },
			"agent_coordination_events_per_second (-0.5) must be ≥ 0"},
		{"both rates zero", func(s *scenarios.Scenario) {
			s.HeatOptimizationRequestsPerMinute, s.AgentCoordinationEventsPerSecond = 0, 0
		},
			"heat_optimization_requests_per_minute and agent_coordination_events_per_second are both 0; at least one must be > 0, or scenarios given"},
		{"optimize rate too high", func(s *scenarios.Scenario) { s.HeatOptimizationRequestsPerMinute = 600_001 },
			"heat_optimization_requests_per_minute (600001) must be at most 600000"},
		{"coordinate rate too high", func(s *scenarios.Scenario) { s.AgentCoordinationEventsPerSecond = 1e5 },
			"agent_coordination_events_per_second (100000) must be at most 10000"},
		{"NaN rate", func(s *scenarios.Scenario) { s.AgentCoordinationEventsPerSecond = math.NaN() },
			"agent_coordination_events_per_second (NaN) must be a finite number"},
		{"coordinate rate below one per hour", func(s *scenarios.Scenario) { s.AgentCoordinationEventsPerSecond = 0.0001 },
			"agent_coordination_events_per_second (0.0001) is not a whole number of events per 1 to 3600 seconds, as a k6 rate must be (e.g. 2.5 is 5 per 2s)"},
		{"optimize rate with too many decimals", func(s *scenarios.Scenario) { s.HeatOptimizationRequestsPerMinute = 100.001 },
			"heat_optimization_requests_per_minute (100.001) is not a whole number of requests per 1 to 60 minutes, as a k6 rate must be (e.g. 2.5 is 5 per 2m)"},
		{"fractional rates a timeUnit fits", func(s *scenarios.Scenario) {
			s.HeatOptimizationRequestsPerMinute, s.AgentCoordinationEventsPerSecond = 0.1, 2.5
		}, ""},

		{"thresholds an array", func(s *scenarios.Scenario) { s.Thresholds = json.RawMessage(`["p(95)<2000"]`) },
			"thresholds: got an array, want a JSON object of k6 thresholds by metric name"},
		{"thresholds not JSON", func(s *scenarios.Scenario) { s.Thresholds = json.RawMessage(`{p(95)<2000}`) },
			"thresholds is not valid JSON"},
		{"thresholds an object", func(s *scenarios.Scenario) { s.Thresholds = json.RawMessage(` {"checks": ["rate>0.99"]}`) }, ""},

		{"replicas above 64", func(s *scenarios.Scenario) { s.Replicas = 65 },
			"replicas (65) must be from 1 to 64, or 0 for the capacity calculator's prediction"},
		{"negative replicas", func(s *scenarios.Scenario) { s.Replicas = -1 },
			"replicas (-1) must be from 1 to 64, or 0 for the capacity calculator's prediction"},
		{"one replica", func(s *scenarios.Scenario) { s.Replicas = 1 }, ""},
		{"zero partitions", func(s *scenarios.Scenario) { s.Partitions = 0 }, "partitions (0) must be from 1 to 1000"},
		{"too many partitions", func(s *scenarios.Scenario) { s.Partitions = 1001 }, "partitions (1001) must be from 1 to 1000"},

		{"every problem at once", func(s *scenarios.Scenario) {
			*s = scenarios.Scenario{
				TestName: "my test", DurationMinutes: 30, RampUpMinutes: 40, Plants: 0, SubAgents: 200_000,
				HeatOptimizationRequestsPerMinute: -1, AgentCoordinationEventsPerSecond: -2,
				Thresholds: json.RawMessage(`1`), Replicas: 100, Partitions: 0,
			}
		}, strings.Join([]string{
			`test_name ("my test") may hold only letters A-Z a-z, digits, '_', '.' and '-' (it names the results folder)`,
			"ramp_up_minutes (40) exceeds duration_minutes (30)",
			"plants (0) must be from 1 to 10000 (the capacity calculator's domain)",
			"sub_agents (200000) must be from 0 to 100000 (the capacity calculator's domain)",
			"heat_optimization_requests_per_minute (-1) must be ≥ 0",
			"agent_coordination_events_per_second (-2) must be ≥ 0",
			"thresholds: got number 1, want a JSON object of k6 thresholds by metric name",
			"replicas (100) must be from 1 to 64, or 0 for the capacity calculator's prediction",
			"partitions (0) must be from 1 to 1000",
		}, "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := guide
			tt.edit(&s)
			before := s
			err := s.Validate()
			if !reflect.DeepEqual(s, before) && !math.IsNaN(s.DurationMinutes) && !math.IsNaN(s.AgentCoordinationEventsPerSecond) {
				t.Errorf("Validate changed the scenario")
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Validate() =\n%v\nwant\n%s", err, tt.want)
			}
			if !errors.Is(err, scenarios.ErrInvalid) {
				t.Errorf("Validate() does not wrap ErrInvalid")
			}
			// Decode reports the same problems, each after the file's name.
			data, jerr := json.Marshal(s)
			if jerr != nil {
				return // NaN and Inf have no JSON
			}
			_, derr := scenarios.Decode(strings.NewReader(string(data)), "f.json")
			if want := "f.json: " + strings.ReplaceAll(tt.want, "\n", "\nf.json: "); derr == nil || derr.Error() != want {
				t.Errorf("Decode error =\n%v\nwant\n%s", derr, want)
			}
		})
	}
}
