package triggers_test

import (
	"bufio"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/triggers"
)

// TestTableMatchesGuide compares Table with testdata/scaling-triggers.md, a
// verbatim copy of the guide's "Scaling Triggers and Thresholds" table.
func TestTableMatchesGuide(t *testing.T) {
	f, err := os.Open("testdata/scaling-triggers.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "| **") {
			continue // header and separator
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.Trim(strings.TrimSpace(c), "*"))
		}
		rows = append(rows, cells)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	table := triggers.Table()
	if len(rows) != len(table) {
		t.Fatalf("guide has %d rows, Table() has %d", len(rows), len(table))
	}
	for i, m := range table {
		got := []string{m.Name, m.Current, m.Warning, m.Critical, m.Action}
		if strings.Join(got, " | ") != strings.Join(rows[i], " | ") {
			t.Errorf("row %d:\n got  %q\n want %q", i, got, rows[i])
		}
	}
}

func TestTableVerbatim(t *testing.T) {
	want := []struct {
		field, name, unit, action string
	}{
		{"master_cpu_percent", "Master CPU Usage", "%", "Horizontal or Vertical Scale"},
		{"master_memory_percent", "Master Memory Usage", "%", "Vertical Scale or Add Replicas"},
		{"orchestration_latency_p95_seconds", "Orchestration Latency (p95)", "s", "Horizontal Scale + Optimize"},
		{"agent_coordination_error_percent", "Agent Coordination Errors", "%", "Scale Master + Message Bus"},
		{"db_connections_percent", "Database Connections", "%", "Increase Pool Size or Add Replicas"},
		{"message_bus_lag_ms", "Message Bus Lag", "ms", "Scale Kafka/RabbitMQ"},
		{"heat_optimization_time_seconds", "Heat Optimization Time", "s", "Vertical Scale or Optimize Algorithm"},
		{"plant_count", "Plant Count", "plants", "Proactive Horizontal Scale"},
		{"subagent_count", "Sub-Agent Count", "agents", "Scale Master + Message Bus"},
	}
	table := triggers.Table()
	if len(table) != len(want) {
		t.Fatalf("Table() has %d rows, want %d", len(table), len(want))
	}
	for i, w := range want {
		m := table[i]
		if m.Field != w.field || m.Name != w.name || m.Unit != w.unit || m.Action != w.action {
			t.Errorf("row %d = {%q %q %q %q}, want {%q %q %q %q}", i,
				m.Field, m.Name, m.Unit, m.Action, w.field, w.name, w.unit, w.action)
		}
		if got, ok := triggers.Lookup(w.field); !ok || got.Name != w.name {
			t.Errorf("Lookup(%q) = %q, %v", w.field, got.Name, ok)
		}
	}
	if _, ok := triggers.Lookup("cpu"); ok {
		t.Error(`Lookup("cpu") found a row`)
	}
}

func TestTableIsACopy(t *testing.T) {
	a := triggers.Table()
	a[0].Name = "changed"
	if b := triggers.Table(); b[0].Name != "Master CPU Usage" {
		t.Errorf("Table()[0].Name = %q after changing an earlier copy", b[0].Name)
	}
}

func TestMetricLevelBandEdges(t *testing.T) {
	tests := []struct {
		name  string
		field string
		value float64
		want  triggers.Level
	}{
		{"cpu below warning", "master_cpu_percent", 69.99, triggers.OK},
		{"cpu at warning", "master_cpu_percent", 70, triggers.Warning},
		{"cpu at critical line", "master_cpu_percent", 80, triggers.Warning},
		{"cpu above critical", "master_cpu_percent", 80.01, triggers.Critical},
		{"cpu zero", "master_cpu_percent", 0, triggers.OK},

		{"memory below warning", "master_memory_percent", 74.99, triggers.OK},
		{"memory at warning", "master_memory_percent", 75, triggers.Warning},
		{"memory at critical line", "master_memory_percent", 85, triggers.Warning},
		{"memory above critical", "master_memory_percent", 85.01, triggers.Critical},

		{"latency below warning", "orchestration_latency_p95_seconds", 1.999, triggers.OK},
		{"latency at warning", "orchestration_latency_p95_seconds", 2, triggers.Warning},
		{"latency at critical line", "orchestration_latency_p95_seconds", 3, triggers.Warning},
		{"latency above critical", "orchestration_latency_p95_seconds", 3.001, triggers.Critical},

		{"coordination errors below warning", "agent_coordination_error_percent", 0.99, triggers.OK},
		{"coordination errors at warning", "agent_coordination_error_percent", 1, triggers.Warning},
		{"coordination errors at critical line", "agent_coordination_error_percent", 5, triggers.Warning},
		{"coordination errors above critical", "agent_coordination_error_percent", 5.01, triggers.Critical},

		{"db connections below warning", "db_connections_percent", 69.99, triggers.OK},
		{"db connections at warning", "db_connections_percent", 70, triggers.Warning},
		{"db connections at critical line", "db_connections_percent", 85, triggers.Warning},
		{"db connections above critical", "db_connections_percent", 85.01, triggers.Critical},

		{"bus lag below warning", "message_bus_lag_ms", 99.9, triggers.OK},
		{"bus lag at warning", "message_bus_lag_ms", 100, triggers.Warning},
		{"bus lag at critical line", "message_bus_lag_ms", 500, triggers.Warning},
		{"bus lag above critical", "message_bus_lag_ms", 500.1, triggers.Critical},

		{"heat optimization below warning", "heat_optimization_time_seconds", 1.99, triggers.OK},
		{"heat optimization at warning", "heat_optimization_time_seconds", 2, triggers.Warning},
		{"heat optimization at critical line", "heat_optimization_time_seconds", 5, triggers.Warning},
		{"heat optimization above critical", "heat_optimization_time_seconds", 5.01, triggers.Critical},

		{"7 plants", "plant_count", 7, triggers.OK},
		{"8 plants", "plant_count", 8, triggers.Warning},
		{"10 plants", "plant_count", 10, triggers.Warning},
		{"11 plants", "plant_count", 11, triggers.Critical},

		{"69 agents", "subagent_count", 69, triggers.OK},
		{"70 agents", "subagent_count", 70, triggers.Warning},
		{"80 agents", "subagent_count", 80, triggers.Warning},
		{"81 agents", "subagent_count", 81, triggers.Critical},

		{"NaN cannot be placed", "master_cpu_percent", math.NaN(), triggers.NotObserved},
		{"+Inf is critical", "master_cpu_percent", math.Inf(1), triggers.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := triggers.Lookup(tt.field)
			if !ok {
				t.Fatalf("no metric %q", tt.field)
			}
			if got := m.Level(tt.value); got != tt.want {
				t.Errorf("%s.Level(%v) = %v, want %v", tt.field, tt.value, got, tt.want)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	m, _ := triggers.Lookup("message_bus_lag_ms")
	if from, to := m.Bounds(); from != 100 || to != 500 {
		t.Errorf("Bounds() = %v, %v; want 100, 500", from, to)
	}
}
