package triggers_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/greenlang/gl001/reports/triggers"
)

func ptr[T any](v T) *T { return &v }

func TestEvaluateMissingIsNotObserved(t *testing.T) {
	fs := triggers.Evaluate(triggers.Observation{})
	if len(fs) != 9 {
		t.Fatalf("Evaluate returned %d findings, want 9", len(fs))
	}
	for i, f := range fs {
		if f.Level != triggers.NotObserved || f.Value != nil || f.Band != "" || f.Action != "" {
			t.Errorf("finding %d (%s) = %+v, want not observed with no value, band or action", i, f.Metric, f)
		}
	}
	if w := triggers.Worst(fs); w != triggers.NotObserved {
		t.Errorf("Worst = %v, want not observed", w)
	}
}

func TestEvaluate(t *testing.T) {
	o := triggers.Observation{
		MasterCPUPercent:               ptr(86.0),
		MasterMemoryPercent:            ptr(60.0),
		OrchestrationLatencyP95Seconds: ptr(2.35),
		AgentCoordinationErrorPercent:  ptr(0.0),
		MessageBusLagMS:                ptr(math.NaN()),
		PlantCount:                     ptr(7),
		SubagentCount:                  ptr(75),
	}
	tests := []struct {
		name   string
		metric string
		level  triggers.Level
		band   string
		action string
	}{
		{"critical cpu", "master_cpu_percent", triggers.Critical, ">80%", "Horizontal or Vertical Scale"},
		{"ok memory", "master_memory_percent", triggers.OK, "<75%", ""},
		{"warning latency", "orchestration_latency_p95_seconds", triggers.Warning, "2-3s", "Horizontal Scale + Optimize"},
		{"zero errors are ok", "agent_coordination_error_percent", triggers.OK, "<1%", ""},
		{"missing db connections", "db_connections_percent", triggers.NotObserved, "", ""},
		{"NaN bus lag", "message_bus_lag_ms", triggers.NotObserved, "", ""},
		{"missing heat optimization time", "heat_optimization_time_seconds", triggers.NotObserved, "", ""},
		{"ok plant count has the guide's dash", "plant_count", triggers.OK, "-", ""},
		{"warning sub-agents", "subagent_count", triggers.Warning, "70-80 agents", "Scale Master + Message Bus"},
	}
	fs := triggers.Evaluate(o)
	if len(fs) != len(tests) {
		t.Fatalf("Evaluate returned %d findings, want %d", len(fs), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fs[i]
			if f.Metric != tt.metric || f.Level != tt.level || f.Band != tt.band || f.Action != tt.action {
				t.Errorf("finding %d = {%s %v %q %q}, want {%s %v %q %q}", i,
					f.Metric, f.Level, f.Band, f.Action, tt.metric, tt.level, tt.band, tt.action)
			}
			if (f.Value == nil) != (tt.level == triggers.NotObserved) {
				t.Errorf("Value = %v with level %v", f.Value, f.Level)
			}
		})
	}
	if got := fs[7].Value; got == nil || *got != 7 {
		t.Errorf("plant_count value = %v, want 7", got)
	}
	if w := triggers.Worst(fs); w != triggers.Critical {
		t.Errorf("Worst = %v, want critical", w)
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		name   string
		levels []triggers.Level
		want   triggers.Level
	}{
		{"empty", nil, triggers.NotObserved},
		{"not observed beside ok", []triggers.Level{triggers.NotObserved, triggers.OK}, triggers.OK},
		{"warning", []triggers.Level{triggers.OK, triggers.Warning, triggers.NotObserved}, triggers.Warning},
		{"critical first", []triggers.Level{triggers.Critical, triggers.Warning}, triggers.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fs []triggers.Finding
			for _, l := range tt.levels {
				fs = append(fs, triggers.Finding{Level: l})
			}
			if got := triggers.Worst(fs); got != tt.want {
				t.Errorf("Worst = %v, want %v", got, tt.want)
			}
		})
	}
}

func ExampleEvaluate() {
	cpu, lag, plants := 86.0, 120.0, 9
	fs := triggers.Evaluate(triggers.Observation{
		MasterCPUPercent: &cpu,
		MessageBusLagMS:  &lag,
		PlantCount:       &plants,
	})
	for _, f := range fs {
		if f.Level == triggers.NotObserved {
			continue
		}
		fmt.Printf("%s: %s %s (%s) → %s\n", f.Name, f.ValueText(), f.Level, f.Band, f.Action)
	}
	fmt.Println("worst:", triggers.Worst(fs))
	// Output:
	// Master CPU Usage: 86% critical (>80%) → Horizontal or Vertical Scale
	// Message Bus Lag: 120 ms warning (100-500ms) → Scale Kafka/RabbitMQ
	// Plant Count: 9 plants warning (8-10 plants) → Proactive Horizontal Scale
	// worst: critical
}

func TestValueText(t *testing.T) {
	a, b := 0.1, 0.2
	noisy := a + b
	tests := []struct {
		name  string
		value *float64
		unit  string
		want  string
	}{
		{"percent", ptr(86.0), "%", "86%"},
		{"seconds", ptr(2.35), "s", "2.35 s"},
		{"float noise", ptr(noisy), "s", "0.3 s"},
		{"measured digits kept", ptr(1234567.891), "ms", "1234567.891 ms"},
		{"small", ptr(0.000125), "s", "0.000125 s"},
		{"milliseconds", ptr(120.0), "ms", "120 ms"},
		{"count", ptr(9.0), "plants", "9 plants"},
		{"negative zero", ptr(math.Copysign(0, -1)), "%", "0%"},
		{"huge", ptr(1e300), "ms", "1e+300 ms"},
		{"no unit", ptr(1.5), "", "1.5"},
		{"not observed", nil, "%", "not observed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := triggers.Finding{Value: tt.value, Unit: tt.unit}
			if got := f.ValueText(); got != tt.want {
				t.Errorf("ValueText() = %q, want %q", got, tt.want)
			}
		})
	}
}
