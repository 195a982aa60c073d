package decision_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/triggers"
)

const (
	cpuQ     = "CPU >80%?"
	memQ     = "Memory >85%?"
	latQ     = "Orchestration latency >3s?"
	coordQ   = "Agent coordination errors >5%?"
	plantsQ  = "Adding new plants (5+)?"
	indic    = decision.Indicated
	toCheck  = decision.ToCheck
	noMatch  = decision.NoMatchAdvice
	busLagQ  = "Message bus lag?"
	busLagA  = "Scale message bus"
	largeQ   = "Large optimization problems?"
	largeA   = "Vertical scale or optimize algorithm"
	dbQ      = "Database slow?"
	dbA      = "Scale database (see Database Scaling)"
	agentsQ  = "Many agents coordinating?"
	agentsA  = "Horizontal scale master"
	netQ     = "Network issues?"
	netA     = "Investigate networking"
	masterQ  = "Master overloaded?"
	masterA  = "Horizontal scale"
	failingQ = "Sub-agents failing?"
	failingA = "Scale sub-agents (see Sub-Agent Scaling)"
)

func d(branch, cond, advice string, status decision.Status, evidence string) decision.Diagnosis {
	return decision.Diagnosis{Branch: branch, Condition: cond, Advice: advice, Status: status, Evidence: evidence}
}

