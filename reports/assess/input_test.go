package assess_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/greenlang/gl001/reports/assess"
	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/triggers"
)

func ptr[T any](v T) *T { return &v }

const knownFields = "master_cpu_percent, master_memory_percent, orchestration_latency_p95_seconds, " +
	"agent_coordination_error_percent, db_connections_percent, message_bus_lag_ms, " +
	"heat_optimization_time_seconds, plant_count, subagent_count, recent_deployment, cpu_trend, " +
	"memory_trend, network_issues, subagents_failing, plants_to_add"

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // the whole error, one line per problem
	}{
		{"empty input", "", `observed.json: empty input, want a JSON object`},
		{"only whitespace", " \n\t ", `observed.json: empty input, want a JSON object`},
		{"null", "null", `observed.json: got null, want a JSON object`},
		{"array", ` [{"plant_count": 3}]`, `observed.json: got an array, want a JSON object`},
		{"number", "86", `observed.json: got a number, want a JSON object`},
		{"string", `"86"`, `observed.json: got a string, want a JSON object`},
		{"boolean", `true`, `observed.json: got a boolean, want a JSON object`},
		{"not JSON", `master_cpu_percent: 86`, `observed.json: got invalid JSON starting with 'm', want a JSON object`},
		{"trailing comma", "{\n  \"master_cpu_percent\": 86,\n}",
			`observed.json: invalid JSON at line 3, column 1: invalid character '}' looking for beginning of object key string`},
		{"truncated", `{"master_cpu_percent": 86`, `observed.json: invalid JSON: unexpected end of input`},
		{"two objects", "{}\n{}", `observed.json: unexpected data after the JSON object at line 2, column 1`},
		{"trailing garbage", `{"plant_count": 3} x`, `observed.json: unexpected data after the JSON object at line 1, column 20`},
		{"unknown field", `{"cpu_percent": 86}`,
			`observed.json: unknown field "cpu_percent"; known fields: ` + knownFields},
		{"field in the wrong case", `{"Plant_Count": 3}`,
			`observed.json: unknown field "Plant_Count"; field names are case-sensitive: did you mean "plant_count"?`},
		{"repeated field", `{"plant_count": 3, "plant_count": 4}`, `observed.json: plant_count is given more than once`},
		{"fractional count", `{"plant_count": 15.5}`, `observed.json: plant_count: got number 15.5, want a whole number`},
		{"count with a decimal point", `{"subagent_count": 15.0}`,
			`observed.json: subagent_count: got number 15.0, want a whole number without a decimal point or exponent`},
		{"count too large", `{"plant_count": 1e30}`,
			`observed.json: plant_count: got number 1e30, want a whole number of at most 9223372036854775807`},
		{"count as string", `{"plant_count": "9"}`, `observed.json: plant_count: got string, want a whole number`},
		{"percent as string", `{"master_cpu_percent": "86"}`, `observed.json: master_cpu_percent: got string, want a number`},
		{"percent as object", `{"db_connections_percent": {"in_use": 92}}`,
			`observed.json: db_connections_percent: got object, want a number`},
		{"flag as string", `{"recent_deployment": "yes"}`, `observed.json: recent_deployment: got string, want true or false`},
		{"trend as number", `{"cpu_trend": 3}`, `observed.json: cpu_trend: got number, want a string`},
		{"negative percent", `{"master_cpu_percent": -3}`, `observed.json: master_cpu_percent (-3) must be ≥ 0`},
		{"error percent above 100", `{"agent_coordination_error_percent": 120}`,
			`observed.json: agent_coordination_error_percent (120) must be ≤ 100`},
		{"negative count", `{"subagent_count": -1}`, `observed.json: subagent_count (-1) must be ≥ 0`},
		{"unknown trend", `{"cpu_trend": "up"}`, `observed.json: cpu_trend: "up" is not one of gradual, sudden, flat`},
		{"negative plants to add", `{"plants_to_add": -5}`, `observed.json: plants_to_add (-5) must be ≥ 0`},
		{"every problem at once", `{
			"master_cpu_percent": -3,
			"message_bus_lag_ms": -0.5,
			"agent_coordination_error_percent": 100.5,
			"plant_count": -2,
			"memory_trend": "leaking",
			"plants_to_add": -1,
			"Cpu_Trend": "flat"
		}`, strings.Join([]string{
			`observed.json: unknown field "Cpu_Trend"; field names are case-sensitive: did you mean "cpu_trend"?`,
			`observed.json: master_cpu_percent (-3) must be ≥ 0`,
			`observed.json: agent_coordination_error_percent (100.5) must be ≤ 100`,
			`observed.json: message_bus_lag_ms (-0.5) must be ≥ 0`,
			`observed.json: plant_count (-2) must be ≥ 0`,
			`observed.json: memory_trend: "leaking" is not one of growing, stable, spiky`,
			`observed.json: plants_to_add (-1) must be ≥ 0`,
		}, "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := assess.Decode(strings.NewReader(tt.input), "observed.json")
			if err == nil {
				t.Fatalf("Decode succeeded with %+v, want error %q", in, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Decode error =\n%s\nwant\n%s", err, tt.want)
			}
			if !errors.Is(err, assess.ErrInput) {
				t.Errorf("Decode error %q does not wrap ErrInput", err)
			}
		})
	}
}