func TestDiagnose(t *testing.T) {
	tests := []struct {
		name string
		obs  triggers.Observation
		ctx  decision.Context
		want []decision.Diagnosis
	}{
		{name: "nothing observed enters no branch"},
		{
			name: "healthy metrics enter no branch",
			obs: triggers.Observation{MasterCPUPercent: ptr(40.0), MasterMemoryPercent: ptr(50.0),
				OrchestrationLatencyP95Seconds: ptr(1.0), AgentCoordinationErrorPercent: ptr(0.5)},
			ctx: decision.Context{PlantsToAdd: ptr(2)},
		},

		// CPU >80%?
		{
			name: "cpu at the critical line is not entered",
			obs:  triggers.Observation{MasterCPUPercent: ptr(80.0)},
			ctx:  decision.Context{RecentDeployment: ptr(true)},
		},
		{
			name: "cpu recent deployment indicated, trend leaves omitted",
			obs:  triggers.Observation{MasterCPUPercent: ptr(86.0)},
			ctx:  decision.Context{RecentDeployment: ptr(true), CPUTrend: ptr("flat")},
			want: []decision.Diagnosis{
				d(cpuQ, "Recent deployment?", "Investigate for regression", indic, "master_cpu_percent 86 > 80; recent_deployment true"),
			},
		},
		{
			name: "cpu gradual increase indicated",
			obs:  triggers.Observation{MasterCPUPercent: ptr(86.0)},
			ctx:  decision.Context{RecentDeployment: ptr(false), CPUTrend: ptr("gradual")},
			want: []decision.Diagnosis{
				d(cpuQ, "Gradual increase?", "Proactive horizontal scale", indic, "master_cpu_percent 86 > 80; cpu_trend gradual"),
			},
		},
		{
			name: "cpu sudden spike indicated",
			obs:  triggers.Observation{MasterCPUPercent: ptr(99.5)},
			ctx:  decision.Context{RecentDeployment: ptr(false), CPUTrend: ptr("sudden")},
			want: []decision.Diagnosis{
				d(cpuQ, "Sudden spike?", "Check for runaway process", indic, "master_cpu_percent 99.5 > 80; cpu_trend sudden"),
			},
		},
		{
			name: "cpu leaves to check when the context is unknown",
			obs:  triggers.Observation{MasterCPUPercent: ptr(80.01)},
			want: []decision.Diagnosis{
				d(cpuQ, "Recent deployment?", "Investigate for regression", toCheck, "master_cpu_percent 80.01 > 80; recent_deployment not observed"),
				d(cpuQ, "Gradual increase?", "Proactive horizontal scale", toCheck, "master_cpu_percent 80.01 > 80; cpu_trend not observed"),
				d(cpuQ, "Sudden spike?", "Check for runaway process", toCheck, "master_cpu_percent 80.01 > 80; cpu_trend not observed"),
			},
		},
		{
			name: "cpu unrecognized trend is to check",
			obs:  triggers.Observation{MasterCPUPercent: ptr(90.0)},
			ctx:  decision.Context{RecentDeployment: ptr(true), CPUTrend: ptr("up")},
			want: []decision.Diagnosis{
				d(cpuQ, "Recent deployment?", "Investigate for regression", indic, "master_cpu_percent 90 > 80; recent_deployment true"),
				d(cpuQ, "Gradual increase?", "Proactive horizontal scale", toCheck, `master_cpu_percent 90 > 80; cpu_trend "up" is not recognized`),
				d(cpuQ, "Sudden spike?", "Check for runaway process", toCheck, `master_cpu_percent 90 > 80; cpu_trend "up" is not recognized`),
			},
		},
		{
			name: "cpu nothing matches",
			obs:  triggers.Observation{MasterCPUPercent: ptr(86.0)},
			ctx:  decision.Context{RecentDeployment: ptr(false), CPUTrend: ptr("flat")},
			want: []decision.Diagnosis{
				d(cpuQ, "", noMatch, indic, "master_cpu_percent 86 > 80; recent_deployment false; cpu_trend flat"),
			},
		},

		// Memory >85%?
		{
			name: "memory at the critical line is not entered",
			obs:  triggers.Observation{MasterMemoryPercent: ptr(85.0)},
		},
		{
			name: "memory growing indicated",
			obs:  triggers.Observation{MasterMemoryPercent: ptr(91.0)},
			ctx:  decision.Context{MemoryTrend: ptr("growing")},
			want: []decision.Diagnosis{
				d(memQ, "Growing over time (memory leak)?", "Fix leak, then vertical scale", indic, "master_memory_percent 91 > 85; memory_trend growing"),
			},
		},
		{
			name: "memory stable indicated",
			obs:  triggers.Observation{MasterMemoryPercent: ptr(91.0)},
			ctx:  decision.Context{MemoryTrend: ptr("stable")},
			want: []decision.Diagnosis{
				d(memQ, "Stable but high?", "Vertical scale", indic, "master_memory_percent 91 > 85; memory_trend stable"),
			},
		},
		{
			name: "memory spiky indicated",
			obs:  triggers.Observation{MasterMemoryPercent: ptr(91.0)},
			ctx:  decision.Context{MemoryTrend: ptr("spiky")},
			want: []decision.Diagnosis{
				d(memQ, "Spikes then drops?", "Optimize memory usage patterns", indic, "master_memory_percent 91 > 85; memory_trend spiky"),
			},
		},
		{
			name: "memory leaves to check when the trend is unknown",
			obs:  triggers.Observation{MasterMemoryPercent: ptr(85.5)},
			want: []decision.Diagnosis{
				d(memQ, "Growing over time (memory leak)?", "Fix leak, then vertical scale", toCheck, "master_memory_percent 85.5 > 85; memory_trend not observed"),
				d(memQ, "Stable but high?", "Vertical scale", toCheck, "master_memory_percent 85.5 > 85; memory_trend not observed"),
				d(memQ, "Spikes then drops?", "Optimize memory usage patterns", toCheck, "master_memory_percent 85.5 > 85; memory_trend not observed"),
			},
		},

		// Orchestration latency >3s?
		{
			name: "latency at the critical line is not entered",
			obs:  triggers.Observation{OrchestrationLatencyP95Seconds: ptr(3.0), DBConnectionsPercent: ptr(90.0)},
		},
		{
			name: "latency every cause indicated at warning",
			obs: triggers.Observation{OrchestrationLatencyP95Seconds: ptr(3.2), DBConnectionsPercent: ptr(70.0),
				SubagentCount: ptr(70), HeatOptimizationTimeSeconds: ptr(2.0), PlantCount: ptr(4), MessageBusLagMS: ptr(100.0)},
			want: []decision.Diagnosis{
				d(latQ, dbQ, dbA, indic, "orchestration_latency_p95_seconds 3.2 > 3; db_connections_percent 70 ≥ 70"),
				d(latQ, agentsQ, agentsA, indic, "orchestration_latency_p95_seconds 3.2 > 3; subagent_count 70 ≥ 70"),
				d(latQ, largeQ, largeA, indic, "orchestration_latency_p95_seconds 3.2 > 3; heat_optimization_time_seconds 2 ≥ 2"),
				d(latQ, busLagQ, busLagA, indic, "orchestration_latency_p95_seconds 3.2 > 3; message_bus_lag_ms 100 ≥ 100"),
			},
		},
		{
			name: "latency every cause to check",
			obs:  triggers.Observation{OrchestrationLatencyP95Seconds: ptr(4.0)},
			want: []decision.Diagnosis{
				d(latQ, dbQ, dbA, toCheck, "orchestration_latency_p95_seconds 4 > 3; db_connections_percent not observed"),
				d(latQ, agentsQ, agentsA, toCheck, "orchestration_latency_p95_seconds 4 > 3; subagent_count not observed"),
				d(latQ, largeQ, largeA, toCheck, "orchestration_latency_p95_seconds 4 > 3; heat_optimization_time_seconds not observed; plant_count not observed"),
				d(latQ, busLagQ, busLagA, toCheck, "orchestration_latency_p95_seconds 4 > 3; message_bus_lag_ms not observed"),
			},
		},
		{
			name: "latency large problem from more than 10 plants, others omitted",
			obs: triggers.Observation{OrchestrationLatencyP95Seconds: ptr(4.0), DBConnectionsPercent: ptr(69.9),
				SubagentCount: ptr(69), HeatOptimizationTimeSeconds: ptr(1.5), PlantCount: ptr(11), MessageBusLagMS: ptr(99.0)},
			want: []decision.Diagnosis{
				d(latQ, largeQ, largeA, indic, "orchestration_latency_p95_seconds 4 > 3; plant_count 11 > 10"),
			},
		},
		{
			name: "latency large problem to check when optimization time is unknown and 10 plants",
			obs: triggers.Observation{OrchestrationLatencyP95Seconds: ptr(4.0), DBConnectionsPercent: ptr(10.0),
				SubagentCount: ptr(10), PlantCount: ptr(10), MessageBusLagMS: ptr(5.0)},
			want: []decision.Diagnosis{
				d(latQ, largeQ, largeA, toCheck, "orchestration_latency_p95_seconds 4 > 3; heat_optimization_time_seconds not observed; plant_count 10 ≤ 10"),
			},
		},
		{
			name: "latency nothing matches",
			obs: triggers.Observation{OrchestrationLatencyP95Seconds: ptr(3.5), DBConnectionsPercent: ptr(50.0),
				SubagentCount: ptr(40), HeatOptimizationTimeSeconds: ptr(1.0), PlantCount: ptr(5), MessageBusLagMS: ptr(20.0)},
			want: []decision.Diagnosis{
				d(latQ, "", noMatch, indic, "orchestration_latency_p95_seconds 3.5 > 3; db_connections_percent 50 < 70; "+
					"subagent_count 40 < 70; heat_optimization_time_seconds 1 < 2; plant_count 5 ≤ 10; message_bus_lag_ms 20 < 100"),
			},
		},

		// Agent coordination errors >5%?
		{
			name: "coordination errors at the critical line are not entered",
			obs:  triggers.Observation{AgentCoordinationErrorPercent: ptr(5.0)},
			ctx:  decision.Context{NetworkIssues: ptr(true)},
		},
		{
			name: "coordination every cause indicated",
			obs: triggers.Observation{AgentCoordinationErrorPercent: ptr(6.0), MessageBusLagMS: ptr(600.0),
				MasterCPUPercent: ptr(75.0), MasterMemoryPercent: ptr(80.0)},
			ctx: decision.Context{NetworkIssues: ptr(true), SubagentsFailing: ptr(true)},
			want: []decision.Diagnosis{
				d(coordQ, netQ, netA, indic, "agent_coordination_error_percent 6 > 5; network_issues true"),
				d(coordQ, busLagQ, busLagA, indic, "agent_coordination_error_percent 6 > 5; message_bus_lag_ms 600 ≥ 100"),
				d(coordQ, masterQ, masterA, indic, "agent_coordination_error_percent 6 > 5; master_cpu_percent 75 ≥ 70; master_memory_percent 80 ≥ 75"),
				d(coordQ, failingQ, failingA, indic, "agent_coordination_error_percent 6 > 5; subagents_failing true"),
			},
		},
		{
			name: "coordination every cause to check",
			obs:  triggers.Observation{AgentCoordinationErrorPercent: ptr(12.5)},
			want: []decision.Diagnosis{
				d(coordQ, netQ, netA, toCheck, "agent_coordination_error_percent 12.5 > 5; network_issues not observed"),
				d(coordQ, busLagQ, busLagA, toCheck, "agent_coordination_error_percent 12.5 > 5; message_bus_lag_ms not observed"),
				d(coordQ, masterQ, masterA, toCheck, "agent_coordination_error_percent 12.5 > 5; master_cpu_percent not observed; master_memory_percent not observed"),
				d(coordQ, failingQ, failingA, toCheck, "agent_coordination_error_percent 12.5 > 5; subagents_failing not observed"),
			},
		},
		{
			name: "coordination master overloaded by memory alone",
			obs: triggers.Observation{AgentCoordinationErrorPercent: ptr(7.0), MessageBusLagMS: ptr(10.0),
				MasterCPUPercent: ptr(30.0), MasterMemoryPercent: ptr(75.0)},
			ctx: decision.Context{NetworkIssues: ptr(false), SubagentsFailing: ptr(false)},
			want: []decision.Diagnosis{
				d(coordQ, masterQ, masterA, indic, "agent_coordination_error_percent 7 > 5; master_memory_percent 75 ≥ 75"),
			},
		},
		{
			name: "coordination master overloaded to check when one signal is unknown",
			obs: triggers.Observation{AgentCoordinationErrorPercent: ptr(7.0), MessageBusLagMS: ptr(10.0),
				MasterCPUPercent: ptr(30.0)},
			ctx: decision.Context{NetworkIssues: ptr(false), SubagentsFailing: ptr(false)},
			want: []decision.Diagnosis{
				d(coordQ, masterQ, masterA, toCheck, "agent_coordination_error_percent 7 > 5; master_cpu_percent 30 < 70; master_memory_percent not observed"),
			},
		},
		{
			name: "coordination nothing matches",
			obs: triggers.Observation{AgentCoordinationErrorPercent: ptr(7.0), MessageBusLagMS: ptr(10.0),
				MasterCPUPercent: ptr(30.0), MasterMemoryPercent: ptr(40.0)},
			ctx: decision.Context{NetworkIssues: ptr(false), SubagentsFailing: ptr(false)},
			want: []decision.Diagnosis{
				d(coordQ, "", noMatch, indic, "agent_coordination_error_percent 7 > 5; network_issues false; message_bus_lag_ms 10 < 100; "+
					"master_cpu_percent 30 < 70; master_memory_percent 40 < 75; subagents_failing false"),
			},
		},

		// Adding new plants (5+)?
		{
			name: "adding 4 plants is not entered",
			ctx:  decision.Context{PlantsToAdd: ptr(4)},
		},
		{
			name: "adding 5 plants",
			ctx:  decision.Context{PlantsToAdd: ptr(5)},
			want: []decision.Diagnosis{
				d(plantsQ, "", "Proactive scale: master, database, message bus", indic, "plants_to_add 5 ≥ 5"),
			},
		},

		{
			name: "branches in the guide's order",
			obs:  triggers.Observation{MasterCPUPercent: ptr(95.0), MasterMemoryPercent: ptr(90.0)},
			ctx: decision.Context{PlantsToAdd: ptr(6), RecentDeployment: ptr(false), CPUTrend: ptr("gradual"),
				MemoryTrend: ptr("stable")},
			want: []decision.Diagnosis{
				d(cpuQ, "Gradual increase?", "Proactive horizontal scale", indic, "master_cpu_percent 95 > 80; cpu_trend gradual"),
				d(memQ, "Stable but high?", "Vertical scale", indic, "master_memory_percent 90 > 85; memory_trend stable"),
				d(plantsQ, "", "Proactive scale: master, database, message bus", indic, "plants_to_add 6 ≥ 5"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decision.Diagnose(tt.obs, tt.ctx)
			if got == nil {
				t.Fatal("Diagnose returned nil, want a non-nil slice")
			}
			if len(tt.want) == 0 && len(got) == 0 {
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Diagnose =\n%s\nwant\n%s", lines(got), lines(tt.want))
			}
		})
	}
}

func lines(ds []decision.Diagnosis) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %q %q %q %s %q\n", d.Branch, d.Condition, d.Advice, d.Status, d.Evidence)
	}
	return b.String()
}