func TestDecodeNamesTheSource(t *testing.T) {
	_, err := assess.Decode(strings.NewReader(`{"plant_count": -1}`), "stdin")
	if err == nil || err.Error() != "stdin: plant_count (-1) must be ≥ 0" {
		t.Errorf("Decode error = %v, want it to start with stdin", err)
	}
}

func TestDecodeEveryMetricMustNotBeNegative(t *testing.T) {
	for _, m := range triggers.Table() {
		t.Run(m.Field, func(t *testing.T) {
			_, err := assess.Decode(strings.NewReader(`{"`+m.Field+`": -1}`), "in.json")
			want := "in.json: " + m.Field + " (-1) must be ≥ 0"
			if err == nil || err.Error() != want {
				t.Errorf("Decode error = %v, want %q", err, want)
			}
		})
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := assess.Decode(iotest.ErrReader(boom), "observed.json")
	if !errors.Is(err, boom) || errors.Is(err, assess.ErrInput) {
		t.Fatalf("Decode error = %v, want the read error and not ErrInput", err)
	}
	if !strings.HasPrefix(err.Error(), "observed.json: ") {
		t.Errorf("Decode error %q does not name the input", err)
	}
}

func TestDecodeTooLarge(t *testing.T) {
	big := "{" + strings.Repeat(" ", assess.MaxInputBytes) + "}"
	_, err := assess.Decode(strings.NewReader(big), "big.json")
	if want := "big.json: input is larger than 1048576 bytes"; err == nil || err.Error() != want {
		t.Errorf("Decode error = %v, want %q", err, want)
	}
}

func TestDecode(t *testing.T) {
	input := `
	{
		"master_cpu_percent": 86, "master_memory_percent": 70.5,
		"orchestration_latency_p95_seconds": 2.35, "agent_coordination_error_percent": 100,
		"db_connections_percent": 0, "message_bus_lag_ms": 120,
		"heat_optimization_time_seconds": 1.2, "plant_count": 10, "subagent_count": 50,
		"recent_deployment": true, "cpu_trend": "gradual", "memory_trend": "stable",
		"network_issues": false, "subagents_failing": null, "plants_to_add": 0
	}
	`
	in, err := assess.Decode(strings.NewReader(input), "observed.json")
	if err != nil {
		t.Fatal(err)
	}
	want := assess.Input{
		Observation: triggers.Observation{
			MasterCPUPercent: ptr(86.0), MasterMemoryPercent: ptr(70.5),
			OrchestrationLatencyP95Seconds: ptr(2.35), AgentCoordinationErrorPercent: ptr(100.0),
			DBConnectionsPercent: ptr(0.0), MessageBusLagMS: ptr(120.0),
			HeatOptimizationTimeSeconds: ptr(1.2), PlantCount: ptr(10), SubagentCount: ptr(50),
		},
		Context: decision.Context{
			RecentDeployment: ptr(true), CPUTrend: ptr("gradual"), MemoryTrend: ptr("stable"),
			NetworkIssues: ptr(false), PlantsToAdd: ptr(0),
		},
	}
	if !equalInput(in, want) {
		t.Errorf("Decode =\n%s\nwant\n%s", dump(in), dump(want))
	}
}

func TestValidateNonFinite(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want string
	}{
		{"NaN", math.NaN(), "master_cpu_percent (NaN) must be a finite number"},
		{"+Inf", math.Inf(1), "master_cpu_percent (+Inf) must be a finite number"},
		{"-Inf", math.Inf(-1), "master_cpu_percent (-Inf) must be a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := assess.Input{Observation: triggers.Observation{MasterCPUPercent: ptr(tt.v)}}
			if err := in.Validate(); err == nil || err.Error() != tt.want {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func equalInput(a, b assess.Input) bool {
	return dump(a) == dump(b)
}

// dump writes an Input as JSON, which compares pointers by what they point at.
func dump(in assess.Input) string {
	var b bytes.Buffer
	if err := jsonEncode(&b, in); err != nil {
		return err.Error()
	}
	return b.String()
}