func TestDiagnosisJSON(t *testing.T) {
	b, err := json.Marshal(decision.Diagnose(triggers.Observation{}, decision.Context{PlantsToAdd: ptr(5)}))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"branch":"Adding new plants (5+)?","condition":"","advice":"Proactive scale: master, database, message bus","status":"indicated","evidence":"plants_to_add 5 ≥ 5"}]`
	if string(b) != want {
		t.Errorf("json =\n%s\nwant\n%s", b, want)
	}
	b, err = json.Marshal(decision.Diagnose(triggers.Observation{}, decision.Context{}))
	if err != nil || string(b) != "[]" {
		t.Errorf("json of no diagnosis = %s, %v; want []", b, err)
	}
}

func ExampleDiagnose() {
	cpu, trend := 86.0, decision.CPUGradual
	for _, d := range decision.Diagnose(
		triggers.Observation{MasterCPUPercent: &cpu},
		decision.Context{CPUTrend: &trend},
	) {
		fmt.Printf("%s → %s → %s [%s] (%s)\n", d.Branch, d.Condition, d.Advice, d.Status, d.Evidence)
	}
	// Output:
	// CPU >80%? → Recent deployment? → Investigate for regression [to_check] (master_cpu_percent 86 > 80; recent_deployment not observed)
	// CPU >80%? → Gradual increase? → Proactive horizontal scale [indicated] (master_cpu_percent 86 > 80; cpu_trend gradual)
}
